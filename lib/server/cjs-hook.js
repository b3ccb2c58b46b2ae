'use strict'
// CommonJS hook at Module.prototype._compile: it sees every CommonJS file,
// including the chunks bundler runtimes (webpack, Turbopack) `require`, and
// the TypeScript files Node strips itself (format '*typescript', Node >= 22.18).

const Module = require('node:module')
const { isTypeScriptFormat, createTypeScriptInstrumenter } = require('./typescript')
const PATCHED = Symbol.for('cov-als-native.cjs-hook')

// `cov` (the runtime): a module whose initialisation throws or returns
// early ends it when its evaluation does (lib/server/runtime.js initialising).
function install(files, cov) {
  const compile = Module.prototype._compile
  if (compile[PATCHED]) return
  const typescript = createTypeScriptInstrumenter(files)
  const patched = function (content, filename, format) {
    if (typeof content === 'string' && files.shouldInstrument(filename)) {
      if (isTypeScriptFormat(format)) {
        // JavaScript with the .ts positions; Node then compiles it as JavaScript.
        const js = typescript.instrument(content, filename, format)
        if (js) return cov.initialising(() => compile.call(this, js.source, filename, js.format))
      } else {
        content = files.instrument(content, filename, 'commonjs')
        return cov.initialising(() => compile.call(this, content, filename, format))
      }
    }
    return compile.call(this, content, filename, format)
  }
  patched[PATCHED] = true
  Module.prototype._compile = patched
}

module.exports = { install }
