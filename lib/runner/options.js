'use strict'
// The fixture's options as the whole run reads them from playwright.config
// (the global setup, its teardown, the reporter): checked for misspellings,
// and resolved to the servers, token, output directory and warm-up.

const path = require('node:path')
const { parseServerURLs, serversFromEnv, TOKEN_ENV } = require('../control')

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
const WARM_UP_OPTIONS = ['run', 'routes', 'actions', 'pages', 'timeout']

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
  const fromEnv = serversFromEnv()
  let servers = fromEnv ? parseServerURLs(fromEnv.value, fromEnv.name) : parseServerURLs(use.covServerURL, 'use.covServerURL')
  if (servers.length === 0) servers = parseServerURLs(use.baseURL || webServerURL(config.webServer), use.baseURL ? 'use.baseURL' : 'webServer.url')
  const token = use.covToken || process.env[TOKEN_ENV] || ''
  const configDir = config.configFile ? path.dirname(config.configFile) : config.rootDir || process.cwd()
  const outDir = use.covOutDir ? path.resolve(configDir, use.covOutDir) : null
  // `server`: the first, where the warm-up goes (absolute warm-up URLs reach the others).
  // What the tests' own requests send, for the warm-up to get where they get (past a login).
  const requestOptions = {}
  for (const key of ['storageState', 'extraHTTPHeaders', 'httpCredentials', 'ignoreHTTPSErrors', 'userAgent']) {
    if (use[key] !== undefined) requestOptions[key] = use[key]
  }
  // How the tests' browser is launched, for a warm-up that opens pages.
  const browserOptions = { browserName: use.browserName || 'chromium', channel: use.channel, launchOptions: use.launchOptions || {} }
  return { server: servers[0], servers, token, warmUp: use.covWarmUp || {}, requestOptions, browserOptions, configDir, outDir }
}

module.exports = { FIXTURE_OPTIONS, WARM_UP_OPTIONS, checkUseOptions, webServerURL, optionsOf }
