'use strict'
// The JS half of the runtime: test contexts carried by AsyncLocalStorage, and
// the per-file resolvers that instrumented code calls once per function
// invocation to get the current test's counter table (a Uint32Array over
// Rust memory).

const { AsyncLocalStorage, AsyncResource } = require('node:async_hooks')
const vm = require('node:vm')

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

function checkTestId(testId) {
  if (typeof testId !== 'string' || testId.length === 0) {
    throw new TypeError(`cov-als-native: a test id must be a non-empty string, got ${typeof testId === 'string' ? '""' : typeof testId}`)
  }
}

// The native side keys tests by UTF-8 strings, which cannot hold a lone
// surrogate. Such ids (and ids starting with NUL, to keep the mapping
// one-to-one) travel as NUL + an escaped form.
function toNativeId(testId) {
  if (testId.isWellFormed() && testId[0] !== '\0') return testId
  return '\0' + escapeLone(testId)
}

function fromNativeId(key) {
  if (key[0] !== '\0') return key
  return key.slice(1).replace(/\\(\\|u([0-9a-f]{4}))/g, (_, esc, hex) => (hex ? String.fromCharCode(parseInt(hex, 16)) : '\\'))
}

// Escape backslashes and lone surrogates; valid surrogate pairs stay as they are.
function escapeLone(testId) {
  let out = ''
  for (let i = 0; i < testId.length; i++) {
    const c = testId.charCodeAt(i)
    const next = testId.charCodeAt(i + 1)
    if (c >= 0xd800 && c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      out += testId[i] + testId[i + 1]
      i++
    } else if (c >= 0xd800 && c <= 0xdfff) out += `\\u${c.toString(16)}`
    else if (c === 0x5c) out += '\\\\'
    else out += testId[i]
  }
  return out
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

// Istanbul's truthiness rule for `bT` counters (reportLogic): empty arrays
// and empty plain objects do not count as true.
function countTruthy(table, slot, value) {
  if (value && (!Array.isArray(value) || value.length) && (Object.getPrototypeOf(value) !== Object.prototype || Object.values(value).length)) {
    table[slot]++
  }
  return value
}

// `R.y(yield x, C = R())`: hand back the value the generator resumed with.
function resumeValue(value) {
  return value
}

function createRuntime(native) {
  // Shared with the Rust side, which defines them (src/lib.rs).
  // STARTUP_ID: counts made outside any test context (module initialisation, unscoped timers).
  const { RUNTIME_GLOBAL, HEADER_MARKER, STARTUP_ID } = native
  const als = new AsyncLocalStorage()

  // The entry cache (docs/function-entry.md): `c` is the current test
  // context while an instrumented frame that took it is on the stack, else
  // undefined. Instrumented code reads it at function entry instead of
  // calling getStore(), and restores it at exit and before each suspension
  // point (`s`). Invariant: `c` is undefined or the context getStore() would
  // give; so everything that switches the async context synchronously
  // empties or sets it for the duration (switching() below, run, bind).
  const cache = {
    c: undefined,
    // `await E.s(x, P, P = void 0)`: hand the cache back before suspending.
    s(value, prev) {
      cache.c = prev
      return value
    },
  }

  // Module initialisation (docs/function-entry.md): each instrumented file's
  // top-level code runs between `R.b()` (its header) and `R.e(token)` (after
  // its last statement). With initToStartup, the entry cache points at the
  // startup context in between, so the file's synchronous initialisation and
  // everything it calls counts into startup, whichever test's request loaded
  // it first. Off until setModuleInit('startup') (the preload's default): code
  // evaluated inside run() by hand counts for that test.
  // `inits` holds [token, cache before] pairs, innermost last.
  let initToStartup = false
  const inits = []
  let lastInit = 0
  let checkQueued = false
  function beginInit() {
    if (!initToStartup) return 0
    const token = ++lastInit
    inits.push(token, cache.c)
    cache.c = startup
    if (!checkQueued) {
      checkQueued = true
      queueMicrotask(checkInits)
    }
    return token
  }
  // Also ends the inits nested in this one that never reached their end
  // (they threw, and this file caught it); a token no longer held (cleared
  // by checkInits) ends nothing.
  function endInit(token) {
    for (let i = inits.length - 2; i >= 0 && token; i -= 2) {
      if (inits[i] === token) {
        cache.c = inits[i + 1]
        inits.length = i
        return
      }
    }
  }
  // Once the job that began an init is over: an init still open there threw
  // past every file that began one, returned early (CommonJS top-level
  // `return`) or awaits (top-level await); no instrumented frame is on the
  // stack at a microtask checkpoint, so the cache is empty again.
  function checkInits() {
    checkQueued = false
    if (inits.length === 0) return
    inits.length = 0
    cache.c = undefined
  }
  // Run `evaluate` (a module loader evaluating one file): the inits it
  // leaves open (a throw it lets through, a top-level `return`) end with it,
  // at once instead of at the next microtask checkpoint.
  function initialising(evaluate) {
    const depth = inits.length
    try {
      return evaluate()
    } finally {
      if (inits.length > depth) {
        cache.c = inits[depth + 1]
        inits.length = depth
      }
    }
  }
  // Where module initialisation counts: 'startup' or 'test' (the test whose
  // request loaded the module; the default of the runtime alone).
  function setModuleInit(where) {
    if (where !== 'startup' && where !== 'test') {
      throw new TypeError(`cov-als-native: setModuleInit(where): where must be 'startup' or 'test', got ${JSON.stringify(where)}`)
    }
    initToStartup = where === 'startup'
  }

  // Calls that run code in another async context, or drain microtasks or
  // can terminate it (vm), synchronously: empty the cache for the duration.
  function switching(owner, name) {
    const original = owner[name]
    if (typeof original !== 'function' || original.covAlsSwitching) return
    const wrapped = {
      [name](...args) {
        const saved = cache.c
        cache.c = undefined
        try {
          return Reflect.apply(original, this, args)
        } finally {
          cache.c = saved
        }
      },
    }[name]
    Object.defineProperty(wrapped, 'length', { value: original.length })
    Object.defineProperty(wrapped, 'covAlsSwitching', { value: true })
    Object.defineProperty(owner, name, { value: wrapped, writable: true, configurable: true, enumerable: false })
  }
  // AsyncResource.bind, AsyncLocalStorage.bind/snapshot and
  // EventEmitterAsyncResource all go through runInAsyncScope (Node 20-26).
  switching(AsyncResource.prototype, 'runInAsyncScope')
  // Microtasks of a context with microtaskMode 'afterEvaluate' run at the end
  // of these calls; a timeout terminates the script without running finally blocks.
  for (const name of ['runInContext', 'runInNewContext', 'runInThisContext']) switching(vm.Script.prototype, name)
  // Runs pending ticks and microtasks synchronously.
  switching(process, '_tickCallback')
  // An HTTP parser fed from JavaScript (a server on a JavaScript stream, a
  // client) calls its callbacks from C++ in the parser's own async context.
  const { HTTPParser } = require('node:_http_common')
  for (const name of ['execute', 'finish']) switching(HTTPParser.prototype, name)

  class TestContext {
    constructor(id) {
      this.id = id
      // Counter table per file id, created on first touch.
      this.tables = []
    }

    table(fileId) {
      const table = native.createTable(toNativeId(this.id), fileId)
      this.tables[fileId] = table
      return table
    }
  }

  const contexts = new Map()
  let startup = new TestContext(STARTUP_ID)
  // Set once tables live in a memory-mapped arena (live.open): every flush
  // then goes through the run store's marks and gathers the run's other
  // processes (docs/crash-safety.md).
  let live = false

  // A live answer holds other processes' counts as units to merge by path.
  const warned = new Set()
  function coverageOf(answer) {
    if (answer.warning && !warned.has(answer.warning)) {
      warned.add(answer.warning)
      process.emitWarning(`cov-als-native: ${answer.warning}`, 'CovAlsWarning')
    }
    return answer.units ? JSON.stringify(require('./lib/store').toCoverageMap(JSON.parse(answer.units))) : answer.coverage
  }

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
    // `R()`: the current table (the cache, else a lookup). `R(P, 1)` at a
    // function entry: the table of context P, or of a lookup when P is
    // empty; the context becomes the cache for the frames it calls.
    const resolve = (prev, enter) => {
      const ctx = prev || cache.c || als.getStore() || startup
      const table = ctx.tables[fileId] || ctx.table(fileId)
      if (enter) cache.c = ctx
      return table
    }
    resolve.y = resumeValue
    resolve.t = countTruthy
    resolve.b = beginInit
    resolve.e = endInit
    return resolve
  }

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

  function run(testId, fn, ...args) {
    checkTestId(testId)
    if (typeof fn !== 'function') throw new TypeError('cov-als-native: run(testId, fn): fn must be a function')
    const ctx = contextFor(testId)
    const saved = cache.c
    cache.c = ctx
    try {
      return als.run(ctx, fn, ...args)
    } finally {
      cache.c = saved
    }
  }

  // als.exit(fn), with the cache emptied for the duration.
  function unattributed(fn, ...args) {
    const saved = cache.c
    cache.c = undefined
    try {
      return als.exit(fn, ...args)
    } finally {
      cache.c = saved
    }
  }

  // In a live run a flush outside the store still marks what it reported
  // ("reset": marks without hits), so recovery never reports it again.
  function flushJson(testId) {
    checkTestId(testId)
    const json = live ? coverageOf(native.liveFlush(toNativeId(testId), 'reset', false)) : native.flushJson(toNativeId(testId))
    forget(testId)
    return json
  }

  function peekJson(testId) {
    checkTestId(testId)
    return live ? coverageOf(native.liveFlush(toNativeId(testId), 'peek', false)) : native.peekJson(toNativeId(testId))
  }

  function reset(testId) {
    checkTestId(testId)
    if (live) native.liveFlush(toNativeId(testId), 'reset', false)
    else native.reset(toNativeId(testId))
    forget(testId)
  }

  const api = {
    STARTUP_ID,
    HEADER_MARKER,
    InstrumentError,
    instrument,
    run,
    flush: (testId) => JSON.parse(flushJson(testId)),
    flushJson,
    peek: (testId) => JSON.parse(peekJson(testId)),
    peekJson,
    reset,
    tests: () => (live ? native.livePending() : native.pendingTests()).map(fromNativeId),
    // Crash-safe tables (lib/live.js): open before any file is instrumented.
    live: {
      open(outDir) {
        const opened = native.liveOpen(outDir)
        live = true
        return opened
      },
      close: () => native.liveClose(),
      recover: (outDir, force = false) => native.liveRecover(outDir, force),
      get active() {
        return live
      },
    },
    // The run store (lib/store.js): test ids cross as native ids both ways.
    store: {
      // Flush into the store at `db`; answers { coverage (JSON text), error }.
      flush(db, testId, touchedOnly = false) {
        checkTestId(testId)
        const answer = native.storeFlush(db, toNativeId(testId), touchedOnly)
        forget(testId)
        return { coverage: coverageOf(answer), error: answer.error, warning: answer.warning }
      },
      record: (db, testId, part, json) => native.storeRecordIstanbul(db, toNativeId(testId), part, json),
      export: (db, testIds, part, allUnits) => native.storeExport(db, testIds ? testIds.map(toNativeId) : null, part || null, allUnits),
      tests: (db) => native.storeTests(db).map(fromNativeId),
      merge: (into, from) => native.storeMerge(into, from),
      close: (db) => native.storeClose(db),
      which: (db, file, from, to, spans = false) => {
        const json = native.storeWhich(db, file, from, to, spans)
        return json === null ? null : JSON.parse(json).map((c) => ({ ...c, test: fromNativeId(c.test) }))
      },
      // { tests: [id...], lines: JSON text of [[line, [[test index, halves, statements, branches, functions, hits]...]]...] } or null.
      lineTests: (db, file) => {
        const answer = native.storeLineTests(db, file)
        return answer === null ? null : { tests: answer.tests.map(fromNativeId), lines: answer.lines }
      },
      paths: (db) => native.storePaths(db),
      // [{ test, exact, server, browser, total: [[path, [9 totals]]...], lines: [[path, [line...]]...] }] (cov_core::store::summary).
      testSummaries: (db) => JSON.parse(native.storeTestSummaries(db)).map((s) => ({ ...s, test: fromNativeId(s.test) })),
      redundant: (db, ignore) => JSON.parse(native.storeRedundant(db, ignore.map(toNativeId))).map((r) => ({ ...r, test: fromNativeId(r.test) })),
    },
    currentTestId: () => als.getStore()?.id,
    // Run `fn` outside any test: its counts go to the startup bucket.
    runUnattributed: unattributed,
    setModuleInit,
    initialising,
    // `fn`, bound to the current test context (only ours: unlike
    // AsyncResource.bind it leaves the app's own async contexts alone, and
    // it is much cheaper). For work queued outside the request's async chain.
    bind(fn) {
      if (typeof fn !== 'function') throw new TypeError('cov-als-native: bind(fn): fn must be a function')
      const store = als.getStore()
      return function covAlsBound(...args) {
        if (store === undefined) return unattributed(Reflect.apply, fn, this, args)
        const saved = cache.c
        cache.c = store
        try {
          return als.run(store, Reflect.apply, fn, this, args)
        } finally {
          cache.c = saved
        }
      }
    },
    // Make instrumented code runnable inside a `vm` context.
    exposeTo(context) {
      context[RUNTIME_GLOBAL] = globalThis[RUNTIME_GLOBAL]
      return context
    },
  }
  return { api, file, cache }
}

module.exports = { createRuntime, InstrumentError }
