'use strict'
// The React Router 8 example (examples/react-router) end to end, in dev and in
// production, each as a stock `playwright test` against ONE server:
//   dev   `react-router dev`, the preload through NODE_OPTIONS, cov-als-native/vite
//         instrumenting the modules Vite's module runner evaluates (server) and
//         the modules it serves (client, window.__coverage__)
//   prod  `react-router build` (client modules instrumented by the plugin, the
//         server bundle plain), then `react-router-serve` with the preload
// Each test asserts its own report in the specs (covPeek, window.__coverage__).
// Here: the suite in parallel (3 workers) must give every test exactly the
// report, server and browser halves, that the same test gives run alone (one
// worker: one test at a time against the server). In dev, app/lib/cart.ts
// (the action's and the browser's) gets a hot update once a test is in
// flight, in either run (issue 22): a new version of the module, whose counts
// add up with the old one's (the same statements).

const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { REPO, freePort } = require('./support/server')
const { fnHits } = require('./support/coverage')
const { listTests, readTestCoverage } = require('../lib/store')
const { spawnCollect, hotUpdate } = require('./support/hot-update')

const APP = path.join(REPO, 'examples/react-router')
const PLAYWRIGHT_CLI = path.join(REPO, 'node_modules/@playwright/test/cli.js')
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
const [major, minor] = process.versions.node.split('.').map(Number)
const skip =
  major < 22 || (major === 22 && minor < 22)
    ? `React Router 8 needs Node >= 22.22 (this is ${process.version}); scripts/node-lines.js runs this suite on Node 22, 24 and 26`
    : !fs.existsSync(CHROMIUM) && `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`

const TEST_IDS = [
  'cart.spec.ts › a live quote runs in the browser only',
  'cart.spec.ts › form action adds to the cart',
  'cart.spec.ts › form action rejects a bad quantity',
  'pages.spec.ts › client-side navigation from home to a product',
  'pages.spec.ts › home lists products by name',
  'pages.spec.ts › home sorted by price',
  'pages.spec.ts › missing product is a 404',
  'pages.spec.ts › premium product streams its reviews',
]
const BUILD_DIR = 'build-test'

const CART = path.join(APP, 'app/lib/cart.ts')

async function runSuite(mode, workers) {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), `cov-als-rr-${mode}-${workers}-`))
  const port = await freePort()
  const env = {
    ...process.env,
    NODE_OPTIONS: '',
    RR_MODE: mode,
    RR_BUILD_DIR: BUILD_DIR,
    COV_OUT: out,
    PORT: String(port),
    PW_WORKERS: String(workers),
    PW_JSON_REPORT: path.join(out, 'playwright.json'),
    PW_OUTPUT_DIR: path.join(out, 'pw-results'),
    // The webServer command runs `node`: this Node line, not the system's.
    PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}`,
  }
  for (const k of Object.keys(env)) if (k.startsWith('COV_ALS')) delete env[k]
  // In dev, the plugin says when a hot update supersedes a module.
  if (mode === 'dev') env.COV_ALS_DEBUG = '1'
  const run = spawnCollect(process.execPath, [PLAYWRIGHT_CLI, 'test', '-c', path.join(APP, 'playwright.config.js')], { cwd: REPO, env, timeout: 5 * 60 * 1000 })
  const original = fs.readFileSync(CART, 'utf8')
  let update
  try {
    // A comment of the same length: the same statements, the same behaviour, a new version.
    if (mode === 'dev')
      update = await hotUpdate(run, { base: `http://127.0.0.1:${port}`, file: CART, edit: (t) => t.replace('/** Shared by', '/** Shored by'), touch: '/cart' })
  } finally {
    const { status, output } = await run.done
    fs.writeFileSync(CART, original)
    assert.equal(status, 0, `playwright (${mode}, ${workers} workers) failed:\n${output.slice(-20000)}`)
  }
  if (update)
    assert.ok(update.superseded, `${mode}, ${workers} workers: the hot update of cart.ts was loaded while the suite ran (in flight: ${update.inFlight})`)
  const pw = JSON.parse(fs.readFileSync(env.PW_JSON_REPORT, 'utf8'))
  assert.equal(pw.stats.expected, TEST_IDS.length, `${mode}: every test passed, each asserting its own report`)
  const dir = path.join(out, 'tests')
  const halves = {}
  for (const id of listTests(dir))
    halves[id] = { server: readTestCoverage(dir, id, { part: 'server' }), browser: readTestCoverage(dir, id, { part: 'browser' }) }
  fs.rmSync(out, { recursive: true, force: true })
  return halves
}

