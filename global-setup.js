'use strict'
// `globalSetup: require.resolve('cov-als-native/global-setup')` in playwright.config:
// warms the server up without a test id and returns the teardown that flushes
// what is pending before Playwright stops the webServer (lib/playwright-run.js).
module.exports = require('./lib/playwright-run').globalSetup
