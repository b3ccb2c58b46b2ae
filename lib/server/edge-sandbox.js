'use strict'
// Next.js runs middleware (and edge route handlers) in its edge sandbox: each
// chunk is read from disk and evaluated with vm.runInContext(code, context,
// { filename }) in a context of its own, which no module hook sees. Chunks
// with project code are instrumented here like any other (through their
// source maps), and the context gets the runtime global their code reaches.
// The sandbox runs inside the request's async context, so the counts are the
// test's. (Next reads `vm.runInContext` at each call: patching the export is enough.)

const vm = require('node:vm')

const PATCHED = Symbol.for('cov-als-native.edge-sandbox')

function install(files, cov) {
  const original = vm.runInContext
  if (original[PATCHED]) return
  const patched = function runInContext(code, context, options) {
    const filename = typeof options === 'string' ? options : options && options.filename
    if (typeof code === 'string' && typeof filename === 'string' && files.shouldInstrument(filename)) {
      const instrumented = files.instrument(code, filename, 'script')
      if (instrumented !== code) {
        cov.exposeTo(context)
        code = instrumented
      }
    }
    return Reflect.apply(original, this, [code, context, options])
  }
  Object.defineProperty(patched, 'length', { value: original.length })
  patched[PATCHED] = true
  vm.runInContext = patched
}

module.exports = { install }
