'use strict'
// examples/live-stock end to end (issue 23): one server with the preload, its
// Playwright suite on 3 workers in headless Chromium, the page's live stock
// over a raw WebSocket and its wave over socket.io (polling, then upgraded to
// a WebSocket). Each test's report holds exactly the handlers its own
// connections ran; startup holds none of them.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const { startServer, REPO } = require('./support/server')
const { fnHits, entryFor } = require('./support/coverage')
const { listTests, readTestCoverage } = require('../lib/store')

const APP = path.join(REPO, 'examples/live-stock')
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
const HANDLERS = ['openStock', 'reserve', 'label', 'soldOut', 'wave']

// Runs the example's suite against a fresh preloaded server; resolves the
// handlers' function counts of every test (and startup) it wrote.
async function runSuite(env) {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-live-stock-'))
  const server = await startServer('server.js', { root: APP, env: { COV_ALS: '1', COV_ALS_OUT_DIR: outDir } })
  const jsonReport = `${outDir}-pw.json`
  try {
    const run = spawnSync(process.execPath, [path.join(REPO, 'node_modules/@playwright/test/cli.js'), 'test', '-c', path.join(APP, 'playwright.config.js')], {
      cwd: APP,
      env: { ...process.env, SERVER_URL: `http://127.0.0.1:${server.port}`, PW_JSON_REPORT: jsonReport, NODE_OPTIONS: '', ...env },
      encoding: 'utf8',
      timeout: 180000,
    })
    assert.equal(run.status, 0, `playwright failed:\n${run.stdout}\n${run.stderr}`)
    assert.equal(JSON.parse(fs.readFileSync(jsonReport, 'utf8')).stats.expected, 3)
  } finally {
    await server.stop()
    fs.rmSync(jsonReport, { force: true })
  }
  try {
    const calls = {}
    for (const testId of listTests(outDir)) {
      const stock = entryFor(readTestCoverage(outDir, testId, { part: 'server' }) || {}, 'stock.js')
      if (stock) calls[testId] = Object.fromEntries(HANDLERS.map((h) => [h, fnHits(stock, h)]))
    }
    return calls
  } finally {
    fs.rmSync(outDir, { recursive: true, force: true })
  }
}

function assertEachTestCountsItsOwn(calls) {
  const id = (title) => `live.spec.js › ${title}`
  assert.deepEqual(calls[id('shoes: reserve three over the live WebSocket')], { openStock: 1, reserve: 3, label: 4, soldOut: 0, wave: 0 })
  assert.deepEqual(calls[id('scarf: reserve the last one, then it is sold out')], { openStock: 1, reserve: 2, label: 2, soldOut: 1, wave: 0 })
  assert.deepEqual(calls[id('hat: wave over socket.io once it is upgraded to a WebSocket')], { openStock: 1, reserve: 0, label: 1, soldOut: 0, wave: 1 })
  // The global teardown flushed startup: module initialisation only.
  assert.deepEqual(calls.startup, { openStock: 0, reserve: 0, label: 0, soldOut: 0, wave: 0 })
}

const skip = !fs.existsSync(CHROMIUM) && `no Chromium at ${CHROMIUM} (apt-get install chromium)`

test('live-stock example: each Playwright test counts its own WebSocket and socket.io traffic (the header, as Chromium sends it)', { skip }, async () => {
  assertEachTestCountsItsOwn(await runSuite({}))
})

test('live-stock example: the same with the cov-als-test-id cookie alone naming the test (covCookie, for other browsers)', { skip }, async () => {
  assertEachTestCountsItsOwn(await runSuite({ LIVE_STOCK_COOKIE_ONLY: '1' }))
})
