'use strict'
// `const { wrap } = require('cov-als-native/http')`: scope a raw http handler.
const { wrap } = require('./lib/server/integration')

module.exports = { wrap }
