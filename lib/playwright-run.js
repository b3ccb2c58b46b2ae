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
// (or baseURL), covToken, covOutDir (emptied of an earlier run's per-test
// files first), and covWarmUp: { routes: ['/', ...], actions:
// [{ page: '/cart', exportedName: 'getQuote', args: [...], manifest:
// '.next/server/server-reference-manifest.json' }] }.

const fs = require('node:fs')
const path = require('node:path')

function optionsOf(config) {
  const use = { ...(config.projects && config.projects[0] ? config.projects[0].use : {}) }
  const server = process.env.COV_ALS_SERVER_URL || use.covServerURL || use.baseURL || (config.webServer && config.webServer.url)
  const token = use.covToken || process.env.COV_ALS_TOKEN || ''
  const configDir = config.configFile ? path.dirname(config.configFile) : config.rootDir || process.cwd()
  const outDir = use.covOutDir ? path.resolve(configDir, use.covOutDir) : null
  return { server, token, warmUp: use.covWarmUp || {}, configDir, outDir }
}

/**
 * Remove the run store and the per-test files of an earlier run from outDir
 * (only files that are ours: `*.json` holding a testId and a coverage map), so this run's
 * reports hold this run alone. Before the warm-up: the server has written
 * nothing yet.
 */
function cleanOutDir(outDir) {
  // The run store: the server opens it at its first flush, which comes after this.
  const store = require('./store')
  let removed = 0
  // Arenas an earlier run's killed server left go with that run's store
  // (recovered into it, then both deleted); this run's live server keeps its own.
  try {
    if (
      require('./live')
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

async function send(method, url, { headers = {}, body, token } = {}) {
  const res = await fetch(url, {
    method,
    headers: { ...(token ? { 'x-cov-token': token } : {}), ...headers },
    body,
    redirect: 'manual',
    signal: AbortSignal.timeout(60000),
  })
  const text = await res.text()
  return { status: res.status, text }
}

/** Request each route and server action once without a test id: their module initialisation counts as startup. */
async function warmUp({ server, warmUp, configDir }, log = console.log) {
  if (!server) throw new Error('cov-als-native global-setup: no server URL (set use.baseURL or use.covServerURL)')
  const routes = warmUp.routes || []
  for (const route of routes) {
    const res = await send('GET', new URL(route, server).href)
    if (res.status >= 500) throw new Error(`cov-als-native warm-up: GET ${route} answered ${res.status}`)
  }
  const actions = warmUp.actions || []
  for (const action of actions) {
    // A Next server action is a POST to its page with its id in `Next-Action`
    // and its arguments as JSON (what React's encodeReply sends for plain values).
    let id = action.id
    if (!id) {
      const manifestFile = path.resolve(configDir, action.manifest || '.next/server/server-reference-manifest.json')
      const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'))
      id = Object.keys(manifest.node || {}).find((k) => manifest.node[k].exportedName === action.exportedName)
      if (!id) throw new Error(`cov-als-native warm-up: no server action ${action.exportedName} in ${manifestFile}`)
    }
    const res = await send('POST', new URL(action.page || '/', server).href, {
      headers: { 'next-action': id, accept: 'text/x-component', 'content-type': 'text/plain;charset=UTF-8' },
      body: JSON.stringify(action.args || []),
    })
    if (res.status !== 200) throw new Error(`cov-als-native warm-up: server action ${action.exportedName || id} answered ${res.status}`)
  }
  if (routes.length || actions.length)
    log(`cov-als-native: warmed up ${routes.length} routes and ${actions.length} server actions without a test id (counted as "startup")`)
}

/**
 * Flush every test still pending on the server (startup, late hits after a
 * test's flush, a test whose own flush failed): the server writes them to its
 * output directory. Resolves the ids flushed; a server already gone is a warning.
 */
async function flushPending({ server, token }, warn = (m) => console.warn(m)) {
  if (!server) {
    warn('cov-als-native: no server URL to flush pending coverage from (set use.baseURL or use.covServerURL)')
    return []
  }
  let ids
  try {
    const res = await send('GET', new URL('/__cov/tests', server).href, { token })
    if (res.status !== 200) throw new Error(`GET /__cov/tests answered ${res.status}`)
    ids = JSON.parse(res.text).tests
  } catch (err) {
    warn(
      `cov-als-native: could not flush pending coverage from ${server} (${err.cause ? err.cause.code || err.cause.message : err.message}); the server may already be gone`,
    )
    return []
  }
  const flushed = []
  for (const testId of ids) {
    try {
      const res = await send('POST', new URL('/__cov/flush', server).href, {
        token,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ testId }),
      })
      if (res.status !== 200) throw new Error(`answered ${res.status}`)
      flushed.push(testId)
    } catch (err) {
      warn(`cov-als-native: flush of pending "${testId}" failed: ${err.message}`)
    }
  }
  return flushed
}

async function globalSetup(config) {
  const options = optionsOf(config)
  if (options.outDir) cleanOutDir(options.outDir)
  await warmUp(options)
  return () => globalTeardown(config)
}

async function globalTeardown(config) {
  const options = optionsOf(config)
  const flushed = await flushPending(options)
  // Server processes that died during the run (a crash, a restart) left their counts in live/.
  if (options.outDir) require('./live').recoverBeforeReport(options.outDir, { log: (m) => console.log(`cov-als-native: ${m}`) })
  if (flushed.length)
    console.log(
      `cov-als-native: flushed ${flushed.length} pending test(s) from the server before it stops (${flushed.slice(0, 3).join(', ')}${flushed.length > 3 ? ', ...' : ''})`,
    )
}

module.exports = { globalSetup, globalTeardown, warmUp, flushPending, optionsOf, cleanOutDir }
