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
