'use strict'
// The Playwright fixture of `cov-als-native/playwright`.
// Every test gets a stable id (title path with file, plus the retry), sent as
// a header with every request of its page and `request` fixture. At teardown
// the test's browser coverage is collected from every page of its context
// (lib/runner/browser-coverage.js) and written as the test's `browser` half, and its
// server coverage is flushed from the server (the `server` half) and attached
// to the test.
//
// Options (test.use / config `use`):
//   covServerURL  where to flush: a URL, or a list of them (an array, or
//                 comma-separated) for several server processes, each flushed
//                 and the answers merged (default: COV_ALS_SERVER_URLS,
//                 COV_ALS_SERVER_URL, else baseURL)
//   covHeader     header naming the test (default x-cov-test-id, or COV_ALS_HEADER)
//   covToken      sent as x-cov-token (default COV_ALS_TOKEN)
//   covIncludeProject  put the project name in the id (default false: the
//                 projects of one test, e.g. viewports, merge into one report)
//   covAttach     attach the coverage JSON to the test (default true)
//   covBrowser    collect the browser half (default true): window.__coverage__
//                 in any browser, and V8 coverage in Chromium
//   covV8         V8 coverage in Chromium, converted through source maps (default true)
//   covOutDir     where the browser half is written (default: the directory the
//                 server wrote the test's flush to, else COV_ALS_OUT_DIR / cov-als.config.json)
//   covRoot       project root for include/exclude of browser files (default:
//                 COV_ALS_ROOT / cov-als.config.json, else the config's directory)
//   covCookie     also set the test id as the `cov-als-test-id` cookie for the
//                 servers' hosts, which browsers send on WebSocket handshakes
//                 (which extra headers may not reach): 'auto' (default: in
//                 every browser but Chromium, whose handshakes carry the
//                 header), true, or false (docs/transports.md)
//   covStrict     turn coverage problems (failed flush, a listed server that
//                 does not answer, page closed or crashed before collection)
//                 into test failures (default false: warnings)
//
// `covPeek()` returns the test's server coverage so far without resetting
// it, for a test that asserts on its own report (safe while another project
// of the same test runs: a flush would take that one's counts too).

const path = require('node:path')
const playwright = require('./user-playwright').requireUserPlaywright()
const { test: base, expect } = playwright
const control = require('../control')
const { parseServerURLs } = control
const { encodeForHeader } = require('../test-id')
// The handshake cookie's name is the baggage member's (lib/server/http.js reads it).
const COOKIE = control.TEST_ID_KEY

function testIdOf(testInfo, includeProject) {
  const parts = [...testInfo.titlePath]
  if (includeProject && testInfo.project.name) parts.unshift(`[${testInfo.project.name}]`)
  const id = parts.join(' › ')
  return testInfo.retry > 0 ? `${id} (retry ${testInfo.retry})` : id
}

/** The server URLs to flush: covServerURL (a URL, a list, or comma-separated), else baseURL. */
function serversOf(covServerURL, baseURL) {
  let servers = parseServerURLs(covServerURL, 'covServerURL')
  if (servers.length === 0 && baseURL) servers = parseServerURLs(baseURL, 'baseURL')
  if (servers.length === 0) throw new Error('cov-als-native/playwright: set covServerURL or baseURL so the fixture knows where to flush coverage')
  return servers
}

// The test id as a cookie for every server's host and baseURL's (a cookie
// holds for every port of its host). The server reads it on WebSocket
// handshakes only (lib/http.js), where a browser sends no extra headers.
function handshakeCookies(testId, covServerURL, baseURL) {
  const urls = [...parseServerURLs(covServerURL, 'covServerURL'), ...(baseURL ? parseServerURLs(baseURL, 'baseURL') : [])]
  const origins = [...new Set(urls.map((u) => new URL(u).origin))]
  return origins.map((url) => ({ name: COOKIE, value: encodeForHeader(testId), url }))
}

// Ask every server for the test's answer to control `route` ('flush', 'peek'); resolves one result per
// server, { server, body } or { server, error }, never rejects.
async function askAll(playwright, servers, token, route, data) {
  const api = await playwright.request.newContext({ extraHTTPHeaders: control.tokenHeaders(token) })
  try {
    return await Promise.all(
      servers.map(async (server) => {
        try {
          const res = await api.post(control.controlURL(server, route), { data })
          if (!res.ok()) throw new Error(`${res.status()} ${(await res.text()).slice(0, 200)}`)
          return { server, body: await res.json() }
        } catch (err) {
          return { server, error: String(err.message).split('\n')[0] }
        }
      }),
    )
  } finally {
    await api.dispose()
  }
}

