'use strict'
// Source maps as bundlers write them: index maps with sections, webpack://
// and URL-encoded sources relative to the map's folder, bundler-internal
// pseudo sources, and one original file compiled into two chunks (reported
// once, merged).

const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const cov = require('..')
const { createFileInstrumenter } = require('../lib/server/instrument-file')
const { resolveSource, mapUrlOf } = require('../lib/source-maps')
const { fnHits } = require('./support/coverage')

// Base64 VLQ of one mapping segment's numbers.
function vlq(...nums) {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
  return nums
    .map((n) => {
      let v = n < 0 ? (-n << 1) | 1 : n << 1
      let out = ''
      do {
        let digit = v & 31
        v >>>= 5
        if (v) digit |= 32
        out += chars[digit]
      } while (v)
      return out
    })
    .join('')
}

test('source names: webpack://, turbopack [project], URL-encoded, relative to the map, pseudo sources dropped', () => {
  const root = '/proj'
  assert.equal(resolveSource('webpack://my-app/./app/%5Bid%5D/page.tsx', '', '/proj/.next/server', root), '/proj/app/[id]/page.tsx')
  assert.equal(resolveSource('turbopack:///[project]/app/page.tsx', '', '/proj/.next/server/chunks', root), '/proj/app/page.tsx')
  assert.equal(resolveSource('../../src/a.ts', '', '/proj/dist/x', root), '/proj/src/a.ts')
  assert.equal(resolveSource('a.ts', 'src', '/proj/dist', root), '/proj/dist/src/a.ts')
  assert.equal(resolveSource('file:///abs/b.ts', '', '/proj/dist', root), '/abs/b.ts')
  for (const pseudo of [
    'webpack/runtime/define property getters',
    'webpack://app/webpack/bootstrap',
    '[turbopack]/runtime.ts',
    'external "react"',
    'node:fs',
    null,
  ]) {
    assert.equal(resolveSource(pseudo, '', '/proj/dist', root), '', String(pseudo))
  }
  assert.equal(mapUrlOf('x()\n//# sourceMappingURL=a.js.map\n'), 'a.js.map')
  assert.equal(mapUrlOf('x()\n/*# sourceMappingURL=data:application/json;base64,e30= */'), 'data:application/json;base64,e30=')
  assert.equal(mapUrlOf('//# sourceMappingURL=early.map\nx()'), null, 'only a trailing comment counts')
})

// Turbopack's maps of Next's edge chunks (middleware) climb two folders short:
// from <app>/.next/server/edge/chunks, `../../../../../<app from the workspace
// root>/middleware.ts` lands above the app. Such a source that names no file
// resolves below the nearest ancestor where it does, inside the root only.
test('a relative source that climbs short of the file resolves below the nearest ancestor naming a project file', () => {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-climb-'))
  try {
    const app = path.join(ws, 'apps', 'web')
    fs.mkdirSync(path.join(app, '.next/server/edge/chunks'), { recursive: true })
    fs.writeFileSync(path.join(app, 'middleware.ts'), 'export {}\n')
    const chunks = path.join(app, '.next/server/edge/chunks')
    assert.equal(resolveSource('../../../../../apps/web/middleware.ts', '', chunks, app), path.join(app, 'middleware.ts'))
    // A source that exists where it points stays there; one naming nothing in the root stays as written.
    assert.equal(resolveSource('../../../../middleware.ts', '', chunks, app), path.join(app, 'middleware.ts'))
    assert.equal(resolveSource('../../../../../apps/web/gone.ts', '', chunks, app), path.join(ws, 'apps/apps/web/gone.ts'))
  } finally {
    fs.rmSync(ws, { recursive: true, force: true })
  }
})

