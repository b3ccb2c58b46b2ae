'use strict'
// SvelteKit smoke test of cov-als-native/vite: ONE `vite dev`, two tests, a
// report per test. No preload here: in a dev server without it, the plugin
// scopes requests to tests and answers the flushes itself.
// Environment: PORT (3300), COV_OUT (coverage/sveltekit), PW_WORKERS (2), PW_JSON_REPORT.
const os = require('node:os')
const path = require('node:path')
const { defineConfig } = require('@playwright/test')
const { chromiumPath } = require('../chromium')

const REPO = path.resolve(__dirname, '../..')
const PORT = Number(process.env.PORT || 3300)
const OUT = path.resolve(process.env.COV_OUT || path.join(REPO, 'coverage/sveltekit'))
const VITE = path.join(path.dirname(require.resolve('vite/package.json')), 'bin/vite.js')

const reporter = [['list'], [require.resolve('cov-als-native/reporter'), { out: path.join(OUT, 'report') }]]
if (process.env.PW_JSON_REPORT) reporter.push(['json', { outputFile: process.env.PW_JSON_REPORT }])

module.exports = defineConfig({
  testDir: './tests',
  outputDir: process.env.PW_OUTPUT_DIR || path.join(os.tmpdir(), 'cov-als-sveltekit-pw-results'),
  workers: Number(process.env.PW_WORKERS || 2),
  fullyParallel: true,
  forbidOnly: true,
  retries: 0,
  timeout: 60000,
  reporter,
  globalSetup: require.resolve('cov-als-native/global-setup'),
  webServer: {
    command: `node ${JSON.stringify(VITE)} dev --port ${PORT}`,
    cwd: __dirname,
    url: `http://127.0.0.1:${PORT}/__cov/tests`,
    env: { COV_ALS: '1', COV_ALS_CLIENT: '1', COV_ALS_OUT_DIR: path.join(OUT, 'tests'), COV_ALS_ROOT: __dirname, NODE_OPTIONS: '' },
    reuseExistingServer: false,
    timeout: 120000,
  },
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    covOutDir: path.join(OUT, 'tests'),
    covV8: false,
    covWarmUp: { routes: ['/', '/?name=ada', '/about'] },
    launchOptions: {
      executablePath: chromiumPath(),
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    },
    trace: 'off',
    screenshot: 'off',
    video: 'off',
  },
})