// The servers' answers as one Istanbul map (one server: its map as it is).
function mergeCoverage(maps) {
  if (maps.length === 1) return maps[0]
  const { createCoverageMap } = require('istanbul-lib-coverage')
  const merged = createCoverageMap({})
  for (const m of maps) merged.merge(m)
  return merged.toJSON()
}

function configDirOf(testInfo) {
  return testInfo.config.configFile ? path.dirname(testInfo.config.configFile) : process.cwd()
}

/** The server-side configuration as seen from here (include/exclude, root, outDir). */
function localConfig(testInfo, covRoot) {
  const { load } = require('../config')
  const env = { ...process.env }
  if (covRoot) env.COV_ALS_ROOT = path.resolve(configDirOf(testInfo), covRoot)
  return load(env, configDirOf(testInfo))
}

const OUT_DIR_ANNOTATION = 'cov-als-out-dir'

// A browser script without a source map: an annotation of the test, which the
// reporter sums up in one line for the run (a warning per worker came back with
// each new worker, one after every failed test). Without cov-als-native's
// reporter (e.g. `--reporter=list` on the command line), a warning once per
// worker; with covStrict, a problem of each test, as every coverage problem.
const warnedNoSourceMap = new Set()
function noSourceMapRecorder(testInfo, covStrict, covProblems) {
  const { NO_SOURCE_MAP_ANNOTATION, noSourceMapMessage } = require('./no-source-map')
  const ours = path.join(__dirname, '..', '..', 'reporter.js')
  const summarised = (testInfo.config.reporter || []).some(([name]) => name === ours || /(?:^|[\\/])cov-als-native[\\/]reporter(?:\.js)?$/.test(String(name)))
  return (url, advice) => {
    testInfo.annotations.push({ type: NO_SOURCE_MAP_ANNOTATION, description: JSON.stringify({ url, advice }) })
    if (covStrict) covProblems(noSourceMapMessage(url, advice))
    else if (!summarised && !warnedNoSourceMap.has(url)) {
      warnedNoSourceMap.add(url)
      covProblems(noSourceMapMessage(url, advice))
    }
  }
}