/** A file's maps and counts, without what names a build (hashes, input maps). */
function comparable(coverage) {
  const out = {}
  for (const [file, { statementMap, fnMap, branchMap, s, f, b }] of Object.entries(coverage))
    out[path.relative(APP, file)] = { statementMap, fnMap, branchMap, s, f, b }
  return out
}

const SOURCES = [
  'app/root.tsx',
  'app/routes/home.tsx',
  'app/routes/products.tsx',
  'app/routes/product.tsx',
  'app/routes/cart.tsx',
  'app/lib/catalog.ts',
  'app/lib/cart.ts',
]

function checkRun(mode, parallel, alone) {
  assert.deepEqual(Object.keys(parallel).sort(), [...TEST_IDS, 'startup'].sort(), `${mode}: one report per test, and startup`)
  for (const id of TEST_IDS) {
    const { server, browser } = parallel[id]
    // Reports name the app's own files (not build output, not node_modules).
    for (const key of [...Object.keys(server), ...Object.keys(browser)])
      assert.ok(SOURCES.includes(path.relative(APP, key)) || key.endsWith('entry.server.tsx'), `${mode} "${id}": ${key}`)
    // Not vacuous: every test ran app code on the server and in the browser.
    assert.ok(
      Object.values(server).some((fc) => Object.values(fc.f).some((n) => n > 0)),
      `${mode} "${id}": server half counted`,
    )
    assert.ok(
      Object.values(browser).some((fc) => Object.values(fc.f).some((n) => n > 0)),
      `${mode} "${id}": browser half counted`,
    )
    assert.deepEqual(comparable(server), comparable(alone[id].server), `${mode}: the server half of "${id}" in parallel equals the test run alone`)
    // The browser half: one page's window.__coverage__, with exact counts
    // (the app sends its route manifest up front, react-router.config.ts:
    // lazy route discovery re-renders a page at a moment that varies).
    assert.deepEqual(comparable(browser), comparable(alone[id].browser), `${mode}: the browser half of "${id}" in parallel equals the test run alone`)
  }
  // Module initialisation (the warm-up) is startup's, in no test.
  assert.ok(fnHits(parallel.startup.server[path.join(APP, 'app/routes/home.tsx')], 'Home') >= 1)
  const live = parallel['cart.spec.ts › a live quote runs in the browser only']
  assert.ok(fnHits(live.browser[path.join(APP, 'app/routes/cart.tsx')], 'onChange') > 0, 'the browser half has the change handler')
  assert.equal(fnHits(live.server[path.join(APP, 'app/routes/cart.tsx')], 'onChange'), 0, 'the server never ran it')
}

for (const mode of ['dev', 'prod']) {
  test(`React Router example (${mode}): each test's report from a parallel suite equals the test run alone`, { skip, timeout: 15 * 60 * 1000 }, async (t) => {
    if (mode === 'prod') {
      const t0 = Date.now()
      require(path.join(APP, 'run.js')).build(BUILD_DIR)
      t.diagnostic(`react-router build ${Math.round((Date.now() - t0) / 1000)} s`)
      // The server bundle is left to the preload; the client bundles carry the browser form.
      const server = fs.readFileSync(path.join(APP, BUILD_DIR, 'server/index.mjs'), 'utf8')
      assert.ok(!server.includes('__coverage__') && !server.includes('__cov_'), 'the server bundle is not instrumented at build time')
      const assets = path.join(APP, BUILD_DIR, 'client/assets')
      assert.ok(
        fs
          .readdirSync(assets)
          .some((f) => f.startsWith('cart-') && f.endsWith('.js') && fs.readFileSync(path.join(assets, f), 'utf8').includes('__coverage__')),
        'the client chunk of cart.tsx counts into window.__coverage__',
      )
    }
    const t1 = Date.now()
    const parallel = await runSuite(mode, 3)
    const alone = await runSuite(mode, 1)
    t.diagnostic(`${mode}: parallel + alone ${Math.round((Date.now() - t1) / 1000)} s`)
    checkRun(mode, parallel, alone)
    if (mode === 'prod') fs.rmSync(path.join(APP, BUILD_DIR), { recursive: true, force: true })
  })
}
