'use strict'
// `globalSetup: require.resolve('cov-als-native/global-setup')` in playwright.config:
// warms the server up without a test id and returns the teardown that flushes
// what is pending before Playwright stops the webServer (lib/runner/global-setup.js).
module.exports = require('./lib/runner/global-setup.js').globalSetup
