'use strict'
// `const { test, expect } = require('cov-als-native/playwright')`: Playwright's
// test with the per-test coverage fixture and its options
// (lib/runner/fixture.js, docs/full-stack.md).

module.exports = require('./lib/runner/fixture.js')
