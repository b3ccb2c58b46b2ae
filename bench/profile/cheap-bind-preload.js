'use strict'
// Diagnostic only (not part of `npm run bench`): replace AsyncResource.bind
// with an equivalent that skips the two util.deprecate() wrappers Node 20
// creates per bound function (DEP0172 `asyncResource` accessor), to measure
// what lib/http.js's two binds per request cost the server. Load before
// register.js: node --require cheap-bind-preload.js --require register.js ...
const { AsyncResource } = require('node:async_hooks')
AsyncResource.bind = function bind(fn, type, thisArg) {
  const resource = new AsyncResource(type || fn.name || 'bound-anonymous-fn')
  if (thisArg === undefined) {
    return function (...args) {
      return resource.runInAsyncScope(fn, this, ...args)
    }
  }
  return (...args) => resource.runInAsyncScope(fn, thisArg, ...args)
}
