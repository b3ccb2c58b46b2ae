'use strict'
// The JS half of the runtime: test contexts carried by AsyncLocalStorage, and
// the per-file resolvers that instrumented code calls once per function
// invocation to get the current test's counter table (a Uint32Array over
// Rust memory).

const { AsyncLocalStorage, AsyncResource } = require('node:async_hooks')
const vm = require('node:vm')
const { instrument, InstrumentError } = require('../instrument')
const { checkTestId, toNativeId, fromNativeId } = require('../test-id')
const store = require('../store')

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
    return answer.units ? JSON.stringify(store.toCoverageMap(JSON.parse(answer.units))) : answer.coverage
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
    // Crash-safe tables (lib/arenas.js): open before any file is instrumented.
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
    // The run store by database path (lib/store.js wraps it by outDir).
    store: {
      // Flush into the store at `db`; answers { coverage (JSON text), error }.
      flush(db, testId, touchedOnly = false) {
        checkTestId(testId)
        const answer = native.storeFlush(db, toNativeId(testId), touchedOnly)
        forget(testId)
        return { coverage: coverageOf(answer), error: answer.error, warning: answer.warning }
      },
      ...store.byPath,
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

/**
 * The runtime of this JS realm: installed as the global that instrumented
 * code reaches on first call (the preload, `require('cov-als-native')`),
 * the one already there after. Returns its API.
 */
function installRuntime(native = require('../native')) {
  const installed = globalThis[native.RUNTIME_GLOBAL]
  if (installed && installed.api) return installed.api
  const { api, file, cache } = createRuntime(native)
  Object.defineProperty(globalThis, native.RUNTIME_GLOBAL, {
    // h: the entry cache that instrumented code reads as __cov_als_native__.h.
    value: Object.freeze({ file, api, h: cache }),
    enumerable: false,
    configurable: false,
    writable: false,
  })
  return api
}

module.exports = { createRuntime, installRuntime, InstrumentError }
