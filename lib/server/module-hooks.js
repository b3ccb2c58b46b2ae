'use strict'
// ESM load hook. With module.registerHooks (Node >= 22.15 / 23.5) it runs
// synchronously in the main thread; where only module.register exists (Node 20)
// lib/server/esm-hooks.mjs runs the same step in Node's hooks thread.
// CommonJS stays with lib/server/cjs-hook.js at Module.prototype._compile, which also
// sees what bundler runtimes require: registerHooks' load hook sees those files
// too, and passes them on untouched. The exception is 'commonjs-typescript': a
// .cts file that an ES module imports is compiled by Node 22 without _compile,
// so this hook strips and instruments it and hands on JavaScript ('commonjs');
// _compile, if it sees the file afterwards, recognises our header and leaves it.
// (One instrumentation per file, whichever hook sees it first.)

const { fileURLToPath } = require('node:url')
const { createTypeScriptInstrumenter } = require('./typescript')

const FORMATS = new Set(['module', 'module-typescript', 'commonjs-typescript'])

/** `(url, result) => result`: the result of the next load hook, with its ES module (or TypeScript) instrumented. */
function createEsmStep(files) {
  const typescript = createTypeScriptInstrumenter(files)
  return function instrumentLoaded(url, result) {
    if (!FORMATS.has(result.format) || !url.startsWith('file:') || result.source == null) return result
    const filename = fileURLToPath(url)
    if (!files.shouldInstrument(filename)) return result
    const source = typeof result.source === 'string' ? result.source : Buffer.from(result.source).toString('utf8')
    if (result.format === 'module') return { ...result, source: files.instrument(source, filename, 'module') }
    const js = typescript.instrument(source, filename, result.format)
    return js ? { ...result, source: js.source, format: js.format } : result
  }
}

/** Install the ESM step with module.registerHooks; false where Node has no registerHooks. */
function installSyncHooks(mod, files) {
  if (typeof mod.registerHooks !== 'function') return false
  const instrumentLoaded = createEsmStep(files)
  mod.registerHooks({ load: (url, context, nextLoad) => instrumentLoaded(url, nextLoad(url, context)) })
  return true
}

module.exports = { createEsmStep, installSyncHooks }
