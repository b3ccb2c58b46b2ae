'use strict'
// The Next.js example as a stock Playwright setup: `npx playwright test`
// (npm run demo) starts ONE `next start` with the preload (webServer), warms
// it up (cov-als-native/global-setup), runs 14 tests x 2 projects on 4
// workers, and cov-als-native/reporter prints the per-test table (server /
// browser / total) at the end. Playwright's default webServer teardown
// (SIGKILL) loses nothing: the global setup's teardown flushes startup and
// every pending test before it.
//
// Environment: NEXT_BUILDER (turbopack | webpack, the build to serve: .next or
// .next-webpack), NEXT_DIST_DIR (another build directory), NEXT_STANDALONE=1
// (serve the build's standalone server.js instead of `next start`: built by
// `run.js --standalone`, docs/standalone.md), PORT (3100),
// COV_OUT (coverage/next-rsc/<builder>), PW_WORKERS, PW_JSON_REPORT.
const os = require('node:os')
const path = require('node:path')
const { defineConfig } = require('@playwright/test')
const { chromiumPath } = require('../chromium')

const REPO = path.resolve(__dirname, '../..')
const BUILDER = process.env.NEXT_BUILDER === 'webpack' ? 'webpack' : 'turbopack'
const DIST_DIR = process.env.NEXT_DIST_DIR || (BUILDER === 'webpack' ? '.next-webpack' : '.next')
const PORT = Number(process.env.PORT || 3100)
const OUT = path.resolve(process.env.COV_OUT || path.join(REPO, 'coverage/next-rsc', BUILDER))
const STANDALONE = process.env.NEXT_STANDALONE === '1'
const REGISTER = JSON.stringify(require.resolve('cov-als-native/register'))
// The preload on the server process only (`next build` stays uninstrumented):
// in a project of your own, `node --require cov-als-native/register node_modules/next/dist/bin/next start`,
// or `node --require cov-als-native/register .next/standalone/server.js`.
const serverCommand = STANDALONE
  ? `node --require ${REGISTER} ${JSON.stringify(require('./run').standaloneServer(DIST_DIR))}`
  : `node --require ${REGISTER} ${JSON.stringify(path.join(REPO, 'node_modules/next/dist/bin/next'))} start -p ${PORT} -H 127.0.0.1`

const launchOptions = {
  executablePath: chromiumPath(),
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
}

const reporter = [
  ['list'],
  [require.resolve('cov-als-native/reporter'), { out: path.join(OUT, 'report'), reporters: ['html', 'lcovonly', 'json-summary'], perTest: true }],
]
if (process.env.PW_JSON_REPORT) reporter.push(['json', { outputFile: process.env.PW_JSON_REPORT }])

module.exports = defineConfig({
  testDir: './tests',
  outputDir: process.env.PW_OUTPUT_DIR || path.join(os.tmpdir(), 'cov-als-next-rsc-pw-results'),
  workers: Number(process.env.PW_WORKERS || 4),
  fullyParallel: true,
  forbidOnly: true,
  retries: 0,
  // 2 cores shared by next start, 4 Chromiums and Playwright's workers.
  timeout: 60000,
  expect: { timeout: 15000 },
  reporter,
  // Warm-up without a test id (module initialisation counts as startup), and
  // the teardown that flushes what is pending before the server is killed.
  globalSetup: require.resolve('cov-als-native/global-setup'),
  webServer: {
    command: serverCommand,
    // Answered by the preload: proves coverage is on before the suite starts.
    url: `http://127.0.0.1:${PORT}/__cov/tests`,
    env: {
      COV_ALS: '1',
      COV_ALS_OUT_DIR: path.join(OUT, 'tests'),
      // The app, where the sources are (also for the standalone server, which
      // runs from <dist>/standalone/...: its maps are found in <dist>/server).
      COV_ALS_ROOT: __dirname,
      NEXT_DIST_DIR: DIST_DIR,
      NEXT_TELEMETRY_DISABLED: '1',
      NODE_OPTIONS: '',
      // Read by the standalone server.js (next start takes -p and -H).
      PORT: String(PORT),
      HOSTNAME: '127.0.0.1',
    },
    reuseExistingServer: false,
    timeout: 120000,
  },
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    covOutDir: path.join(OUT, 'tests'),
    covWarmUp: {
      routes: [
        '/',
        '/?sort=price',
        '/products/shoes',
        '/products/socks',
        '/products/unicorn',
        '/search',
        '/search?q=ha',
        '/cart',
        '/about',
        '/api/stock/shoes',
        '/api/stock/unicorn',
      ],
      // Turbopack loads its server actions loader on the first action.
      actions: [{ page: '/cart', exportedName: 'getQuote', args: ['socks', 1], manifest: `${DIST_DIR}/server/server-reference-manifest.json` }],
    },
    launchOptions,
    trace: 'off',
    screenshot: 'off',
    video: 'off',
  },
  projects: [
    { name: 'desktop', use: { viewport: { width: 1280, height: 800 } } },
    { name: 'mobile', use: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } },
  ],
})