const test = base.extend({
  covServerURL: [control.serversFromEnv()?.value || '', { option: true }],
  covHeader: [process.env.COV_ALS_HEADER || control.TEST_ID_HEADER, { option: true }],
  covToken: [process.env[control.TOKEN_ENV] || '', { option: true }],
  covIncludeProject: [false, { option: true }],
  covAttach: [true, { option: true }],
  covBrowser: [true, { option: true }],
  covV8: [true, { option: true }],
  covOutDir: ['', { option: true }],
  covRoot: ['', { option: true }],
  covStrict: [false, { option: true }],
  covCookie: ['auto', { option: true }],

  covTestId: async ({ covIncludeProject }, use, testInfo) => {
    await use(testIdOf(testInfo, covIncludeProject))
  },

  // Both the page's context and the `request` fixture read this option.
  extraHTTPHeaders: async ({ extraHTTPHeaders, covHeader, covTestId }, use) => {
    await use({ ...extraHTTPHeaders, [covHeader]: encodeForHeader(covTestId) })
  },

  covPeek: async ({ covTestId, covServerURL, covToken, baseURL, playwright }, use) => {
    await use(async () => {
      const answers = await askAll(playwright, serversOf(covServerURL, baseURL), covToken, 'peek', { testId: covTestId })
      const failed = answers.filter((a) => a.error)
      if (failed.length) throw new Error(`cov-als-native/playwright: peek of "${covTestId}" failed: ${failed.map((a) => `${a.server}: ${a.error}`).join('; ')}`)
      return mergeCoverage(answers.map((a) => a.body.coverage))
    })
  },

  // The test's coverage problems: warnings, or failures with covStrict.
  covProblems: async ({ covStrict }, use, testInfo) => {
    const problems = []
    const warn = (message) => {
      problems.push(message)
      testInfo.annotations.push({ type: 'cov-als-warning', description: message })
      console.warn(message)
    }
    await use(warn)
    if (covStrict && problems.length) throw new Error(`cov-als-native (covStrict): ${problems.join('; ')}`)
  },

  covCoverage: [
    async ({ covTestId, covServerURL, covToken, covAttach, covOutDir, covRoot, covProblems, baseURL, playwright }, use, testInfo) => {
      const box = { coverage: null, file: null, files: [], browser: null, browserFile: null }
      await use(box)
      // Every listed server (instances, downstream services) holds part of the test.
      const servers = serversOf(covServerURL, baseURL)
      const answers = await askAll(playwright, servers, covToken, 'flush', { testId: covTestId, only: 'touched', settle: true })
      for (const { server, error } of answers.filter((a) => a.error)) {
        covProblems(
          `cov-als-native: flush of "${covTestId}" from ${server} failed (${error}); its server half stays on that server until a flush of pending tests (cov-als-native/global-setup's teardown)`,
        )
      }
      const flushed = answers.filter((a) => a.body)
      if (flushed.length) {
        box.coverage = mergeCoverage(flushed.map((a) => a.body.coverage))
        box.files = [...new Set(flushed.map((a) => a.body.file).filter(Boolean))]
        box.file = box.files[0] || null
        if (covAttach) await testInfo.attach('cov-als-coverage.json', { body: JSON.stringify(box.coverage), contentType: 'application/json' })
      }
      const outDir = covOutDir ? path.resolve(configDirOf(testInfo), covOutDir) : box.file ? path.dirname(box.file) : localConfig(testInfo, covRoot).outDir
      // Tells the reporter where this test's files are (only where some were written).
      if (covOutDir || box.file) testInfo.annotations.push({ type: OUT_DIR_ANNOTATION, description: outDir })
      // Servers writing to other directories than the first: the reporter reads those too.
      for (const dir of new Set(box.files.slice(1).map((f) => path.dirname(f)))) {
        if (dir !== outDir) testInfo.annotations.push({ type: OUT_DIR_ANNOTATION, description: dir })
      }
      if (box.browser && Object.keys(box.browser).length) {
        const { writeTestCoverage } = require('../store')
        try {
          box.browserFile = writeTestCoverage(outDir, covTestId, box.browser, 'browser')
          if (!covOutDir && !box.file) testInfo.annotations.push({ type: OUT_DIR_ANNOTATION, description: outDir })
        } catch (err) {
          covProblems(`cov-als-native: could not write the browser half of "${covTestId}" to ${outDir}: ${err.message}`)
        }
        if (covAttach) await testInfo.attach('cov-als-browser-coverage.json', { body: JSON.stringify(box.browser), contentType: 'application/json' })
      }
    },
    { auto: true },
  ],

  // Every page of the test's context, popups included, reports its browser coverage.
  context: async (
    { context, browserName, covBrowser, covV8, covRoot, covCoverage, covProblems, covStrict, covCookie, covTestId, covServerURL, baseURL },
    use,
    testInfo,
  ) => {
    if (covCookie !== true && covCookie !== false && covCookie !== 'auto')
      throw new Error(`cov-als-native/playwright: covCookie must be 'auto', true or false, got ${JSON.stringify(covCookie)}`)
    if (covCookie === true || (covCookie === 'auto' && browserName !== 'chromium')) await context.addCookies(handshakeCookies(covTestId, covServerURL, baseURL))
    if (!covBrowser) return use(context)
    const { BrowserCoverageCollector } = require('./browser-coverage')
    const config = localConfig(testInfo, covRoot)
    const collector = new BrowserCoverageCollector({
      context,
      browserName,
      v8: covV8,
      root: config.root,
      include: config.include,
      exclude: config.exclude,
      warn: covProblems,
      noSourceMap: noSourceMapRecorder(testInfo, covStrict, covProblems),
    })
    await collector.install()
    for (const page of context.pages()) collector.attach(page)
    context.on('page', (page) => collector.attach(page))
    await use(context)
    covCoverage.browser = await collector.collect()
  },
})

// What @playwright/test exports besides test and expect, so that a spec can
// take everything from here (`import { test, expect, devices } from
// 'cov-als-native/playwright'`): its ES module's named exports.
const PASSED_THROUGH = ['chromium', 'firefox', 'webkit', 'selectors', 'devices', 'errors', 'request', 'defineConfig', 'mergeTests', 'mergeExpects']
const passedThrough = Object.fromEntries(PASSED_THROUGH.filter((name) => playwright[name] !== undefined).map((name) => [name, playwright[name]]))

module.exports = { ...passedThrough, test, expect, default: test, testIdOf, OUT_DIR_ANNOTATION }
