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
