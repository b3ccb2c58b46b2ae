'use strict'
// A real Express 5 app with all of express's own lib files (and the `router`
// package it routes through) instrumented by our instrumenter through a require
// hook, serving two routes. Each HTTP request runs in the test context named by
// its `x-test-id` header; the per-test coverage must show that each test
// exercised express, and which test took which route-specific code path.
//
// node --test runs every test file in its own process, so the hook below sees
// express being loaded for the first time.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const http = require('node:http')
const path = require('node:path')
const Module = require('node:module')

const ROOT = path.join(__dirname, '..')
const { instrument, run, flush, STARTUP_ID } = require(ROOT)

// Resolve the real directories (node_modules may hold symlinks).
const EXPRESS_DIR = fs.realpathSync(path.dirname(require.resolve('express/package.json')))
const EXPRESS_LIB = path.join(EXPRESS_DIR, 'lib') + path.sep
const routerEntry = (() => {
  try {
    return require.resolve('router', { paths: [EXPRESS_DIR] })
  } catch {
    return null // express 4 bundles its router inside lib/
  }
})()
const ROUTER_DIR = routerEntry && fs.realpathSync(path.dirname(routerEntry)) + path.sep
const TARGET_DIRS = [EXPRESS_LIB, ...(ROUTER_DIR ? [ROUTER_DIR] : [])]
// express/lib/**/*.js and router/**/*.js, not their own nested dependencies.
function isTarget(filename) {
  if (!filename.endsWith('.js')) return false
  const dir = TARGET_DIRS.find((d) => filename.startsWith(d))
  return dir !== undefined && !filename.slice(dir.length).split(path.sep).includes('node_modules')
}

const instrumented = new Set()
const originalJs = Module._extensions['.js']

before(() => {
  const loaded = Object.keys(require.cache).filter(isTarget)
  assert.deepEqual(loaded, [], 'express was loaded before the require hook was installed')
  Module._extensions['.js'] = function instrumentedJs(module, filename) {
    if (!isTarget(filename)) return originalJs.call(this, module, filename)
    const source = fs.readFileSync(filename, 'utf8')
    const { code, fileId } = instrument(source, filename, { sourceType: 'commonjs' })
    assert.notEqual(fileId, null, `${filename}: not registered`)
    instrumented.add(filename)
    module._compile(code, filename)
  }
})

after(() => {
  Module._extensions['.js'] = originalJs
})

// Key of the function named `name` in a file's fnMap (asserting it is unique).
function fnKey(fc, name) {
  const keys = Object.keys(fc.fnMap).filter((k) => fc.fnMap[k].name === name)
  assert.equal(keys.length, 1, `${fc.path}: expected one function named ${name}, found ${keys.length}`)
  return keys[0]
}

const sum = (counts) => Object.values(counts).reduce((a, n) => a + n, 0)
const sumBranches = (b) => Object.values(b).reduce((a, paths) => a + paths.reduce((x, n) => x + n, 0), 0)

function request(port, pathname, testId) {
  return fetch(`http://127.0.0.1:${port}${pathname}`, { headers: { 'x-test-id': testId } }).then(async (res) => ({
    status: res.status,
    type: res.headers.get('content-type'),
    body: await res.text(),
  }))
}

