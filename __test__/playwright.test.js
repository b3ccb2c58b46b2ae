'use strict'
// The Playwright fixture end to end: one server with the preload, a
// Playwright suite with 3 workers and two projects (desktop, mobile) in
// Debian's headless Chromium. Each test's report must hold exactly the
// server code that test caused, both projects merged into one file.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const { startServer, REPO } = require('./support/server')
const { fnHits, lineHits, entryFor } = require('./support/coverage')
const { listTests, readTestCoverage } = require('../lib/store')

const APP = path.join(REPO, 'examples/shop')
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'

test(
  'Playwright fixture: per-test reports from parallel workers and two projects',
  { skip: !fs.existsSync(CHROMIUM) && `no Chromium at ${CHROMIUM} (apt-get install chromium)` },
  async () => {
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-pw-'))
    const server = await startServer('server.js', { root: APP, env: { COV_ALS: '1', COV_ALS_OUT_DIR: outDir } })
    const jsonReport = path.join(outDir, '..', `${path.basename(outDir)}-pw.json`)
    try {
      const run = spawnSync(process.execPath, [path.join(REPO, 'node_modules/@playwright/test/cli.js'), 'test', '-c', path.join(APP, 'playwright.config.js')], {
        cwd: APP,
        env: { ...process.env, SERVER_URL: `http://127.0.0.1:${server.port}`, PW_JSON_REPORT: jsonReport, NODE_OPTIONS: '' },
        encoding: 'utf8',
        timeout: 240000,
      })
      const report = fs.existsSync(jsonReport) ? JSON.parse(fs.readFileSync(jsonReport, 'utf8')) : null
      assert.equal(run.status, 0, `playwright failed:\n${run.stdout}\n${run.stderr}`)
      assert.equal(report.stats.expected, 12, '6 tests x 2 projects passed')
      // Each result carries its coverage as an attachment.
      const attachments = report.suites.flatMap(function collect(s) {
        return [...(s.specs || []).flatMap((sp) => sp.tests.flatMap((t) => t.results.flatMap((r) => r.attachments))), ...(s.suites || []).flatMap(collect)]
      })
      assert.equal(attachments.filter((a) => a.name === 'cov-als-coverage.json').length, 12)
    } finally {
      await server.stop()
      fs.rmSync(jsonReport, { force: true })
    }

    const byId = {}
    for (const testId of listTests(outDir)) {
      const coverage = readTestCoverage(outDir, testId, { part: 'server' })
      if (coverage && Object.keys(coverage).length) byId[testId] = entryFor(coverage, 'catalog.js')
    }
    const id = (title) => `shop.spec.js › ${title}`
    const tests = [
      'home lists featured products',
      'premium product page',
      'missing product page',
      'search from the browser',
      'checkout with a bad email',
      'api › search through the request fixture',
    ]
    for (const t of tests) assert.ok(byId[id(t)], `a report for "${t}"; have ${Object.keys(byId).join(' | ')}`)
    // One file per test: the two projects merged (every count is for 2 runs).
    assert.equal(Object.keys(byId).filter((k) => k !== 'startup').length, tests.length)

    const calls = (t, fn) => fnHits(byId[id(t)], fn)
    assert.equal(calls('home lists featured products', 'renderHome'), 2)
    assert.equal(calls('home lists featured products', 'renderProduct'), 0)
    assert.equal(calls('premium product page', 'renderProduct'), 2)
    assert.equal(calls('premium product page', 'notFound'), 0)
    assert.equal(calls('missing product page', 'notFound'), 2)
    assert.equal(calls('missing product page', 'renderHome'), 0)
    // The browser's own fetch carried the test id too.
    assert.equal(calls('search from the browser', 'search'), 2)
    assert.equal(calls('api › search through the request fixture', 'search'), 2)
    assert.equal(calls('api › search through the request fixture', 'renderHome'), 0)
    // The form post: the invalid-email branch only.
    const checkout = byId[id('checkout with a bad email')]
    assert.equal(fnHits(checkout, 'checkout'), 2)
    assert.equal(lineHits(checkout, 32), 2, 'invalid email branch')
    assert.equal(lineHits(checkout, 34), 0, 'success branch')
    fs.rmSync(outDir, { recursive: true, force: true })
  },
)
