'use strict'
// The preload's work (register.js): with coverage on, install the runtime,
// then the module hooks that instrument the project's files, the HTTP
// scoping, propagation and the writes at exit.

const { isMainThread } = require('node:worker_threads')
const { load, isBuildTool } = require('../config')

function start(config = load()) {
  // Worker threads (including Node's module-hooks thread) get no hooks of their own.
  if (!config.enabled || !isMainThread || isBuildTool(process.argv)) return null
  const cov = require('./runtime').installRuntime()
  cov.setModuleInit(config.moduleInit)
  // Before any file is instrumented: the arena's index then knows them all.
  if (config.live) require('../arenas').open(cov, config)
  const { createFileInstrumenter } = require('./instrument-file')
  const files = createFileInstrumenter(cov, config)
  let esmOffThread = false
  require('./cjs-hook').install(files, cov)
  require('./edge-sandbox').install(files, cov)
  if (config.esm) {
    const mod = require('node:module')
    // registerHooks where Node has it (no hooks thread, and module.register is
    // deprecated from Node 26 on); module.register only where it does not.
    if (!require('./module-hooks').installSyncHooks(mod, files) && typeof mod.register === 'function') {
      const { pathToFileURL } = require('node:url')
      mod.register('./esm-hooks.mjs', pathToFileURL(__filename), { data: { config } })
      esmOffThread = true
    }
  }
  // An uncaught error thrown in an instrumented file names us and the file on stderr.
  require('./crash-note').install((file) => files.wasInstrumented(file) || (esmOffThread && files.isReported(file) && !files.loadedAsWritten(file)))
  if (config.http) {
    const { scopeFor } = require('./integration')
    const { scope, scopeUpgrade, scopeStream } = scopeFor()
    require('./http').patchServers(scope, scopeUpgrade, scopeStream)
  }
  if (config.propagate) require('./propagation').install(cov, config)
  if (config.writeOnExit) require('./lifecycle').install(cov, config)
  if (config.debug) process.emitWarning(`cov-als-native: coverage on (root ${config.root}, out ${config.outDir})`, 'CovAlsWarning')
  return cov
}

module.exports = { start }