test('two chunks with index maps report the original files, merged', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-maps-'))
  fs.mkdirSync(path.join(root, 'out'))
  // Original sources are reported only when they are real files.
  fs.mkdirSync(path.join(root, 'src/[id]'), { recursive: true })
  fs.mkdirSync(path.join(root, 'lib'))
  fs.writeFileSync(path.join(root, 'src/[id]/page.tsx'), 'export const a = (x: boolean) => (x ? 1 : 2)\n')
  fs.writeFileSync(path.join(root, 'lib/util.ts'), 'export const b = (y: boolean) => (y ? 3 : 4)\n')
  const files = createFileInstrumenter(cov, { root, include: ['**'], exclude: [], sourceMaps: true, reportLogic: false })
  // Each chunk line is one original line, column for column.
  const lineA = 'exports.a = function a(x) { return x ? 1 : 2 };'
  const lineB = 'exports.b = function b(y) { return y ? 3 : 4 };'
  const runtime = 'exports.rt = 1;'
  const chunk1 = [lineA, lineB, runtime].join('\n')
  const map1 = {
    version: 3,
    sections: [
      { offset: { line: 0, column: 0 }, map: { version: 3, sources: ['webpack://app/./src/%5Bid%5D/page.tsx'], mappings: vlq(0, 0, 0, 0) } },
      {
        offset: { line: 1, column: 0 },
        map: { version: 3, sources: ['../lib/util.ts', 'webpack/runtime/define'], mappings: `${vlq(0, 0, 0, 0)};${vlq(0, 1, 0, 0)}` },
      },
    ],
  }
  fs.writeFileSync(path.join(root, 'out/chunk1.js.map'), JSON.stringify(map1))
  // The second chunk holds util.ts again, from an inline map, plus a broken segment.
  const map2 = { version: 3, sources: ['../lib/util.ts'], mappings: `${vlq(0, 0, 0, 0)},!!` }
  const chunk2 = `${lineB}\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(map2)).toString('base64')}`
  const load = (code, name) => {
    const filename = path.join(root, 'out', name)
    const out = files.instrument(`${code}\n//# sourceMappingURL=${name}.map`.replace(/\n\/\/# sourceMappingURL=chunk2.js.map$/, ''), filename, 'commonjs')
    const m = { exports: {} }
    new Function('module', 'exports', out)(m, m.exports)
    return m.exports
  }
  const c1 = load(chunk1, 'chunk1.js')
  const c2 = load(chunk2, 'chunk2.js')
  cov.run('maps', () => {
    c1.a(true)
    c1.b(false)
    c2.b(true)
  })
  const map = cov.flush('maps')
  const keys = Object.keys(map).filter((k) => k.startsWith(root))
  assert.deepEqual(keys.sort(), [path.join(root, 'lib/util.ts'), path.join(root, 'src/[id]/page.tsx')].sort())
  const util = map[path.join(root, 'lib/util.ts')]
  assert.equal(Object.keys(util.fnMap).length, 1, 'one function b, merged from both chunks')
  assert.equal(fnHits(util, 'b'), 2)
  assert.deepEqual(Object.values(util.b), [[1, 1]], 'each chunk took one arm')
  assert.equal(fnHits(map[path.join(root, 'src/[id]/page.tsx')], 'a'), 1)
  assert.equal(util.statementMap[0].start.line, 1)
})

test('a file in two chunks: the same ids whichever chunk loads first, and two runs merge as one run (issue 25)', () => {
  const store = require('../lib/store')
  const { spawnSync } = require('node:child_process')
  const fixture = path.join(__dirname, 'fixtures/chunk-order')
  const page = path.join(fixture, 'src/page.js')
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-chunk-order-'))
  const dirs = { ab: path.join(tmp, 'ab'), ba: path.join(tmp, 'ba'), merged: path.join(tmp, 'merged') }
  for (const order of ['ab', 'ba']) {
    const r = spawnSync(process.execPath, [path.join(fixture, 'load-chunks.js'), order, dirs[order]], { encoding: 'utf8' })
    assert.equal(r.status, 0, r.stderr)
  }
  const exported = (dir, id) => store.exportCoverage(dir, [id])[page]
  for (const id of ['t', 'u']) {
    assert.equal(JSON.stringify(exported(dirs.ab, id)), JSON.stringify(exported(dirs.ba, id)), `${id}: the same export, id for id`)
  }
  const t = exported(dirs.ab, 't')
  assert.deepEqual(
    Object.values(t.fnMap).map((f) => f.name),
    ['one', 'two', 'three'],
    'functions in source order',
  )
  assert.deepEqual(t.f, { 0: 1, 1: 0, 2: 2 }, 'three() ran once in each chunk')
  assert.deepEqual(Object.values(t.b), [
    [0, 1],
    [0, 0],
    [1, 1],
  ])

  // Both runs' stores merged: one unit for the file, each counter the sum of the two runs'.
  store.mergeStores(dirs.merged, dirs.ab)
  store.mergeStores(dirs.merged, dirs.ba)
  const units = JSON.parse(cov.store.export(store.storePath(dirs.merged), ['t'], null, true)).filter((fc) => fc.path === page)
  assert.equal(units.length, 1, 'both runs stored the same unit')
  const merged = exported(dirs.merged, 't')
  assert.deepEqual(merged.statementMap, t.statementMap)
  for (const k of ['s', 'f']) assert.deepEqual(merged[k], Object.fromEntries(Object.entries(t[k]).map(([id, n]) => [id, 2 * n])), k)
  assert.deepEqual(merged.b, Object.fromEntries(Object.entries(t.b).map(([id, arms]) => [id, arms.map((n) => 2 * n)])))
  for (const dir of Object.values(dirs)) store.closeStore(dir)
  fs.rmSync(tmp, { recursive: true, force: true })
})
