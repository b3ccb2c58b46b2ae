// ESM load hook for Node without module.registerHooks (Node 20), registered by
// the preload with module.register(). It runs in Node's hooks thread, which
// loads its own copy of the runtime; the file registry is process-wide, so the
// ids it assigns are valid in the main thread.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
let instrumentLoaded = null

export async function initialize({ config }) {
  const cov = require('./runtime').installRuntime()
  const { createFileInstrumenter } = require('./instrument-file.js')
  const { createEsmStep } = require('./module-hooks.js')
  instrumentLoaded = createEsmStep(createFileInstrumenter(cov, config))
}

export async function load(url, context, nextLoad) {
  const result = await nextLoad(url, context)
  return instrumentLoaded ? instrumentLoaded(url, result) : result
}
