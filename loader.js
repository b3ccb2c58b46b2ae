'use strict'
// `cov-als-native/loader`: the webpack (and Turbopack) loader that
// instruments client modules for window.__coverage__, and
// serverDevSourceMaps for next.config (lib/build/webpack-loader.js,
// docs/client-coverage.md).

module.exports = require('./lib/build/webpack-loader.js')
