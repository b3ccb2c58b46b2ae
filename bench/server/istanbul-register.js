'use strict'
// Preload for variant (b): stock istanbul global instrumentation, applied at
// load time with istanbul-lib-instrument (what nyc's require hook does).
// BENCH_ISTANBUL_FILES: comma-separated absolute paths or directory prefixes.
const Module = require('node:module')
const { createInstrumenter } = require('istanbul-lib-instrument')

const prefixes = (process.env.BENCH_ISTANBUL_FILES || '').split(',').filter(Boolean)
const instrumenter = createInstrumenter({ esModules: false })
const compile = Module.prototype._compile
Module.prototype._compile = function (content, filename) {
  if (prefixes.some((p) => filename === p || filename.startsWith(p.endsWith('/') ? p : p + '/'))) {
    content = instrumenter.instrumentSync(content, filename)
  }
  return compile.call(this, content, filename)
}
