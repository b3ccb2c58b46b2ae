'use strict'
// instrument(): the checked JS face of the native instrumenter, for the
// server runtime and the build plugins alike (it installs nothing: a build
// that instruments client modules is no instrumented server).

const native = require('./native')

class InstrumentError extends SyntaxError {
  constructor(file, line, column, reason, code = 'COV_ALS_PARSE_ERROR') {
    super(code === 'COV_ALS_SOURCE_MAP_ERROR' ? `${file}: ${reason}` : `${file}:${line}:${column}: ${reason}`)
    this.name = 'InstrumentError'
    // COV_ALS_PARSE_ERROR: the code does not parse; COV_ALS_SOURCE_MAP_ERROR: the input map is unusable;
    // COV_ALS_TOKEN_CHANGED: checkTokens found that the output would not keep every input token (our bug).
    this.code = code
    this.file = file
    this.line = line
    this.column = column
    this.reason = reason
  }
}

const OPTION_TYPES = {
  sourceType: (v) => ['unambiguous', 'module', 'script', 'commonjs'].includes(v) || 'one of "unambiguous", "module", "script", "commonjs"',
  esModules: (v) => typeof v === 'boolean' || 'a boolean',
  reportLogic: (v) => typeof v === 'boolean' || 'a boolean',
  ignoreClassMethods: (v) => (Array.isArray(v) && v.every((s) => typeof s === 'string')) || 'an array of strings',
  inputSourceMap: (v) => typeof v === 'string' || (typeof v === 'object' && v !== null) || 'a source map object or its JSON text',
  composeSourceMap: (v) => typeof v === 'boolean' || 'a boolean',
  sourceMap: (v) => typeof v === 'boolean' || 'a boolean',
  browser: (v) => typeof v === 'boolean' || 'a boolean',
  supersedes: (v) => (Number.isInteger(v) && v >= 0) || 'a file id from an earlier instrument() (a non-negative integer)',
  checkTokens: (v) => typeof v === 'boolean' || 'a boolean',
}

// The native error kinds, as InstrumentError codes.
const ERROR_CODES = { parse: 'COV_ALS_PARSE_ERROR', sourceMap: 'COV_ALS_SOURCE_MAP_ERROR', tokenChanged: 'COV_ALS_TOKEN_CHANGED' }

function checkOptions(options) {
  if (options === null || typeof options !== 'object') throw new TypeError('cov-als-native: options must be an object')
  for (const [name, value] of Object.entries(options)) {
    const check = OPTION_TYPES[name]
    if (!check) throw new TypeError(`cov-als-native: unknown instrument option "${name}"; known: ${Object.keys(OPTION_TYPES).join(', ')}`)
    const ok = value === undefined || (name === 'inputSourceMap' && value === null) || check(value)
    if (ok !== true) throw new TypeError(`cov-als-native: option ${name} must be ${ok}, got ${JSON.stringify(value)}`)
  }
}

/** Instrument `code` of `filename`: { code, map, fileId }; throws InstrumentError for code or a map it cannot use. */
function instrument(code, filename, options = {}) {
  if (typeof code !== 'string') throw new TypeError('cov-als-native: instrument(code, filename): code must be a string')
  if (typeof filename !== 'string' || filename.length === 0) {
    throw new TypeError('cov-als-native: instrument(code, filename): filename must be a non-empty string')
  }
  checkOptions(options)
  const { inputSourceMap } = options
  let sourceType = options.sourceType
  if (sourceType === undefined && options.esModules !== undefined) sourceType = options.esModules ? 'module' : 'script'
  const result = native.instrument(code, filename, {
    sourceType,
    reportLogic: options.reportLogic,
    ignoreClassMethods: options.ignoreClassMethods,
    inputSourceMap: inputSourceMap == null ? undefined : typeof inputSourceMap === 'string' ? inputSourceMap : JSON.stringify(inputSourceMap),
    composeSourceMap: options.composeSourceMap,
    sourceMap: options.sourceMap,
    browser: options.browser,
    supersedes: options.supersedes,
    checkTokens: options.checkTokens,
  })
  if (result.error) {
    const code = ERROR_CODES[result.error.kind] || 'COV_ALS_PARSE_ERROR'
    throw new InstrumentError(filename, result.error.line, result.error.column, result.error.message, code)
  }
  return {
    code: result.code,
    map: result.map ? JSON.parse(result.map) : undefined,
    fileId: result.fileId ?? null,
  }
}

module.exports = { instrument, InstrumentError, HEADER_MARKER: native.HEADER_MARKER }
