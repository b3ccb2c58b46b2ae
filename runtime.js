'use strict'
// The JS half of the runtime: test contexts carried by AsyncLocalStorage, and
// the per-file resolvers that instrumented code calls once per function
// invocation to get the current test's counter table (a Uint32Array over
// Rust memory).

const { AsyncLocalStorage } = require('node:async_hooks')

const RUNTIME_GLOBAL = '__cov_als_native__'
// Counts made outside any test context (module initialisation, unscoped timers).
const STARTUP_ID = 'startup'

class InstrumentError extends SyntaxError {
  constructor(file, line, column, reason) {
    super(`${file}:${line}:${column}: ${reason}`)
    this.name = 'InstrumentError'
    this.code = 'COV_ALS_PARSE_ERROR'
    this.file = file
    this.line = line
    this.column = column
    this.reason = reason
  }
}

function checkTestId(testId) {
  if (typeof testId !== 'string' || testId.length === 0) {
    throw new TypeError(`cov-als-native: a test id must be a non-empty string, got ${typeof testId === 'string' ? '""' : typeof testId}`)
  }
}

// Istanbul's truthiness rule for `bT` counters (reportLogic): empty arrays
// and empty plain objects do not count as true.
function countTruthy(table, slot, value) {
  if (
    value &&
    (!Array.isArray(value) || value.length) &&
    (Object.getPrototypeOf(value) !== Object.prototype || Object.values(value).length)
  ) {
    table[slot]++
  }
  return value
}

// `R.y(yield x, C = R())`: hand back the value the generator resumed with.
function resumeValue(value) {
  return value
}

function createRuntime(native) {
  const als = new AsyncLocalStorage()

  class TestContext {
    constructor(id) {
      this.id = id
      // Counter table per file id, created on first touch.
      this.tables = []
    }

    table(fileId) {
      const table = native.createTable(this.id, fileId)
      this.tables[fileId] = table
      return table
    }
  }

  const contexts = new Map()
  let startup = new TestContext(STARTUP_ID)

  function contextFor(testId) {
    if (testId === STARTUP_ID) return startup
    let ctx = contexts.get(testId)
    if (!ctx) {
      ctx = new TestContext(testId)
      contexts.set(testId, ctx)
    }
    return ctx
  }

  // After a flush the test starts afresh: new work gets new tables, while
  // work still in flight keeps its old context and its counts reach the next flush.
  function forget(testId) {
    if (testId === STARTUP_ID) startup = new TestContext(STARTUP_ID)
    else contexts.delete(testId)
  }

  // Called by each instrumented file's header.
  function file(fileId, hash) {
    const registered = native.fileHash(fileId)
    if (registered !== hash) {
      throw new Error(
        `cov-als-native: instrumented code names file id ${fileId}, which this process did not instrument ` +
          '(was the code instrumented in another process, or by another copy of cov-als-native?)',
      )
    }
    const resolve = () => {
      const ctx = als.getStore() || startup
      return ctx.tables[fileId] || ctx.table(fileId)
    }
    resolve.y = resumeValue
    resolve.t = countTruthy
    return resolve
  }

  function instrument(code, filename, options = {}) {
    if (typeof code !== 'string') throw new TypeError('cov-als-native: instrument(code, filename): code must be a string')
    if (typeof filename !== 'string' || filename.length === 0) {
      throw new TypeError('cov-als-native: instrument(code, filename): filename must be a non-empty string')
    }
    if (options === null || typeof options !== 'object') throw new TypeError('cov-als-native: options must be an object')
    const { inputSourceMap } = options
    let sourceType = options.sourceType
    if (sourceType === undefined && options.esModules !== undefined) sourceType = options.esModules ? 'module' : 'script'
    const result = native.instrument(code, filename, {
      sourceType,
      reportLogic: options.reportLogic,
      ignoreClassMethods: options.ignoreClassMethods,
      inputSourceMap:
        inputSourceMap == null ? undefined : typeof inputSourceMap === 'string' ? inputSourceMap : JSON.stringify(inputSourceMap),
      composeSourceMap: options.composeSourceMap,
      sourceMap: options.sourceMap,
    })
    if (result.error) throw new InstrumentError(filename, result.error.line, result.error.column, result.error.message)
    return {
      code: result.code,
      map: result.map ? JSON.parse(result.map) : undefined,
      fileId: result.fileId ?? null,
    }
  }

  function run(testId, fn, ...args) {
    checkTestId(testId)
    if (typeof fn !== 'function') throw new TypeError('cov-als-native: run(testId, fn): fn must be a function')
    return als.run(contextFor(testId), fn, ...args)
  }

  function flushJson(testId) {
    checkTestId(testId)
    const json = native.flushJson(testId)
    forget(testId)
    return json
  }

  function peekJson(testId) {
    checkTestId(testId)
    return native.peekJson(testId)
  }

  function reset(testId) {
    checkTestId(testId)
    native.reset(testId)
    forget(testId)
  }

  const api = {
    STARTUP_ID,
    InstrumentError,
    instrument,
    run,
    flush: (testId) => JSON.parse(flushJson(testId)),
    flushJson,
    peek: (testId) => JSON.parse(peekJson(testId)),
    peekJson,
    reset,
    tests: () => native.pendingTests(),
    currentTestId: () => als.getStore()?.id,
    // Run `fn` outside any test: its counts go to the startup bucket.
    runUnattributed: (fn, ...args) => als.exit(fn, ...args),
    // Make instrumented code runnable inside a `vm` context.
    exposeTo(context) {
      context[RUNTIME_GLOBAL] = globalThis[RUNTIME_GLOBAL]
      return context
    },
  }
  return { api, file }
}

module.exports = { createRuntime, RUNTIME_GLOBAL, STARTUP_ID, InstrumentError }
