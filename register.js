'use strict'
// Preload: `node --require cov-als-native/register server.js` (or through
// NODE_OPTIONS). Does nothing unless coverage is enabled (COV_ALS=1, or
// COV_ALS_OUT_DIR, or `enabled` in cov-als.config.json), so a server that
// merely has the package installed behaves exactly as without it.

const { isMainThread } = require('node:worker_threads')
const { load, isBuildTool } = require('./lib/config')
const config = load()

// Worker threads (including Node's module-hooks thread) get no hooks of their own.
if (config.enabled && isMainThread && !isBuildTool(process.argv)) {
  const cov = require('./index.js')
  cov.setModuleInit(config.moduleInit)
  // Before any file is instrumented: the arena's index then knows them all.
  if (config.live) require('./lib/live').open(cov, config)
  const { createFileInstrumenter } = require('./lib/instrument-file')
  const files = createFileInstrumenter(cov, config)
  let esmOffThread = false
  require('./lib/cjs-hook').install(files, cov)
  if (config.esm) {
    const mod = require('node:module')
    // registerHooks where Node has it (no hooks thread, and module.register is
    // deprecated from Node 26 on); module.register only where it does not.
    if (!require('./lib/module-hooks').installSyncHooks(mod, files) && typeof mod.register === 'function') {
      const { pathToFileURL } = require('node:url')
      mod.register('./lib/esm-hooks.mjs', pathToFileURL(__filename), { data: { config } })
      esmOffThread = true
    }
  }
  // An uncaught error thrown in an instrumented file names us and the file on stderr.
  require('./lib/crash-note').install((file) => files.wasInstrumented(file) || (esmOffThread && files.isReported(file) && !files.loadedAsWritten(file)))
  if (config.http) {
    const { scopeFor } = require('./lib/integration')
    const { scope, scopeUpgrade, scopeStream } = scopeFor()
    require('./lib/http').patchServers(scope, scopeUpgrade, scopeStream)
  }
  if (config.propagate) require('./lib/propagation').install(cov, config)
  if (config.writeOnExit) require('./lib/lifecycle').install(cov, config)
  if (config.debug) process.emitWarning(`cov-als-native: coverage on (root ${config.root}, out ${config.outDir})`, 'CovAlsWarning')
}
