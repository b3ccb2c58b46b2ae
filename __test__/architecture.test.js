'use strict'
// The house rules of docs/architecture.md, checked: loading the addon or
// reading the run store installs no runtime; the package's modules form no
// require cycle; each folder of lib/ requires only what runs in its
// process; the root files are entry points; and every client of the control
// protocol follows the server's control path.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawnSync, spawn } = require('node:child_process')
const { startServer, request, REPO } = require('./support/server')

// The package's own JS: the root entry points, lib/ and bin/.
function ownFiles() {
  const files = fs
    .readdirSync(REPO)
    .filter((f) => f.endsWith('.js'))
    .map((f) => path.join(REPO, f))
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name)
      if (e.isDirectory()) walk(p)
      else if (/\.(c|m)?js$/.test(e.name)) files.push(p)
    }
  }
  walk(path.join(REPO, 'lib'))
  walk(path.join(REPO, 'bin'))
  return files
}

// Every relative require of `file` (lazy ones inside functions too), resolved.
function requiresOf(file) {
  const text = fs.readFileSync(file, 'utf8')
  const out = []
  for (const m of text.matchAll(/require\(\s*'(\.{1,2}\/[^']+)'\s*\)/g)) out.push(require.resolve(path.resolve(path.dirname(file), m[1])))
  return out
}

const rel = (f) => path.relative(REPO, f).split(path.sep).join('/')

test('the package has no require cycle (lazy requires count)', () => {
  const graph = new Map(ownFiles().map((f) => [f, requiresOf(f)]))
  const state = new Map() // 1: on the stack, 2: done
  const cycles = []
  const visit = (f, stack) => {
    state.set(f, 1)
    for (const to of graph.get(f) || []) {
      if (state.get(to) === 1) cycles.push([...stack.slice(stack.indexOf(to)), to].map(rel).join(' -> '))
      else if (!state.has(to)) visit(to, [...stack, to])
    }
    state.set(f, 2)
  }
  for (const f of graph.keys()) if (!state.has(f)) visit(f, [f])
  assert.ok(graph.size > 40, `only ${graph.size} modules found`)
  assert.deepEqual(cycles, [])
})

// Where a folder's code runs decides what it may require (docs/architecture.md).
const LAYERS = {
  // Shared by every process: the addon, the store, config, the protocol.
  'lib/': ['lib/'],
  'lib/server/': ['lib/', 'lib/server/'],
  'lib/runner/': ['lib/', 'lib/runner/', 'lib/report/'],
  // The Vite dev server is the app's server too: it may install the server half.
  'lib/build/': ['lib/', 'lib/build/', 'lib/server/'],
  'lib/report/': ['lib/', 'lib/report/'],
  'lib/cli/': ['lib/', 'lib/cli/', 'lib/report/'],
}
const layerOf = (file) => {
  const r = rel(file)
  const dir = r.slice(0, r.lastIndexOf('/') + 1)
  return dir in LAYERS ? dir : null
}

test('each folder of lib/ requires only the folders that run in its process', () => {
  const wrong = []
  for (const f of ownFiles()) {
    const from = layerOf(f)
    if (!from) continue
    for (const to of requiresOf(f)) {
      const layer = layerOf(to)
      if (layer && !LAYERS[from].includes(layer)) wrong.push(`${rel(f)} -> ${rel(to)}`)
    }
  }
  assert.deepEqual(wrong, [])
})

test('the root files are entry points: 30 lines or fewer, their work in lib/', () => {
  const long = fs
    .readdirSync(REPO)
    .filter((f) => f.endsWith('.js'))
    .map((f) => [f, fs.readFileSync(path.join(REPO, f), 'utf8').trimEnd().split('\n').length])
    .filter(([, lines]) => lines > 30)
  assert.deepEqual(long, [])
  // Every export of package.json is such a file, or lib/store.js.
  const { exports } = require('../package.json')
  for (const [name, target] of Object.entries(exports)) {
    if (name === './package.json') continue
    assert.ok(fs.existsSync(path.join(REPO, target.default)), `${name} -> ${target.default}`)
  }
})

test('the addon, the run store, the CLI, the reporter and the build plugins load and work without installing the runtime', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-house-'))
  try {
    const script = `
      const assert = require('node:assert/strict')
      const { AsyncResource } = require('node:async_hooks')
      const vm = require('node:vm')
      const native = require(${JSON.stringify(path.join(REPO, 'lib/native.js'))})
      const patched = () => [AsyncResource.prototype.runInAsyncScope, vm.Script.prototype.runInContext, process._tickCallback].filter((f) => f && f.covAlsSwitching).length
      const installed = () => globalThis[native.RUNTIME_GLOBAL] !== undefined
      const store = require(${JSON.stringify(path.join(REPO, 'lib/store.js'))})
      for (const m of ['lib/cli/main.js', 'lib/report/index.js', 'reporter.js', 'global-setup.js', 'loader.js', 'vite.js']) require(${JSON.stringify(REPO)} + '/' + m)
      const map = { '/p/a.js': { path: '/p/a.js', statementMap: { 0: { start: { line: 1, column: 0 }, end: { line: 1, column: 5 } } }, fnMap: {}, branchMap: {}, s: { 0: 2 }, f: {}, b: {} } }
      store.writeTestCoverage(${JSON.stringify(dir)}, 't \\ud800 one', map, 'browser')
      assert.deepEqual(store.listTests(${JSON.stringify(dir)}), ['t \\ud800 one'])
      assert.equal(store.readTestCoverage(${JSON.stringify(dir)}, 't \\ud800 one')['/p/a.js'].s[0], 2)
      assert.equal(store.whichTests(${JSON.stringify(dir)}, '/p/a.js', 1, 1)[0].test, 't \\ud800 one')
      const { instrument } = require(${JSON.stringify(path.join(REPO, 'lib/instrument.js'))})
      assert.match(instrument('function f() {}', '/p/b.js', { browser: true }).code, /__coverage__/)
      store.closeStore(${JSON.stringify(dir)})
      console.log(JSON.stringify({ installed: installed(), patched: patched() }))
      require(${JSON.stringify(REPO)})
      console.log(JSON.stringify({ installed: installed(), patched: patched() }))
    `
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } })
    assert.equal(r.status, 0, r.stderr)
    const [before, after] = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    assert.deepEqual(before, { installed: false, patched: 0 }, 'reading and writing the store, instrumenting for the browser')
    assert.deepEqual(after, { installed: true, patched: 3 }, "require('cov-als-native') installs the runtime")
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test('clients follow COV_ALS_CONTROL_PATH as the server does: cov-als flush and flushServer', async () => {
  const { flushServer } = require('../lib/control')
  const fixture = path.join(__dirname, 'fixtures/propagation')
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-control-'))
  const server = await startServer(path.join(fixture, 'downstream.js'), {
    root: fixture,
    env: { COV_ALS: '1', COV_ALS_OUT_DIR: outDir, COV_ALS_CONTROL_PATH: '/__ctl' },
  })
  try {
    const url = `http://127.0.0.1:${server.port}`
    await request(server.port, { path: '/?n=2', headers: { 'x-cov-test-id': 'ctl one' } })
    // The default path reaches the app, not the control handler.
    const wrong = await flushServer(url, { controlPath: '/__cov' })
    assert.ok(wrong.error, 'a flush on /__cov must not reach a server whose control path is /__ctl')
    const cli = await new Promise((resolve) => {
      const child = spawn(process.execPath, [path.join(REPO, 'bin/cov-als.js'), 'flush', url, '--json'], {
        env: { ...process.env, COV_ALS_SERVER_URLS: '', COV_ALS_CONTROL_PATH: '/__ctl' },
      })
      let stdout = ''
      child.stdout.on('data', (d) => (stdout += d))
      child.on('close', (status) => resolve({ status, stdout }))
    })
    assert.equal(cli.status, 0)
    const [result] = JSON.parse(cli.stdout)
    assert.equal(result.error, null)
    assert.ok(result.flushed.includes('ctl one'), JSON.stringify(result))
    assert.deepEqual(result.files, [path.join(outDir, 'cov-als.db')])
  } finally {
    await server.stop()
    fs.rmSync(outDir, { recursive: true, force: true })
  }
})

test("the package's own files are never instrumented, wherever they sit in lib/", () => {
  const cov = require('..')
  const { createFileInstrumenter } = require('../lib/server/instrument-file')
  // A project whose root holds the package and includes everything.
  const files = createFileInstrumenter(cov, { ...require('../lib/config').load({ COV_ALS_ROOT: REPO, COV_ALS_INCLUDE: '**', COV_ALS_EXCLUDE: '' }, REPO) })
  const own = ownFiles().filter((f) => !f.endsWith('.mjs'))
  assert.ok(
    own.some((f) => f.includes(`${path.sep}server${path.sep}`)),
    'lib/server/ is among them',
  )
  assert.deepEqual(own.filter((f) => files.shouldInstrument(f)).map(rel), [])
  assert.ok(files.shouldInstrument(path.join(REPO, 'examples/next-rsc/lib/catalog.ts')), 'a project file is')
})
