'use strict'
// examples/downstream end to end: Playwright (a stock config, two webServer
// entries) starts a frontend and an API cluster, both with the preload; the
// frontend calls the API with http.request and fetch inside each test, so the
// test id travels downstream. Each test's report (frontend + API, all
// workers) from a parallel run (one run store for both servers) must equal
// the serial oracle: the same suite on one Playwright worker against fresh
// servers, each server writing its own run store (merged here by test id).

const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawn } = require('node:child_process')
const { REPO, freePort } = require('./support/server')
const { fnHits, entryFor } = require('./support/coverage')
const { listTests, readTestCoverage } = require('../lib/store')

const APP = path.join(REPO, 'examples/downstream')
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
const id = (file, title) => `${file} › ${title}`

// One `playwright test` of the example; resolves { out, status, output, report }.
async function runSuite(workers, { separateStores = false } = {}) {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), `cov-als-downstream-${workers}-`))
  const env = {
    ...process.env,
    NODE_OPTIONS: '',
    COV_OUT: out,
    PW_WORKERS: String(workers),
    PW_JSON_REPORT: path.join(out, 'playwright.json'),
    PW_OUTPUT_DIR: path.join(out, 'pw-results'),
    FRONTEND_PORT: String(await freePort()),
    API_PORT: String(await freePort()),
    DEAD_URL: `http://127.0.0.1:${await freePort()}`,
    SEPARATE_STORES: separateStores ? '1' : '0',
  }
  const child = spawn(process.execPath, [path.join(REPO, 'node_modules/@playwright/test/cli.js'), 'test', '-c', path.join(APP, 'playwright.config.js')], {
    cwd: APP,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (d) => (output += d))
  child.stderr.on('data', (d) => (output += d))
  const timer = setTimeout(() => child.kill('SIGKILL'), 150000)
  const status = await new Promise((resolve) => child.on('close', (code) => resolve(code)))
  clearTimeout(timer)
  const reportFile = path.join(out, 'playwright.json')
  const report = fs.existsSync(reportFile) ? JSON.parse(fs.readFileSync(reportFile, 'utf8')) : null
  const dirs = [path.join(out, 'tests'), ...(separateStores ? [path.join(out, 'api-tests')] : [])]
  return { out, dirs, status, output, report, deadURL: env.DEAD_URL }
}

// A test's map over the run's stores (the servers' files are disjoint).
function coverageOf(run, testId) {
  const merged = {}
  for (const dir of run.dirs) {
    for (const [file, fc] of Object.entries(readTestCoverage(dir, testId) || {})) {
      assert.ok(!(file in merged), `${file} in one store only`)
      merged[file] = fc
    }
  }
  return merged
}

function testsOf(run) {
  return [...new Set(run.dirs.flatMap((d) => listTests(d)))].sort()
}

