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
// files first), and covWarmUp: { run: async ({ request, baseURL }) => {...}, routes: ['/', ...],
// actions: [{ page: '/cart', exportedName: 'getQuote', args: [...], manifest:
// '.next/server/server-reference-manifest.json' }], timeout: 60000 }. The warm-up sends what the tests'
// requests send (use.storageState, extraHTTPHeaders, httpCredentials), so it gets past a login.

const fs = require('node:fs')
const path = require('node:path')

/**
 * A server URL as Playwright takes it: `localhost:9001` (no scheme, which
 * Playwright's navigation accepts) means http://localhost:9001. Throws for
 * anything that is still no URL, naming `option`.
 */
function serverURL(value, option = 'the server URL') {
  const text = String(value).trim()
  const withScheme = /^[a-z][a-z\d+.-]*:\/\//i.test(text) ? text : `http://${text}`
  let url
  try {
    url = new URL(withScheme)
    if (!url.host) throw new Error('no host')
  } catch {
    throw new Error(`cov-als-native: ${option} ${JSON.stringify(text)} is not a URL (e.g. http://127.0.0.1:3000)`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`cov-als-native: ${option} ${JSON.stringify(text)} is not an http(s) URL`)
  return withScheme
}

/** Server URLs from an option: a URL, a list, or a comma-separated string; deduplicated. */
function parseServerURLs(value, option) {
  const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : value ? [value] : []
  const urls = list.map((u) => String(u).trim()).filter(Boolean)
  return [...new Set(urls.map((u) => serverURL(u, option)))]
}

// What the fixture and the warm-up read from a project's `use`: a misspelt
// `cov*` key would otherwise be ignored without a word.
const FIXTURE_OPTIONS = [
  'covServerURL',
  'covHeader',
  'covToken',
  'covIncludeProject',
  'covAttach',
  'covBrowser',
  'covV8',
  'covOutDir',
  'covRoot',
  'covStrict',
  'covCookie',
  'covWarmUp',
]
const WARM_UP_OPTIONS = ['run', 'routes', 'actions', 'timeout']
// A cold dev server compiles a route on its first request: give it time.
const WARM_UP_TIMEOUT = 60000

/** Throws for a `cov*` key of a project's `use` that no fixture option has, or an unknown covWarmUp key. */
function checkUseOptions(config) {
  const uses = [config.use, ...(config.projects || []).map((p) => p.use)].filter(Boolean)
  for (const use of uses) {
    for (const key of Object.keys(use)) {
      if (/^cov[A-Z_]/.test(key) && !FIXTURE_OPTIONS.includes(key)) {
        throw new Error(`cov-als-native: unknown option use.${key} (the options are ${FIXTURE_OPTIONS.join(', ')})`)
      }
    }
    const warm = use.covWarmUp
    if (warm === undefined) continue
    if (!warm || typeof warm !== 'object' || Array.isArray(warm))
      throw new Error(`cov-als-native: use.covWarmUp must be an object with ${WARM_UP_OPTIONS.join(', ')}`)
    for (const key of Object.keys(warm)) {
      if (!WARM_UP_OPTIONS.includes(key)) throw new Error(`cov-als-native: unknown option use.covWarmUp.${key} (the options are ${WARM_UP_OPTIONS.join(', ')})`)
    }
    if (warm.run !== undefined && typeof warm.run !== 'function')
      throw new Error('cov-als-native: use.covWarmUp.run must be a function ({ request, baseURL }) => ...')
    if (warm.timeout !== undefined && !(Number.isFinite(warm.timeout) && warm.timeout > 0))
      throw new Error(`cov-als-native: use.covWarmUp.timeout must be a number of milliseconds above 0 (got ${JSON.stringify(warm.timeout)})`)
  }
}

/**
 * The URL Playwright itself makes `baseURL` from a webServer: its `url`, else
 * http://localhost:<port> (`webServer: { port }` with no baseURL is common).
 * A list of webServers: the first with either.
 */
function webServerURL(webServer) {
  const first = Array.isArray(webServer) ? webServer.find((w) => w && (w.url || w.port)) : webServer
  if (!first) return undefined
  return first.url || (first.port ? `http://localhost:${first.port}` : undefined)
}

function optionsOf(config) {
  const use = { ...(config.projects && config.projects[0] ? config.projects[0].use : {}) }
  const fromEnv = process.env.COV_ALS_SERVER_URLS ? 'COV_ALS_SERVER_URLS' : process.env.COV_ALS_SERVER_URL ? 'COV_ALS_SERVER_URL' : 'use.covServerURL'
  let servers = parseServerURLs(process.env.COV_ALS_SERVER_URLS || process.env.COV_ALS_SERVER_URL || use.covServerURL, fromEnv)
  if (servers.length === 0) servers = parseServerURLs(use.baseURL || webServerURL(config.webServer), use.baseURL ? 'use.baseURL' : 'webServer.url')
  const token = use.covToken || process.env.COV_ALS_TOKEN || ''
  const configDir = config.configFile ? path.dirname(config.configFile) : config.rootDir || process.cwd()
  const outDir = use.covOutDir ? path.resolve(configDir, use.covOutDir) : null
  // `server`: the first, where the warm-up goes (absolute warm-up URLs reach the others).
  // What the tests' own requests send, for the warm-up to get where they get (past a login).
  const requestOptions = {}
  for (const key of ['storageState', 'extraHTTPHeaders', 'httpCredentials', 'ignoreHTTPSErrors', 'userAgent']) {
    if (use[key] !== undefined) requestOptions[key] = use[key]
  }
  return { server: servers[0], servers, token, warmUp: use.covWarmUp || {}, requestOptions, configDir, outDir }
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

/**
 * Request each route and server action once without a test id: their module
 * initialisation counts as startup. Through Playwright's request context with
 * the tests' storageState, extraHTTPHeaders and httpCredentials; covWarmUp.run
 * (e.g. a login: its cookies go with the routes) runs first with that context.
 * A request that fails or times out (covWarmUp.timeout, default 60 s, also the
 * context's default for run's requests) is a warning, not a failed run: what
 * it would have loaded then counts in the first test that loads it.
 */
async function warmUp({ server, warmUp, configDir, requestOptions = {} }, log = console.log, warn = (m) => console.warn(m)) {
  if (!server) throw new Error('cov-als-native global-setup: no server URL (set use.baseURL or use.covServerURL)')
  const routes = warmUp.routes || []
  const actions = warmUp.actions || []
  if (!warmUp.run && routes.length === 0 && actions.length === 0) return
  const timeout = warmUp.timeout || WARM_UP_TIMEOUT
  const { request } = require('@playwright/test')
  const api = await request.newContext({ ...requestOptions, baseURL: server, timeout })
  const failed = [] // "GET /x (why)", in order
  const firstLine = (err) => String((err && err.message) || err).split('\n')[0]
  let answered = 0 // requests of routes and actions that got an answer
  let warmedRoutes = 0
  let warmedActions = 0
  let ranRun = false
  try {
    if (warmUp.run) {
      try {
        await warmUp.run({ request: api, baseURL: server })
        ranRun = true
      } catch (err) {
        failed.push(`covWarmUp.run (${firstLine(err)})`)
      }
    }
    const redirected = []
    for (const route of routes) {
      let res
      try {
        res = await api.get(new URL(route, server).href, { maxRedirects: 0, timeout })
      } catch (err) {
        failed.push(`GET ${route} (${firstLine(err)})`)
        continue
      }
      answered++
      if (res.status() >= 500) failed.push(`GET ${route} (answered ${res.status()})`)
      else warmedRoutes++
      if (res.status() >= 300 && res.status() < 400) redirected.push(`${route} -> ${res.headers().location || res.status()}`)
    }
    // Behind a login, every route leads to the login page: their modules then load in the first test.
    if (redirected.length) {
      warn(
        `cov-als-native warm-up: ${redirected.length} of ${routes.length} routes redirected (${redirected.slice(0, 3).join(', ')}${redirected.length > 3 ? ', ...' : ''}); ` +
          'if that is a login, give the warm-up a session: use.storageState, use.extraHTTPHeaders, or covWarmUp.run to log in',
      )
    }
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
      const name = `server action ${action.exportedName || id}`
      let res
      try {
        res = await api.post(new URL(action.page || '/', server).href, {
          headers: { 'next-action': id, accept: 'text/x-component', 'content-type': 'text/plain;charset=UTF-8' },
          data: JSON.stringify(action.args || []),
          maxRedirects: 0,
          timeout,
        })
      } catch (err) {
        failed.push(`${name} (${firstLine(err)})`)
        continue
      }
      answered++
      if (res.status() !== 200) failed.push(`${name} (answered ${res.status()})`)
      else warmedActions++
    }
  } finally {
    await api.dispose()
  }
  const requests = routes.length + actions.length
  if (requests > 0 && answered === 0) {
    warn(
      `cov-als-native warm-up: WARNING: no warm-up request reached ${server} (${failed.slice(0, 3).join('; ')}${failed.length > 3 ? '; ...' : ''}). ` +
        'Is the server up at that URL (use.baseURL / use.covServerURL)? The tests run; module initialisation will count in the tests that load the modules first',
    )
  } else if (failed.length) {
    warn(
      `cov-als-native warm-up: ${failed.length} warm-up step(s) failed: ${failed.slice(0, 5).join('; ')}${failed.length > 5 ? '; ...' : ''}. ` +
        `The tests run; what those steps would have loaded counts in the first test that loads it. ` +
        `A slow server (a cold dev server compiling) may need a longer use.covWarmUp.timeout (now ${timeout} ms)`,
    )
  }
  log(
    `cov-als-native: warmed up ${ranRun ? 'covWarmUp.run, ' : ''}${warmedRoutes} routes and ${warmedActions} server actions without a test id (counted as "startup")`,
  )
}

/**
 * Flush tests from one server: `testIds`, or every test it has pending
 * (GET /__cov/tests). Never rejects: resolves { server, flushed, files,
 * failed: [{ testId, error }], error } (error: the server did not answer).
 */
async function flushServer(server, { token, testIds } = {}) {
  const result = { server, flushed: [], files: [], failed: [], error: null }
  let ids = testIds
  if (!ids) {
    try {
      const res = await send('GET', new URL('/__cov/tests', server).href, { token })
      if (res.status !== 200) throw new Error(`GET /__cov/tests answered ${res.status}`)
      ids = JSON.parse(res.text).tests
    } catch (err) {
      result.error = err.cause ? err.cause.code || err.cause.message : err.message
      return result
    }
  }
  for (const testId of ids) {
    try {
      const res = await send('POST', new URL('/__cov/flush', server).href, {
        token,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ testId, only: 'touched' }),
      })
      if (res.status !== 200) throw new Error(`answered ${res.status}`)
      result.flushed.push(testId)
      const { file } = JSON.parse(res.text)
      if (file && !result.files.includes(file)) result.files.push(file)
    } catch (err) {
      result.failed.push({ testId, error: err.cause ? err.cause.code || err.cause.message : err.message })
    }
  }
  return result
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
  if (options.outDir) require('./live').recoverBeforeReport(options.outDir, { log: (m) => console.log(`cov-als-native: ${m}`) })
  if (flushed.length)
    console.log(
      `cov-als-native: flushed ${flushed.length} pending test(s) from the server(s) before they stop (${flushed.slice(0, 3).join(', ')}${flushed.length > 3 ? ', ...' : ''})`,
    )
}

module.exports = {
  globalSetup,
  globalTeardown,
  warmUp,
  flushPending,
  flushServer,
  optionsOf,
  checkUseOptions,
  cleanOutDir,
  parseServerURLs,
  serverURL,
  FIXTURE_OPTIONS,
}
