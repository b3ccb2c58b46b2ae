'use strict'
// `globalTeardown: require.resolve('cov-als-native/global-teardown')`: flushes
// `startup` and every pending test before Playwright stops the webServer.
// (Not needed with cov-als-native/global-setup, which returns the same teardown.)
module.exports = require('./lib/runner/global-setup.js').globalTeardown
