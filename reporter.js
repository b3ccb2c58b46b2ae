'use strict'
// `reporter: [['list'], ['cov-als-native/reporter', { ... }]]`: at the end of
// the run, the per-test and merged Istanbul reports and the summary table
// (lib/runner/reporter.js lists the options).

module.exports = require('./lib/runner/reporter.js')
