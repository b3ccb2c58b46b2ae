'use strict'
// Frontend -> API example as a stock Playwright setup: Playwright starts two
// servers with the preload (webServer entries): the frontend, and the API as
// a node:cluster of API_WORKERS workers. The fixture flushes every test from
// both (covServerURL lists them) into one run store, so each test's report
// holds the frontend code and the API code its requests ran.
//
// Environment: FRONTEND_PORT, API_PORT, API_WORKERS, SEPARATE_STORES, DEAD_URL (settings.js),
// COV_OUT (coverage/downstream), PW_WORKERS (4), PW_JSON_REPORT.
const os = require('node:os')
const path = require('node:path')
const { defineConfig } = require('@playwright/test')
const { chromiumPath } = require('../chromium')

const { FRONTEND_PORT, API_PORT, FRONTEND, API, API_WORKERS, SEPARATE_STORES } = require('./settings')

const REPO = path.resolve(__dirname, '../..')
const OUT = path.resolve(process.env.COV_OUT || path.join(REPO, 'coverage/downstream'))
const REGISTER = JSON.stringify(require.resolve('cov-als-native/register'))

// Both servers write into the same run store (or, with SEPARATE_STORES, the
// API into its own); the example is their root.
const coverageEnv = { COV_ALS: '1', COV_ALS_OUT_DIR: path.join(OUT, 'tests'), COV_ALS_ROOT: __dirname, NODE_OPTIONS: '' }
const apiOutDir = path.join(OUT, SEPARATE_STORES ? 'api-tests' : 'tests')

const reporter = [['list'], [require.resolve('cov-als-native/reporter'), { out: path.join(OUT, 'report') }]]
if (process.env.PW_JSON_REPORT) reporter.push(['json', { outputFile: process.env.PW_JSON_REPORT }])

module.exports = defineConfig({
  testDir: './tests',
  outputDir: process.env.PW_OUTPUT_DIR || path.join(os.tmpdir(), 'cov-als-downstream-pw-results'),
  workers: Number(process.env.PW_WORKERS || 4),
  fullyParallel: true,
  forbidOnly: true,
  retries: 0,
  timeout: 60000,
  reporter,
  // Its teardown flushes what is pending on both servers before they are killed.
  globalSetup: require.resolve('cov-als-native/global-setup'),
  webServer: [
    {
      command: `node --require ${REGISTER} api/server.js`,
      url: `${API}/__cov/tests`,
      env: { ...coverageEnv, COV_ALS_OUT_DIR: apiOutDir, API_PORT: String(API_PORT), API_WORKERS: String(API_WORKERS) },
      reuseExistingServer: false,
    },
    {
      command: `node --require ${REGISTER} frontend/server.js`,
      url: `${FRONTEND}/__cov/tests`,
      env: { ...coverageEnv, FRONTEND_PORT: String(FRONTEND_PORT), API_URL: API },
      reuseExistingServer: false,
    },
  ],
  use: {
    baseURL: FRONTEND,
    // Where each test is flushed from: every server process that counts for it.
    covServerURL: [FRONTEND, API],
    covOutDir: path.join(OUT, 'tests'),
    // This example is about the server side; the browser half: docs/full-stack.md.
    covBrowser: false,
    launchOptions: {
      executablePath: chromiumPath(),
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
    },
    trace: 'off',
    screenshot: 'off',
    video: 'off',
  },
  projects: [{ name: 'chromium' }],
})
