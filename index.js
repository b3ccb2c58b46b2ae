'use strict'
// `require('cov-als-native')`: the runtime API of this process, installed on
// first require (the global instrumented code reaches, one per JS realm).
// Loading the addon alone is lib/native.js; what runs where: docs/architecture.md.

module.exports = require('./lib/server/runtime.js').installRuntime()
