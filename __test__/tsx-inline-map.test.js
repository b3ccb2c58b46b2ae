'use strict'
// The server half under tsx, with an inline source map (one data: URL line)
// longer than 4 KB, as tsx writes for any larger module: it must be reported
// at the .ts file's own lines. When only the last 4 KB of the code were
// searched for the map's comment, such files came out at tsx's generated
// positions (all on line 2) with no warning: 34 of Etherpad's server files in
// its field trial (docs/field-trials.md).

const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawnSync } = require('node:child_process')

const ROOT = path.join(__dirname, '..')

test('tsx: a TypeScript file with an inline map longer than 4 KB is reported at its own lines', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-inline-map-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  // 200 functions, one every 3 lines: the map's data URL is far above 4 KB.
  const fns = Array.from({ length: 200 }, (_, i) => `export function f${i}(x: number): number {\n  return x + ${i}\n}`)
  fs.writeFileSync(path.join(dir, 'big.ts'), `${fns.join('\n')}\nf199(1)\n`)
  const probe = `
    require('./big.ts')
    const m = require(${JSON.stringify(ROOT)}).peek('startup')
    const fc = m[${JSON.stringify(path.join(dir, 'big.ts'))}]
    process.stdout.write(JSON.stringify(Object.values(fc.fnMap).map((f) => [f.name, f.loc.start.line])))
  `
  const r = spawnSync(process.execPath, ['--require', path.join(ROOT, 'register.js'), '--require', require.resolve('tsx/cjs'), '-e', probe], {
    cwd: dir,
    env: { ...process.env, COV_ALS: '1', COV_ALS_OUT_DIR: path.join(dir, 'out') },
    encoding: 'utf8',
  })
  assert.equal(r.status, 0, r.stderr)
  const compiled = spawnSync(
    process.execPath,
    [
      '--require',
      require.resolve('tsx/cjs'),
      '-e',
      `
    const Module = require('node:module'); const orig = Module.prototype._compile; let code = ''
    Module.prototype._compile = function (c, f) { if (f.endsWith('big.ts')) code = c; return orig.call(this, c, f) }
    require('./big.ts'); process.stdout.write(String(code.length - code.lastIndexOf('sourceMappingURL=')))`,
    ],
    { cwd: dir, encoding: 'utf8' },
  )
  assert.ok(Number(compiled.stdout) > 4096, `the inline map is ${compiled.stdout} characters: too short to show the bug`)
  const lines = new Map(JSON.parse(r.stdout))
  assert.equal(lines.get('f0'), 1)
  assert.equal(lines.get('f150'), 451)
  assert.equal(lines.get('f199'), 598)
})

// esbuild (tsx) turns `export function a` into a getter, `() => a`, in its
// module preamble, mapped to line 1 and advanced past its end; its maps have
// no sourcesContent. Etherpad's report had 232 such statements and 139
// functions on line 1 of its .ts files, counted on every read of an export.
// With the file's own text, composition drops what lies past a line's end.
test('tsx: no statement or function lies past the end of its line (esbuild export getters are not reported)', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-getters-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const source = [
    "import { join } from 'node:path'",
    '',
    'export function a(x: number): number {',
    '  return x + 1',
    '}',
    "export const b = (s: string) => join(s, 'x')",
    'export class C {',
    '  m() {',
    '    return 1',
    '  }',
    '}',
    'export default function d() {',
    '  return a(2)',
    '}',
    '',
  ].join('\n')
  fs.writeFileSync(path.join(dir, 'mod.ts'), source)
  const probe = `
    const m = require('./mod.ts')
    m.a(1); m.a(2); m.b('y')
    const fc = require(${JSON.stringify(ROOT)}).peek('startup')[${JSON.stringify(path.join(dir, 'mod.ts'))}]
    process.stdout.write(JSON.stringify(fc))
  `
  const r = spawnSync(process.execPath, ['--require', path.join(ROOT, 'register.js'), '--require', require.resolve('tsx/cjs'), '-e', probe], {
    cwd: dir,
    env: { ...process.env, COV_ALS: '1', COV_ALS_OUT_DIR: path.join(dir, 'out') },
    encoding: 'utf8',
  })
  assert.equal(r.status, 0, r.stderr)
  const fc = JSON.parse(r.stdout)
  const lines = source.split('\n')
  const past = (loc) => loc.start.column >= lines[loc.start.line - 1].length || loc.end.column > lines[loc.end.line - 1].length
  const outside = [
    ...Object.values(fc.statementMap)
      .filter(past)
      .map((l) => `statement ${JSON.stringify(l)}`),
    ...Object.values(fc.fnMap)
      .filter((f) => past(f.loc))
      .map((f) => `function ${f.name} ${JSON.stringify(f.loc)}`),
  ]
  assert.deepEqual(outside, [])
  const hits = Object.fromEntries(Object.entries(fc.fnMap).map(([k, f]) => [`${f.name}@${f.loc.start.line}`, fc.f[k]]))
  assert.deepEqual(Object.keys(hits).sort(), ['(anonymous_1)@6', '(anonymous_2)@8', 'a@3', 'd@12'].sort(), 'only the file’s own functions')
  assert.equal(hits['a@3'], 2, 'a counted per call, not per read of the export')
})
