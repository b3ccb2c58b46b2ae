'use strict'
// The React Router example as a stock Playwright setup: ONE server
// (webServer), a parallel suite, a report per test (server and browser halves).
//
//   RR_MODE=dev   `react-router dev`, the preload through NODE_OPTIONS (the CLI
//                 relaunches itself), and cov-als-native/vite in vite.config.mts
//                 instrumenting the server modules that Vite's module runner
//                 evaluates (COV_ALS=1) and the client modules (COV_ALS_CLIENT=1)
//   RR_MODE=prod  (default) `react-router-serve` of `node run.js` 's build with
//                 the preload (server bundle through its source map); the client
//                 bundles were instrumented by the plugin at build time
//
// Environment: PORT (3200), COV_OUT (coverage/react-router/<mode>), RR_BUILD_DIR
// (build), PW_WORKERS (3), PW_JSON_REPORT, PW_OUTPUT_DIR.
const os = require('node:os')
const path = require('node:path')
const { defineConfig } = require('@playwright/test')
const { chromiumPath } = require('../chromium')

const REPO = path.resolve(__dirname, '../..')
const MODE = process.env.RR_MODE === 'dev' ? 'dev' : 'prod'
const PORT = Number(process.env.PORT || 3200)
const OUT = path.resolve(process.env.COV_OUT || path.join(REPO, 'coverage/react-router', MODE))
const BUILD_DIR = process.env.RR_BUILD_DIR || 'build'
const REGISTER = require.resolve('cov-als-native/register')
const bin = (pkg, file) => JSON.stringify(path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file))

// In a project of your own: `NODE_OPTIONS="--require cov-als-native/register" react-router dev`
// and `node --require cov-als-native/register node_modules/.bin/react-router-serve build/server/index.js`.
const command =
  MODE === 'dev'
    ? `node ${bin('@react-router/dev', 'bin.cjs')} dev --port ${PORT} --host 127.0.0.1`
    : `node --require ${JSON.stringify(REGISTER)} ${bin('@react-router/serve', 'bin.cjs')} ${JSON.stringify(path.join(BUILD_DIR, 'server/index.mjs'))}`

const reporter = [['list'], [require.resolve('cov-als-native/reporter'), { out: path.join(OUT, 'report'), reporters: ['html', 'lcovonly', 'json-summary'] }]]
if (process.env.PW_JSON_REPORT) reporter.push(['json', { outputFile: process.env.PW_JSON_REPORT }])

module.exports = defineConfig({
  testDir: './tests',
  outputDir: process.env.PW_OUTPUT_DIR || path.join(os.tmpdir(), 'cov-als-react-router-pw-results'),
  workers: Number(process.env.PW_WORKERS || 3),
  fullyParallel: true,
  forbidOnly: true,
  retries: 0,
  timeout: 60000,
  expect: { timeout: 15000 },
  reporter,
  globalSetup: require.resolve('cov-als-native/global-setup'),
  webServer: {
    command,
    cwd: __dirname,
    // Answered by the preload: coverage is on before the suite starts.
    url: `http://127.0.0.1:${PORT}/__cov/tests`,
    env: {
      COV_ALS: '1',
      COV_ALS_CLIENT: '1',
      COV_ALS_OUT_DIR: path.join(OUT, 'tests'),
      COV_ALS_ROOT: __dirname,
      NODE_OPTIONS: MODE === 'dev' ? `--require ${REGISTER}` : '',
      NODE_ENV: MODE === 'dev' ? 'development' : 'production',
      PORT: String(PORT),
      HOST: '127.0.0.1',
      RR_BUILD_DIR: BUILD_DIR,
    },
    reuseExistingServer: false,
    timeout: 120000,
  },
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    covOutDir: path.join(OUT, 'tests'),
    // The browser half comes from window.__coverage__ (cov-als-native/vite
    // instruments the client modules, dev and build); V8 would add only
    // dependencies, which the reports leave out.
    covV8: false,
    // Every route once without a test id: module initialisation (in dev, the
    // module runner's first evaluation) counts as startup, in no test.
    covWarmUp: { routes: ['/', '/?sort=price', '/products', '/products/shoes', '/products/socks', '/products/nope', '/cart'] },
    launchOptions: {
      executablePath: chromiumPath(),
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    },
    trace: 'off',
    screenshot: 'off',
    video: 'off',
  },
})
