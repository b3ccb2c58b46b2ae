'use strict'
// The control protocol between the test runner and the servers
// (docs/full-stack.md): where a server answers control requests, what
// authorises them, how a request names its test, and a small client. The
// server side answers in lib/server/http.js; the fixture, the global setup
// and `cov-als flush` ask through here.
//
//   GET  <controlPath>/tests   {"tests": [id...]}: startup and unflushed tests
//   POST <controlPath>/flush   {"testId", "only"?: "touched", "settle"?: true} -> {"testId", "file", "coverage"}
//                              (settle: once the test's WebSockets have closed, at most 1 s)
//   POST <controlPath>/peek    {"testId"} -> {"testId", "coverage"} (nothing reset or written)

// Defaults of the server's options of the same names (lib/config.js), and
// the environment variables both sides read.
const CONTROL_PATH = '/__cov'
const CONTROL_PATH_ENV = 'COV_ALS_CONTROL_PATH'
const TEST_ID_HEADER = 'x-cov-test-id'
const TOKEN_HEADER = 'x-cov-token'
const TOKEN_ENV = 'COV_ALS_TOKEN'
const SERVER_URLS_ENV = 'COV_ALS_SERVER_URLS'
const SERVER_URL_ENV = 'COV_ALS_SERVER_URL'
// Our member of W3C `baggage` (set by an upstream instrumented service), and
// the cookie the fixture sets for WebSocket handshakes: one name.
const TEST_ID_KEY = 'cov-als-test-id'

/** The control path clients use: COV_ALS_CONTROL_PATH, as the server reads it, else /__cov. */
function controlPathOf(env = process.env) {
  return env[CONTROL_PATH_ENV] || CONTROL_PATH
}

/** The URL of a control `route` ('tests', 'flush', 'peek') on `server`. */
function controlURL(server, route, controlPath = controlPathOf()) {
  return new URL(`${controlPath.replace(/\/$/, '')}/${route}`, server).href
}

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

/** The servers the environment names (COV_ALS_SERVER_URLS, else COV_ALS_SERVER_URL): { value, name } or null. */
function serversFromEnv(env = process.env) {
  for (const name of [SERVER_URLS_ENV, SERVER_URL_ENV]) if (env[name]) return { value: env[name], name }
  return null
}

/** Headers that authorise a control request (none without a token). */
function tokenHeaders(token) {
  return token ? { [TOKEN_HEADER]: token } : {}
}

async function send(method, url, { headers = {}, body, token } = {}) {
  const res = await fetch(url, {
    method,
    headers: { ...tokenHeaders(token), ...headers },
    body,
    redirect: 'manual',
    signal: AbortSignal.timeout(60000),
  })
  const text = await res.text()
  return { status: res.status, text }
}

const reason = (err) => (err.cause ? err.cause.code || err.cause.message : err.message)

/**
 * Flush tests from one server: `testIds`, or every test it has pending
 * (GET tests). Never rejects: resolves { server, flushed, files,
 * failed: [{ testId, error }], error } (error: the server did not answer).
 */
async function flushServer(server, { token, testIds, controlPath = controlPathOf() } = {}) {
  const result = { server, flushed: [], files: [], failed: [], error: null }
  let ids = testIds
  if (!ids) {
    try {
      const res = await send('GET', controlURL(server, 'tests', controlPath), { token })
      if (res.status !== 200) throw new Error(`GET ${controlPath.replace(/\/$/, '')}/tests answered ${res.status}`)
      ids = JSON.parse(res.text).tests
      // An app answering in place of the control handler (another control path).
      if (!Array.isArray(ids))
        throw new Error(`GET ${controlPath.replace(/\/$/, '')}/tests answered no list of tests (is the server's COV_ALS_CONTROL_PATH another?)`)
    } catch (err) {
      result.error = reason(err)
      return result
    }
  }
  for (const testId of ids) {
    try {
      const res = await send('POST', controlURL(server, 'flush', controlPath), {
        token,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ testId, only: 'touched' }),
      })
      if (res.status !== 200) throw new Error(`answered ${res.status}`)
      result.flushed.push(testId)
      const { file } = JSON.parse(res.text)
      if (file && !result.files.includes(file)) result.files.push(file)
    } catch (err) {
      result.failed.push({ testId, error: reason(err) })
    }
  }
  return result
}

module.exports = {
  CONTROL_PATH,
  CONTROL_PATH_ENV,
  TEST_ID_HEADER,
  TOKEN_HEADER,
  TOKEN_ENV,
  SERVER_URLS_ENV,
  SERVER_URL_ENV,
  TEST_ID_KEY,
  controlPathOf,
  controlURL,
  serverURL,
  parseServerURLs,
  serversFromEnv,
  tokenHeaders,
  flushServer,
}
