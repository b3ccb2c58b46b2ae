'use strict'
// TypeScript files Node runs itself (type stripping, Node >= 22.18 / 23.6).
// The hooks see them as formats 'module-typescript', 'commonjs-typescript' or
// 'typescript' (module or CommonJS still undecided). We strip the types first
// with module.stripTypeScriptTypes in 'strip' mode, which puts whitespace
// where the types were, so the JavaScript we instrument keeps every position
// of the .ts file and needs no source map; then Node compiles that JavaScript.

const fs = require('node:fs')
const mod = require('node:module')

// Files warned about, across the hooks: one file may reach both the load hook and _compile.
const warned = new Set()

const JS_FORMAT = { 'module-typescript': 'module', 'commonjs-typescript': 'commonjs', typescript: undefined }

function isTypeScriptFormat(format) {
  return Object.hasOwn(JS_FORMAT, format)
}

// Node warns once that stripTypeScriptTypes is experimental (22, 24); it is
// the same stripping Node does for these files without a word, so that one
// warning, which users did not ask for, is not passed on.
function quietly(fn) {
  const emitWarning = process.emitWarning
  process.emitWarning = function (warning, ...rest) {
    const type = typeof rest[0] === 'string' ? rest[0] : rest[0] && rest[0].type
    if (type === 'ExperimentalWarning' && String(warning).includes('stripTypeScriptTypes')) return
    return emitWarning.call(this, warning, ...rest)
  }
  try {
    return fn()
  } finally {
    process.emitWarning = emitWarning
  }
}

// Node prints process warnings on the next tick, but a file whose types do not
// strip ends the process at once (Node fails on it just as without us): so this
// warning is written now, in Node's warning format.
function warnNow(message) {
  const args = [...process.execArgv, ...(process.env.NODE_OPTIONS || '').split(/\s+/)]
  if (args.includes('--no-warnings')) return
  fs.writeSync(2, `(node:${process.pid}) CovAlsWarning: ${message}\n`)
}

/**
 * Create the TypeScript step of the hooks over a file instrumenter: `instrument(source,
 * filename, format)` returns `{ source, format }` with JavaScript and its JS format, or
 * null to leave the file to Node as it was (syntax errors, one warning each).
 */
function createTypeScriptInstrumenter(files, warn = warnNow) {
  function warnOnce(filename, message) {
    if (warned.has(filename)) return
    warned.add(filename)
    warn(`cov-als-native: ${message}`)
  }

  function instrument(source, filename, format) {
    if (typeof mod.stripTypeScriptTypes !== 'function') return null
    let code
    try {
      code = quietly(() => mod.stripTypeScriptTypes(source, { mode: 'strip' }))
    } catch (err) {
      if (err.code === 'ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX' && process.features.typescript === 'transform') {
        // Enums, namespaces, parameter properties: code Node generates under
        // --experimental-transform-types (22, 24), whose positions are not the .ts file's.
        warnOnce(
          filename,
          `loading ${filename} uninstrumented: cov-als-native covers erasable TypeScript only, not what --experimental-transform-types generates (${err.message})`,
        )
      } else {
        warnOnce(filename, `loading ${filename} uninstrumented: its types could not be stripped (${err.message})`)
      }
      return null
    }
    const jsFormat = JS_FORMAT[format]
    // An undecided 'typescript' file is parsed as a module when it has import/export.
    const sourceType = jsFormat === 'commonjs' ? 'commonjs' : jsFormat === 'module' ? 'module' : 'unambiguous'
    return { source: files.instrument(code, filename, sourceType), format: jsFormat }
  }

  return { instrument }
}

module.exports = { isTypeScriptFormat, createTypeScriptInstrumenter }