test(
  'frontend -> API cluster: each test merged over both servers equals the serial oracle',
  { skip: !fs.existsSync(CHROMIUM) && `no Chromium at ${CHROMIUM}`, timeout: 5 * 60 * 1000 },
  async () => {
    // One after the other: both runs use Chromium and two servers each.
    const parallel = await runSuite(4)
    const serial = await runSuite(1, { separateStores: true })
    try {
      for (const run of [parallel, serial]) {
        assert.equal(run.status, 0, `playwright failed:\n${run.output}`)
        assert.equal(run.report.stats.expected, 9, '7 downstream tests + 2 instances tests (covStrict: an expected failure)')
        assert.equal(run.report.stats.unexpected, 0)
      }

      const tests = testsOf(parallel)
      assert.deepEqual(tests, testsOf(serial))
      // The reporter merged both stores of the serial run (the fixture named the API's directory).
      assert.match(serial.output, /per-test coverage \([^)]*tests, [^)]*api-tests\)/)
      const titles = [
        'home lists the products',
        'a product page',
        'a missing product',
        'a bulk quote from the browser',
        'a retail quote through the request fixture',
        'compare calls the API once per product, over the cluster',
        'the API directly through the request fixture',
      ]
      for (const t of titles) assert.ok(tests.includes(id('downstream.spec.js', t)), `a report for "${t}"`)

      // The oracle: every test's report (both servers' files) equals the serial run's.
      for (const testId of tests.filter((t) => t !== 'startup')) {
        assert.deepEqual(coverageOf(parallel, testId), coverageOf(serial, testId), `${testId}: parallel equals serial`)
      }

      const cov = (title, file = 'downstream.spec.js') => coverageOf(parallel, id(file, title))
      const calls = (map, rel, fn) => {
        const fc = entryFor(map, rel)
        return fc ? fnHits(fc, fn) : 0
      }
      // Frontend and API work in one report, per test.
      const home = cov('home lists the products')
      assert.equal(calls(home, 'frontend/lib/pages.js', 'home'), 1)
      assert.equal(calls(home, 'frontend/lib/api.js', 'getWithHttp'), 1)
      assert.equal(calls(home, 'api/lib/catalog.js', 'list'), 1)
      assert.equal(calls(home, 'api/lib/catalog.js', 'find'), 0)
      const missing = cov('a missing product')
      assert.equal(calls(missing, 'frontend/lib/pages.js', 'notFound'), 1)
      assert.equal(calls(missing, 'frontend/lib/api.js', 'getWithFetch'), 1)
      assert.equal(calls(missing, 'api/lib/catalog.js', 'find'), 1)
      // The browser's fetch -> frontend -> fetch -> API.
      const bulk = cov('a bulk quote from the browser')
      assert.equal(calls(bulk, 'api/lib/pricing.js', 'bulk'), 1)
      assert.equal(calls(bulk, 'api/lib/pricing.js', 'quote'), 1)
      const retail = cov('a retail quote through the request fixture')
      assert.equal(calls(retail, 'api/lib/pricing.js', 'quote'), 1)
      assert.equal(calls(retail, 'api/lib/pricing.js', 'bulk'), 0)
      // Six API calls on fresh connections, spread over the cluster's workers: all six counted.
      const compare = cov('compare calls the API once per product, over the cluster')
      assert.equal(calls(compare, 'api/lib/catalog.js', 'find'), 6)
      assert.equal(calls(compare, 'frontend/lib/api.js', 'getWithHttp'), 6)
      const direct = cov('the API directly through the request fixture')
      assert.equal(calls(direct, 'api/lib/catalog.js', 'find'), 1)
      assert.equal(calls(direct, 'frontend/lib/pages.js', 'product'), 0)
      // Nothing a test caused went to the API's startup bucket.
      const startup = coverageOf(serial, 'startup')
      for (const fn of ['list', 'find']) assert.equal(calls(startup, 'api/lib/catalog.js', fn), 0, `startup: catalog ${fn}`)

      // A listed server that does not answer: named in a warning; with covStrict a failure;
      // the two servers that answered are in the report all the same.
      const results = parallel.report.suites.flatMap(function all(s) {
        return [...(s.specs || []).flatMap((sp) => sp.tests.map((t) => ({ title: sp.title, t }))), ...(s.suites || []).flatMap(all)]
      })
      const warned = results.find((r) => r.title === 'is a warning naming it').t
      assert.equal(warned.status, 'expected')
      assert.ok(
        warned.annotations.some((a) => a.type === 'cov-als-warning' && a.description.includes(`from ${parallel.deadURL} failed`)),
        JSON.stringify(warned.annotations),
      )
      const strict = results.find((r) => r.title === 'is a failure').t
      assert.match(strict.results[0].errors[0].message, new RegExp(`covStrict.*${parallel.deadURL.replace(/[.:/]/g, '\\$&')}`))
      const hat = cov('a listed server that does not answer › is a warning naming it', 'instances.spec.js')
      assert.equal(calls(hat, 'frontend/lib/pages.js', 'product'), 1)
      assert.equal(calls(hat, 'api/lib/catalog.js', 'find'), 1)
    } finally {
      for (const run of [parallel, serial]) fs.rmSync(run.out, { recursive: true, force: true })
    }
  },
)