test('an instrumented Express app reports per-test coverage of express itself', async () => {
  const express = require('express')
  const app = express()
  app.get('/users/:id', (req, res) => res.json({ id: req.params.id, ok: true }))
  app.get('/hello', (req, res) => res.send('hello'))

  const expectedFiles = ['application.js', 'express.js', 'request.js', 'response.js'].map((f) => path.join(EXPRESS_LIB, f))
  for (const f of expectedFiles) assert.ok(instrumented.has(f), `${f} was not instrumented`)
  if (ROUTER_DIR) {
    assert.ok(instrumented.has(path.join(ROUTER_DIR, 'index.js')), 'router/index.js was not instrumented')
    assert.ok(instrumented.has(path.join(ROUTER_DIR, 'lib', 'layer.js')), 'router/lib/layer.js was not instrumented')
  }

  // Module initialisation and app setup ran outside any test: the startup bucket.
  const startup = flush(STARTUP_ID)
  const appFile = path.join(EXPRESS_LIB, 'application.js')
  assert.ok(sum(startup[appFile].s) > 0, 'module init of application.js counted in the startup bucket')
  assert.ok(startup[path.join(EXPRESS_LIB, 'express.js')].f[fnKey(startup[path.join(EXPRESS_LIB, 'express.js')], 'createApplication')] === 1)

  const server = http.createServer((req, res) => run(req.headers['x-test-id'] || STARTUP_ID, () => app(req, res)))
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  try {
    // Interleave the two tests' requests so that their contexts overlap in time.
    const JSON_CALLS = 3
    const HELLO_CALLS = 2
    const responses = await Promise.all([
      ...Array.from({ length: JSON_CALLS }, (_, i) => request(port, `/users/${i}`, 'test-json')),
      ...Array.from({ length: HELLO_CALLS }, () => request(port, '/hello', 'test-hello')),
    ])
    for (let i = 0; i < JSON_CALLS; i++) {
      assert.equal(responses[i].status, 200)
      assert.match(responses[i].type, /^application\/json/)
      assert.deepEqual(JSON.parse(responses[i].body), { id: String(i), ok: true })
    }
    for (const r of responses.slice(JSON_CALLS)) {
      assert.equal(r.status, 200)
      assert.match(r.type, /^text\/html/)
      assert.equal(r.body, 'hello')
    }
    // Not found goes through express's final handler, still instrumented code.
    const missing = await request(port, '/nope', 'test-404')
    assert.equal(missing.status, 404)

    const jsonCov = flush('test-json')
    const helloCov = flush('test-hello')
    const totals = (cov) =>
      [...instrumented].reduce((t, f) => ({ s: t.s + sum(cov[f].s), f: t.f + sum(cov[f].f), b: t.b + sumBranches(cov[f].b) }), { s: 0, f: 0, b: 0 })
    console.log(
      `instrumented ${instrumented.size} files: ${[...instrumented].map((f) => path.relative(path.dirname(EXPRESS_DIR), f)).join(', ')}\n` +
        `test-json hits ${JSON.stringify(totals(jsonCov))}, test-hello hits ${JSON.stringify(totals(helloCov))}`,
    )

    // Every instrumented file is in both maps (registered files are always reported).
    for (const f of instrumented) {
      assert.ok(jsonCov[f], `${f} missing from test-json coverage`)
      assert.ok(helloCov[f], `${f} missing from test-hello coverage`)
    }

    // Both tests ran express's request handling: application and router files.
    const routerFiles = ROUTER_DIR
      ? [path.join(ROUTER_DIR, 'index.js'), path.join(ROUTER_DIR, 'lib', 'layer.js'), path.join(ROUTER_DIR, 'lib', 'route.js')]
      : []
    for (const [name, cov] of [
      ['test-json', jsonCov],
      ['test-hello', helloCov],
    ]) {
      for (const f of [appFile, path.join(EXPRESS_LIB, 'response.js'), ...routerFiles]) {
        assert.ok(sum(cov[f].s) > 0, `${name}: no statements counted in ${path.relative(EXPRESS_DIR, f)}`)
        assert.ok(sum(cov[f].f) > 0, `${name}: no functions counted in ${path.relative(EXPRESS_DIR, f)}`)
        assert.ok(sumBranches(cov[f].b) > 0, `${name}: no branches counted in ${path.relative(EXPRESS_DIR, f)}`)
      }
      // app.handle runs once per request.
      const handle = fnKey(cov[appFile], 'handle')
      assert.equal(cov[appFile].f[handle], name === 'test-json' ? JSON_CALLS : HELLO_CALLS, `${name}: app.handle calls`)
    }

    // Route-specific paths in response.js: res.json only for /users/:id;
    // res.type (function contentType) only for /hello, where res.send sets a
    // default text/html type. res.send runs for both (res.json calls it).
    const resFile = path.join(EXPRESS_LIB, 'response.js')
    const json = fnKey(jsonCov[resFile], 'json')
    const contentType = fnKey(jsonCov[resFile], 'contentType')
    const send = fnKey(jsonCov[resFile], 'send')
    const sendStatus = fnKey(jsonCov[resFile], 'sendStatus')
    assert.equal(jsonCov[resFile].f[json], JSON_CALLS)
    assert.equal(helloCov[resFile].f[json], 0)
    assert.equal(jsonCov[resFile].f[contentType], 0)
    assert.equal(helloCov[resFile].f[contentType], HELLO_CALLS)
    assert.equal(jsonCov[resFile].f[send], JSON_CALLS)
    assert.equal(helloCov[resFile].f[send], HELLO_CALLS)
    assert.equal(jsonCov[resFile].f[sendStatus], 0)
    assert.equal(helloCov[resFile].f[sendStatus], 0)

    // Route parameters are only parsed for the json route: request params come
    // from the router's layer matching with a key. Compare the whole router as a
    // coarse check that the two tests differ (and are not just copies).
    if (ROUTER_DIR) {
      const layer = path.join(ROUTER_DIR, 'lib', 'layer.js')
      assert.notDeepEqual(jsonCov[layer].s, helloCov[layer].s, 'the two tests took the same paths through router/lib/layer.js')
    }

    // The 404 test went through the router but never reached a response method above.
    const notFound = flush('test-404')
    assert.equal(notFound[resFile].f[json], 0)
    assert.ok(sum(notFound[appFile].s) > 0)

    // A flush hands counts over once: flushing again gives zeros.
    const again = flush('test-json')
    for (const f of instrumented) {
      assert.equal(sum(again[f].s), 0, `${f}: statements counted again after flush`)
      assert.equal(sum(again[f].f), 0)
      assert.equal(sumBranches(again[f].b), 0)
    }
  } finally {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
})
