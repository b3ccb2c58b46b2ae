'use strict'
// Run by __test__/live-stock.test.js against one server it starts with the
// preload (SERVER_URL); `npx playwright test -c examples/live-stock/playwright.config.js`
// starts it here instead (webServer) and prints the per-test table.
const path = require('node:path')
const { defineConfig } = require('@playwright/test')
const { chromiumPath } = require('../chromium')

const launchOptions = {
  executablePath: chromiumPath(),
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
}
const PORT = Number(process.env.PORT || 3300)
const REGISTER = JSON.stringify(require.resolve('cov-als-native/register'))
// LIVE_STOCK_COOKIE_ONLY=1: the id reaches the server as the cookie alone (as
// in browsers whose WebSocket handshakes carry no extra headers): the header
// goes out under a name the server does not read.
const cookieOnly = process.env.LIVE_STOCK_COOKIE_ONLY === '1' ? { covCookie: true, covHeader: 'x-cov-header-not-read' } : {}

module.exports = defineConfig({
  testDir: './tests',
  outputDir: process.env.PW_OUTPUT_DIR || path.join(require('node:os').tmpdir(), 'cov-als-live-stock-pw-results'),
  workers: 3,
  fullyParallel: true,
  reporter: process.env.PW_JSON_REPORT ? [['json', { outputFile: process.env.PW_JSON_REPORT }]] : [['list'], [require.resolve('cov-als-native/reporter')]],
  use: { baseURL: process.env.SERVER_URL || `http://127.0.0.1:${PORT}`, launchOptions, ...cookieOnly },
  globalSetup: require.resolve('cov-als-native/global-setup'),
  webServer: process.env.SERVER_URL
    ? undefined
    : {
        command: `node --require ${REGISTER} server.js`,
        cwd: __dirname,
        url: `http://127.0.0.1:${PORT}/product/shoes`,
        env: { PORT: String(PORT), COV_ALS: '1', COV_ALS_OUT_DIR: path.join(__dirname, '../../coverage/live-stock') },
      },
})
