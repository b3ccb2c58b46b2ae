'use strict'
// One configured HTTP scope per process, shared by the preload and the
// explicit integrations (Express, Fastify, wrap).

const { installRuntime } = require('./runtime')
const config = require('../config')
const { createScope } = require('./http')

let shared = null

/** The scope for `options` (overriding env/config-file values). */
function scopeFor(options = {}) {
  // A scope counts into this process's runtime: creating one installs it.
  const cov = installRuntime()
  if (options === null || typeof options !== 'object') throw new TypeError('cov-als-native: options must be an object')
  const base = config.load()
  const unknown = Object.keys(options).filter((k) => !(k in config.OPTIONS))
  if (unknown.length) throw new TypeError(`cov-als-native: unknown option(s) ${unknown.join(', ')}; known: ${Object.keys(config.OPTIONS).join(', ')}`)
  if (Object.keys(options).length === 0) {
    shared = shared || { config: base, ...createScope(cov, base) }
    return shared
  }
  const merged = { ...base, ...options }
  if (merged.header) merged.header = String(merged.header).toLowerCase()
  return { config: merged, ...createScope(cov, merged) }
}

/** Wrap a plain `(req, res)` handler of a raw http server. */
function wrap(handler, options) {
  if (typeof handler !== 'function') throw new TypeError('cov-als-native: wrap(handler): handler must be a function')
  const { scope } = scopeFor(options)
  return function covAlsScoped(req, res) {
    return scope(req, res, () => handler.call(this, req, res))
  }
}

module.exports = { scopeFor, wrap }
