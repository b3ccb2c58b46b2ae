'use strict'
// The binding's edges: which native binary index.js loads (and the one error
// it gives when none loads), and the constants the Rust side defines for JS.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const fs = require('node:fs')
const os = require('node:os')
const { spawnSync } = require('node:child_process')

const ROOT = path.join(__dirname, '..')
const BINARY = fs.readdirSync(ROOT).find((f) => /^cov-als-native\..+\.node$/.test(f))

function node(script, env = {}, cwd = ROOT) {
  const r = spawnSync(process.execPath, ['-e', script], { cwd, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 30_000 })
  return { status: r.status, stdout: r.stdout.trim(), stderr: r.stderr }
}

test('constants come from the binding: runtime global, header marker, startup id', () => {
  const cov = require('..')
  const native = require(path.join(ROOT, BINARY))
  assert.equal(cov.STARTUP_ID, native.STARTUP_ID)
  assert.equal(cov.STARTUP_ID, 'startup')
  // Instrumented code starts its header with the marker and reaches the runtime through the global.
  const { code } = cov.instrument('function f() {}', path.join(os.tmpdir(), 'binding-constants.js'))
  assert.ok(code.startsWith(native.HEADER_MARKER), code.slice(0, 80))
  assert.equal(cov.HEADER_MARKER, native.HEADER_MARKER)
  assert.ok(code.includes(`globalThis.${native.RUNTIME_GLOBAL}`))
  assert.equal(globalThis[native.RUNTIME_GLOBAL].api, cov)
})

test('COV_ALS_NATIVE_BINARY names the binary to load, relative to the working directory', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-binding-'))
  try {
    fs.copyFileSync(path.join(ROOT, BINARY), path.join(dir, 'custom.node'))
    const script = `const cov = require(${JSON.stringify(ROOT)}); console.log(typeof cov.instrument, require.cache[require.resolve(${JSON.stringify(path.join(dir, 'custom.node'))})] ? 'custom' : 'other')`
    const r = node(script, { COV_ALS_NATIVE_BINARY: 'custom.node' }, dir)
    assert.equal(r.status, 0, r.stderr)
    assert.equal(r.stdout, 'function custom')
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test('a binary named by COV_ALS_NATIVE_BINARY that does not load is an error naming it, with no fallback', () => {
  const r = node(`require(${JSON.stringify(ROOT)})`, { COV_ALS_NATIVE_BINARY: '/nonexistent/cov.node' })
  assert.notEqual(r.status, 0)
  assert.match(r.stderr, /could not load the native binary named by COV_ALS_NATIVE_BINARY/)
  assert.match(r.stderr, /\/nonexistent\/cov\.node/)
})

test('with no binary at all, one error lists every attempt', () => {
  // A copy of the package without its .node file.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-nobinary-'))
  try {
    fs.copyFileSync(path.join(ROOT, 'index.js'), path.join(dir, 'index.js'))
    fs.cpSync(path.join(ROOT, 'lib'), path.join(dir, 'lib'), { recursive: true })
    const r = node(`require(${JSON.stringify(dir)})`, { COV_ALS_NATIVE_BINARY: '' }, dir)
    assert.notEqual(r.status, 0)
    assert.match(r.stderr, /no native binary for \w+-\w+/)
    assert.match(r.stderr, /npm run build/)
    // The per-platform package lookup is listed with its own failure.
    assert.match(r.stderr, /- cov-als-native-[\w-]+: Cannot find module/)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

// A flush's JSON (src/json_text.rs): ASCII text of 64 KiB or more becomes an
// external string on Node-API 10 (V8 reads Rust's bytes, no copy); other
// text is copied. Both must read back exactly, also after collections.
function flushTextScript(file) {
  return `
    const cov = require(${JSON.stringify(ROOT)})
    const src = Array.from({ length: 400 }, (_, i) => 'exports.f' + i + ' = function (x) { return x ? ' + i + ' : -' + i + ' }').join('\\n')
    const m = { exports: {} }
    new Function('exports', cov.instrument(src, ${JSON.stringify(file)}).code)(m.exports)
    cov.run('t', () => { m.exports.f7(1); m.exports.f7(0); m.exports.f9(1) })
    let text = cov.flushJson('t')
    for (let i = 0; i < 3; i++) { globalThis.gc(); new Array(1e5).fill({}).length }
    const file = JSON.parse(text)[${JSON.stringify(file)}]
    const fn = (name) => Object.keys(file.fnMap).find((k) => file.fnMap[k].decl.start.line === name)
    console.log(JSON.stringify({ bytes: text.length, path: file.path, f7: file.f[fn(8)], f9: file.f[fn(10)], f1: file.f[fn(2)] }));
    %DebugPrint(text)
  `
}

function flushText(file) {
  const r = spawnSync(process.execPath, ['--expose-gc', '--allow-natives-syntax', '-e', flushTextScript(file)], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
  })
  assert.equal(r.status, 0, r.stderr)
  const [answer, ...printed] = r.stdout.split('\n')
  // V8's short print marks an external string with `e"`.
  return { ...JSON.parse(answer), external: /\[String\][^:\n]*: e"/.test(printed.join('\n').slice(0, 2000)) }
}

test('a large flush reads back exactly, external on Node-API 10 when ASCII', () => {
  const file = path.join(os.tmpdir(), 'cov-als-binding-text', 'mod.js')
  const r = flushText(file)
  assert.ok(r.bytes >= 64 * 1024, `${r.bytes} bytes: below the size that goes external`)
  assert.deepEqual([r.path, r.f7, r.f9, r.f1], [file, 2, 1, 0])
  assert.equal(r.external, Number(process.versions.napi) >= 10, `external: ${r.external} on Node-API ${process.versions.napi}`)
})

test('a large flush naming a non-ASCII path is copied (never read as Latin-1)', () => {
  const file = path.join(os.tmpdir(), 'cov-als-binding-text', 'módulo-😀.js')
  const r = flushText(file)
  assert.deepEqual([r.path, r.f7, r.f9, r.f1], [file, 2, 1, 0])
  assert.equal(r.external, false)
})
