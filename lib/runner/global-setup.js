'use strict'
// What a stock playwright.config needs around the fixture, for the whole run:
//   - globalSetup (`cov-als-native/global-setup`): warm the server up without
//     a test id (listed routes, optionally server actions), so module
//     initialisation goes to `startup`; it returns the teardown below.
//   - teardown (`cov-als-native/global-teardown`, or the function globalSetup
//     returns): flush `startup` and every test still pending on the server.
//     Playwright runs it BEFORE it stops the webServer (with SIGKILL by
//     default); the reporter's onEnd comes only after, when the server is gone.
// Options come from the config's `use` (of the first project): covServerURL
// (a URL or a list; COV_ALS_SERVER_URLS / COV_ALS_SERVER_URL win; else
// baseURL, else the webServer's url or port, as Playwright's own baseURL), covToken, covOutDir (emptied of an earlier run's per-test
// files first), and covWarmUp: { run: async ({ request, baseURL }) => {...}, routes: ['/', ...], pages: ['/pad'],
// actions: [{ page: '/cart', exportedName: 'getQuote', args: [...], manifest:
// '.next/server/server-reference-manifest.json' }], timeout: 60000 }. The warm-up sends what the tests'
// requests send (use.storageState, extraHTTPHeaders, httpCredentials), so it gets past a login.

const fs = require('node:fs')
const path = require('node:path')
const { flushServer } = require('../control')
const { checkUseOptions, optionsOf } = require('./options')
const { warmUp } = require('./warm-up')

/**
 * Remove the run store and the per-test files of an earlier run from outDir
 * (only files that are ours: `*.json` holding a testId and a coverage map), so this run's
 * reports hold this run alone. Before the warm-up: the server has written
 * nothing yet.
 */
function cleanOutDir(outDir) {
  // The run store: the server opens it at its first flush, which comes after this.
  const store = require('../store')
  let removed = 0
  // Arenas an earlier run's killed server left go with that run's store
  // (recovered into it, then both deleted); this run's live server keeps its own.
  try {
    if (
      require('../arenas')
        .recover(outDir)
        .some((r) => !r.skipped)
    )
      removed++
  } catch (err) {
    console.warn(`cov-als-native: could not recover the live arenas of an earlier run in ${outDir}: ${err.message}`)
  }
  if (store.hasStore(outDir)) {
    store.removeStore(outDir)
    removed++
  }
  let names
  try {
    names = fs.readdirSync(outDir)
  } catch {
    return removed
  }
  for (const name of names) {
    if (!name.endsWith('.json')) continue
    const file = path.join(outDir, name)
    try {
      const doc = JSON.parse(fs.readFileSync(file, 'utf8'))
      if (!doc || typeof doc.testId !== 'string' || typeof doc.coverage !== 'object') continue
    } catch {
      continue
    }
    fs.rmSync(file, { force: true })
    removed++
  }
  return removed
}

/**
 * Flush every test still pending on each server (startup, late hits after a
 * test's flush, a test whose own flush failed): each server writes them to
 * its output directory. Resolves the ids flushed (one entry per server and
 * test); a server already gone is a warning naming it.
 */
async function flushPending({ server, servers = server ? [server] : [], token }, warn = (m) => console.warn(m)) {
  if (servers.length === 0) {
    warn('cov-als-native: no server URL to flush pending coverage from (set use.baseURL or use.covServerURL)')
    return []
  }
  const results = await Promise.all(servers.map((s) => flushServer(s, { token })))
  for (const r of results) {
    if (r.error) warn(`cov-als-native: could not flush pending coverage from ${r.server} (${r.error}); the server may already be gone`)
    for (const f of r.failed) warn(`cov-als-native: flush of pending "${f.testId}" from ${r.server} failed: ${f.error}`)
  }
  return results.flatMap((r) => r.flushed)
}

async function globalSetup(config) {
  checkUseOptions(config)
  const options = optionsOf(config)
  if (options.outDir) cleanOutDir(options.outDir)
  await warmUp(options)
  return () => globalTeardown(config)
}

async function globalTeardown(config) {
  const options = optionsOf(config)
  const flushed = await flushPending(options)
  // Server processes that died during the run (a crash, a restart) left their counts in live/.
  if (options.outDir) require('../arenas').recoverBeforeReport(options.outDir, { log: (m) => console.log(`cov-als-native: ${m}`) })
  if (flushed.length)
    console.log(
      `cov-als-native: flushed ${flushed.length} pending test(s) from the server(s) before they stop (${flushed.slice(0, 3).join(', ')}${flushed.length > 3 ? ', ...' : ''})`,
    )
}

module.exports = { globalSetup, globalTeardown, flushPending, cleanOutDir }
