'use strict'
// Express middleware: `app.use(require('cov-als-native/express')())`. Put it
// first, so everything after it runs in the request's test context.
const { scopeFor } = require('./lib/server/integration')

module.exports = function covAlsExpress(options) {
  const { scope } = scopeFor(options)
  return function covAlsMiddleware(req, res, next) {
    scope(req, res, () => next())
  }
}
