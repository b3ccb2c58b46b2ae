'use strict'
// Decide which files to instrument and instrument them with their source
// maps. Fails open: any error loads the file as it was, with one warning.

const path = require('node:path')
const { matcher } = require('./glob')
const { readSourceMap, normalizeSources } = require('./source-maps')
const { RUNTIME_GLOBAL } = require('../runtime')

const PACKAGE_DIR = path.resolve(__dirname, '..')

// Our own runtime must never count itself.
function isOwnFile(filename) {
  return path.dirname(filename) === PACKAGE_DIR || [path.join(PACKAGE_DIR, 'lib'), path.join(PACKAGE_DIR, 'bin')].some((d) => filename.startsWith(d + path.sep))
}

function createFileInstrumenter(cov, config, warn = (msg) => process.emitWarning(msg, 'CovAlsWarning')) {
  const matches = matcher(config.include, config.exclude)
  const warned = new Set()

  function warnOnce(filename, message) {
    if (warned.has(filename)) return
    warned.add(filename)
    warn(`cov-als-native: ${message}`)
  }

  function shouldInstrument(filename) {
    if (!path.isAbsolute(filename) || isOwnFile(filename)) return false
    const rel = path.relative(config.root, filename)
    if (rel.startsWith('..') || path.isAbsolute(rel)) return false
    return matches(rel.split(path.sep).join('/'))
  }

  function instrument(code, filename, sourceType) {
    // Already instrumented (e.g. by a bundler plugin run under the preload).
    if (code.includes(RUNTIME_GLOBAL)) return code
    let inputSourceMap
    if (config.sourceMaps) {
      try {
        const found = readSourceMap(code, filename)
        if (found) inputSourceMap = normalizeSources(found.map, found.mapFile, config.root)
      } catch (err) {
        warnOnce(`${filename}#map`, `ignoring the unreadable source map of ${filename}: ${err.message}`)
      }
    }
    try {
      return cov.instrument(code, filename, { sourceType, inputSourceMap, reportLogic: config.reportLogic }).code
    } catch (err) {
      if (inputSourceMap) {
        // A map we cannot use must not cost the file its coverage.
        try {
          const out = cov.instrument(code, filename, { sourceType, reportLogic: config.reportLogic }).code
          warnOnce(`${filename}#map`, `ignoring the source map of ${filename}: ${err.message}`)
          return out
        } catch {
          // fall through to loading it uninstrumented
        }
      }
      warnOnce(filename, `loading ${filename} uninstrumented: ${err.message}`)
      return code
    }
  }

  return { shouldInstrument, instrument }
}

module.exports = { createFileInstrumenter }
