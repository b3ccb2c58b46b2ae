'use strict'
// The TypeScript declarations (issue 24): every subpath export has a `types`
// condition whose file exists, and __test__/types/usage.ts, which uses each of
// them as a TypeScript project would (and misuses some on purpose, marked
// @ts-expect-error), passes `tsc --noEmit`.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { spawnSync } = require('node:child_process')

const ROOT = path.join(__dirname, '..')
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'))

test('every subpath export that is code has a types condition, and its file is packed', () => {
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    if (subpath === './package.json') continue
    assert.equal(typeof target, 'object', `${subpath} has conditions`)
    assert.ok(target.types, `${subpath} has a types condition`)
    assert.equal(Object.keys(target)[0], 'types', `${subpath}: types comes first (TypeScript takes the first match)`)
    assert.ok(fs.existsSync(path.join(ROOT, target.types)), `${target.types} exists`)
    const packed = pkg.files.some((f) => target.types.slice(2) === f || (f.endsWith('/') && target.types.slice(2).startsWith(f)))
    assert.ok(packed, `${target.types} is in files`)
  }
})

test('a TypeScript project using every export passes tsc --noEmit', { timeout: 180_000 }, () => {
  const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc')
  const r = spawnSync(process.execPath, [tsc, '-p', path.join(__dirname, 'types/tsconfig.json')], { cwd: ROOT, encoding: 'utf8', timeout: 170_000 })
  assert.equal(r.status, 0, `tsc failed:\n${r.stdout}${r.stderr}`)
})
