'use strict'
// CommonJS hook at Module.prototype._compile: it sees every CommonJS file,
// including the chunks bundler runtimes (webpack, Turbopack) `require`.

const Module = require('node:module')
const PATCHED = Symbol.for('cov-als-native.cjs-hook')

function install(files) {
  const compile = Module.prototype._compile
  if (compile[PATCHED]) return
  const patched = function (content, filename) {
    if (typeof content === 'string' && files.shouldInstrument(filename)) {
      content = files.instrument(content, filename, 'commonjs')
    }
    return compile.call(this, content, filename)
  }
  patched[PATCHED] = true
  Module.prototype._compile = patched
}

module.exports = { install }
