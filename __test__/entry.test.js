'use strict'
// Soundness of the function-entry cache (docs/function-entry.md): counts go
// to exactly the test that AsyncLocalStorage names when the code runs.
//
// Oracle: the instrumented `leaf()` asks the runtime which test it runs in
// (cov.currentTestId(), a real getStore()) and records it; every test then
// checks that each test id's count of `leaf` equals the number of times
// leaf ran under that id. A few controls instrument the same code with one
// piece of the entry protocol removed and show that the scenario then
// misattributes, so that each scenario really exercises its condition.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const vm = require('node:vm')
const http = require('node:http')
const { duplexPair } = require('node:stream')
const { AsyncLocalStorage, AsyncResource } = require('node:async_hooks')
const { EventEmitterAsyncResource } = require('node:events')
const { cov, load, entry, fnKey } = require('./helpers.js')

const { run, flush, STARTUP_ID } = cov

const SRC = `'use strict'
function leaf() { globalThis.__entryProbe(); return 1 }
// An instrumented caller: while it runs, the entry cache holds its context.
function callWith(fn, ...args) { const r = fn(...args); leaf(); return r }
function thrower() { leaf(); throw new Error('boom') }
async function awaits(p) { await p; return leaf() }
async function awaitsTwice(p, q) { await p; leaf(); await q; return leaf() }
async function rejects(p) { try { await p } catch (e) { leaf() } finally { leaf() } return leaf() }
function outerAwaits(p) { return awaits(p) }
function* gen() { leaf(); const x = yield 1; leaf(); try { yield 2 } finally { leaf() } return x }
function startGen() { const g = gen(); g.next(); return g }
async function* agen(p) { leaf(); yield 1; await p; leaf(); yield 2; return leaf() }
async function forAwait(it) { let n = 0; for await (const x of it) { n += x; leaf() } leaf(); return n }
function runIn(script, context, options) { return script.runInContext(context, options) }
function spin() { for (;;) {} }
module.exports = { leaf, callWith, thrower, awaits, awaitsTwice, rejects, outerAwaits, gen, startGen, agen, forAwait, runIn, spin }
`

let seen = []
globalThis.__entryProbe = () => seen.push(cov.currentTestId() ?? STARTUP_ID)

let n = 0
// A fresh copy of the module (its own file, so counts start at zero), or,
// with `mutate`, of its instrumented code changed by `mutate`.
function fresh(mutate) {
  const file = `/virtual/entry-${++n}.js`
  if (!mutate) return { file, m: load(SRC, file).exports }
  const out = cov.instrument(SRC, file, { sourceType: 'commonjs' })
  const code = mutate(out.code)
  assert.notEqual(code, out.code, 'the control changes the instrumented code')
  const mod = { exports: {} }
  new Function('module', 'exports', 'require', code)(mod, mod.exports, require)
  return { file, m: mod.exports }
}

// leaf's count per test id, as flushed, against what leaf saw.
function leafCounts(file, ids) {
  const got = {}
  for (const id of ids) {
    const fc = entry(flush(id), file)
    got[id] = fc.f[fnKey(fc, 'leaf')]
  }
  const want = Object.fromEntries(ids.map((id) => [id, seen.filter((s) => s === id).length]))
  return { got, want }
}

function assertExact(file, ids) {
  const { got, want } = leafCounts(file, ids)
  assert.deepEqual(got, want, `leaf counted per test (got) vs where it ran (want), seen: ${seen.join(', ')}`)
  return got
}

function reset() {
  seen = []
  flush(STARTUP_ID)
}

// A control leaves a stale value in the cache on purpose: empty it before
// the test ends (the test runner's own runInAsyncScope would restore it).
function control(name, fn) {
  test(`control: ${name}`, async () => {
    reset()
    try {
      await fn()
    } finally {
      globalThis.__cov_als_native__.h.c = undefined
    }
  })
}

const tick = () => new Promise((resolve) => setImmediate(resolve))

// A job that resumes an async function of A (called from instrumented code,
// so it took A's cache) and then, in the same microtask drain, B's code.
async function asyncThenOtherJob(m) {
  let resolveA, resolveB
  const pA = new Promise((r) => (resolveA = r))
  const pB = new Promise((r) => (resolveB = r))
  const a = run('A', () => m.outerAwaits(pA))
  const b = run('B', () => pB.then(() => m.leaf()))
  resolveA()
  resolveB()
  await Promise.all([a, b])
}

test('an async function of A completing in a microtask drain does not hand A to the next job (B)', async () => {
  reset()
  const { file, m } = fresh()
  await asyncThenOtherJob(m)
  assert.deepEqual(assertExact(file, ['A', 'B', STARTUP_ID]), { A: 1, B: 1, [STARTUP_ID]: 0 })
})

control('without forgetting the cache at the await, B’s job counts for A', async () => {
  const { file, m } = fresh((code) => code.replace(/, (__cov_\w+_p) = void 0\)/g, ')'))
  await asyncThenOtherJob(m)
  const { got } = leafCounts(file, ['A', 'B'])
  assert.deepEqual(got, { A: 2, B: 0 })
})

test('each await re-takes the async function’s own context; rejected awaits too, in catch and finally', async () => {
  reset()
  const { file, m } = fresh()
  const gates = () => {
    let open
    const p = new Promise((r) => (open = r))
    return { p, open }
  }
  const [p, q] = [gates(), gates()]
  const a = run('A', () => m.callWith(() => m.awaitsTwice(p.p, q.p)))
  const rejected = Promise.reject(new Error('no'))
  rejected.catch(() => {})
  const c = run('C', () => m.callWith(() => m.rejects(rejected)))
  // B's code runs between A's resumptions, from jobs of its own.
  await run('B', async () => {
    p.open()
    await tick()
    m.leaf()
    q.open()
    await tick()
    m.callWith(m.leaf)
  })
  await Promise.all([a, c])
  assert.deepEqual(assertExact(file, ['A', 'B', 'C', STARTUP_ID]), { A: 3, B: 3, C: 4, [STARTUP_ID]: 0 })
})

test('a throw unwinds the cache: the next job (B) does not count for A', async () => {
  reset()
  const { file, m } = fresh()
  // Outside run(): the thrower is the first instrumented frame of its job.
  await run('A', () => new Promise((resolve) => setImmediate(() => (assert.throws(() => m.thrower()), resolve()))))
  await run('B', () => new Promise((resolve) => setImmediate(() => (m.leaf(), resolve()))))
  assert.deepEqual(assertExact(file, ['A', 'B']), { A: 1, B: 1 })
})

control('without the finally, a throw leaves A in the cache for B’s job', async () => {
  const { file, m } = fresh((code) => code.replace(/finally \{ __cov_als_native__\.h\.c = __cov_\w+_p; \}/g, 'finally {}'))
  await run('A', () => new Promise((resolve) => setImmediate(() => (assert.throws(() => m.thrower()), resolve()))))
  await run('B', () => new Promise((resolve) => setImmediate(() => (m.leaf(), resolve()))))
  assert.deepEqual(leafCounts(file, ['A', 'B']).got, { A: 2, B: 0 })
})

test('a generator resumed in another test’s context counts there, through next(), return() and an instrumented caller', async () => {
  reset()
  const { file, m } = fresh()
  // Started by an instrumented caller in A: it took A's cache, then yielded.
  const g = run('A', () => m.callWith(m.startGen))
  const h = run('A', () => m.startGen())
  // Resumed from a job of B by uninstrumented code, then B's own code runs.
  await run('B', () => new Promise((resolve) => setImmediate(() => (g.next('x'), m.leaf(), resolve()))))
  // Resumed by an instrumented caller in C; finished by return() in D.
  run('C', () => m.callWith(() => h.next()))
  await run('D', () => new Promise((resolve) => setImmediate(() => (h.return(), g.return(), m.leaf(), resolve()))))
  assert.deepEqual(assertExact(file, ['A', 'B', 'C', 'D', STARTUP_ID]), { A: 3, B: 2, C: 2, D: 3, [STARTUP_ID]: 0 })
  // The control's scenario, unchanged code: return() right after the first yield.
  reset()
  const k = run('A', () => m.callWith(m.startGen))
  await run('B', () => new Promise((resolve) => setImmediate(() => (k.return(), m.leaf(), resolve()))))
  assert.deepEqual(assertExact(file, ['A', 'B']), { A: 2, B: 1 })
})

control('a generator that keeps its entry value across a yield hands A to B’s job when B calls return()', async () => {
  const { file, m } = fresh((code) => code.replace(/\.s\(1, (__cov_\w+_p), \1 = void 0\)/, '.s(1, $1)'))
  const g = run('A', () => m.callWith(m.startGen))
  await run('B', () => new Promise((resolve) => setImmediate(() => (g.return(), m.leaf(), resolve()))))
  assert.deepEqual(leafCounts(file, ['A', 'B']).got, { A: 3, B: 0 })
})

test('async generators and for await: each resumption counts where it runs', async () => {
  reset()
  const { file, m } = fresh()
  let open
  const p = new Promise((r) => (open = r))
  const it = run('A', () => m.callWith(() => m.agen(p)))
  await run('A', () => it.next())
  const second = run('B', () => m.callWith(() => it.next()))
  await run('C', async () => {
    open()
    await tick()
    m.leaf()
  })
  await second
  await run('D', () => it.next())
  const sum = await run('E', () =>
    m.callWith(() =>
      m.forAwait(
        (async function* () {
          yield 1
          await tick()
          yield 2
        })(),
      ),
    ),
  )
  assert.equal(sum, 3)
  assert.deepEqual(assertExact(file, ['A', 'B', 'C', 'D', 'E', STARTUP_ID]), { A: 2, B: 2, C: 1, D: 1, E: 4, [STARTUP_ID]: 0 })
})

test('synchronous context switches inside instrumented code: run, bind, runUnattributed', () => {
  reset()
  const { file, m } = fresh()
  const boundToB = run('B', () => cov.bind(() => m.leaf()))
  const unbound = cov.bind(() => m.leaf())
  run('A', () => m.callWith(() => run('B', () => m.callWith(m.leaf))))
  run('A', () => m.callWith(boundToB))
  run('A', () => m.callWith(unbound))
  run('A', () => m.callWith(() => cov.runUnattributed(() => m.callWith(m.leaf))))
  assert.deepEqual(assertExact(file, ['A', 'B', STARTUP_ID]), { A: 4, B: 3, [STARTUP_ID]: 3 })
})

test('synchronous context switches inside instrumented code: AsyncResource, AsyncLocalStorage.bind/snapshot, EventEmitterAsyncResource', () => {
  reset()
  const { file, m } = fresh()
  const resource = run('B', () => new AsyncResource('entry-test'))
  const bound = run('B', () => AsyncResource.bind(() => m.leaf()))
  const alsBound = run('B', () => AsyncLocalStorage.bind(() => m.leaf()))
  const snapshot = run('B', () => AsyncLocalStorage.snapshot())
  const emitter = run('B', () => new EventEmitterAsyncResource({ name: 'entry-test' }))
  emitter.on('go', () => m.leaf())
  run('A', () => m.callWith(() => resource.runInAsyncScope(() => m.callWith(m.leaf))))
  run('A', () => m.callWith(bound))
  run('A', () => m.callWith(alsBound))
  run('A', () => m.callWith(() => snapshot(() => m.leaf())))
  run('A', () => m.callWith(() => emitter.emit('go')))
  assert.deepEqual(assertExact(file, ['A', 'B', STARTUP_ID]), { A: 5, B: 6, [STARTUP_ID]: 0 })
})

test('the app’s own AsyncLocalStorage run/enterWith/exit do not change the test context, and leave the cache exact', async () => {
  reset()
  const { file, m } = fresh()
  const appAls = new AsyncLocalStorage()
  run('A', () => m.callWith(() => appAls.run({ user: 1 }, () => m.callWith(m.leaf))))
  run('A', () => m.callWith(() => appAls.exit(() => m.leaf())))
  await run('B', () =>
    m.callWith(async () => {
      appAls.enterWith({ user: 2 })
      m.leaf()
      await tick()
      m.callWith(m.leaf)
      assert.deepEqual(appAls.getStore(), { user: 2 })
    }),
  )
  assert.deepEqual(assertExact(file, ['A', 'B', STARTUP_ID]), { A: 5, B: 4, [STARTUP_ID]: 0 })
})

test('vm: microtasks drained at the end of runInContext (microtaskMode afterEvaluate) count for their own test', async () => {
  reset()
  const { file, m } = fresh()
  const context = cov.exposeTo(vm.createContext({ leaf: m.leaf }, { microtaskMode: 'afterEvaluate' }))
  // In A: a reaction in the context's own queue, waiting for `open`.
  run('A', () => new vm.Script('var open; new Promise((r) => (open = r)).then(() => leaf())').runInContext(context))
  // In B, from instrumented code: open it; the drain at the end of this
  // runInContext runs A's reaction.
  run('B', () => m.callWith(() => m.runIn(new vm.Script('open()'), context)))
  const where = seen.slice()
  assert.equal(where.length, 2)
  assert.deepEqual(assertExact(file, ['A', 'B', STARTUP_ID]), { A: where.filter((s) => s === 'A').length, B: 1, [STARTUP_ID]: 0 })
})

test('vm: a script terminated by its timeout leaves the cache as it was', async () => {
  reset()
  const { file, m } = fresh()
  const context = cov.exposeTo(vm.createContext({ spin: m.spin }))
  const script = new vm.Script('spin()')
  // From the first instrumented frame of A's job: spin() takes A's cache, then is terminated.
  await run(
    'A',
    () => new Promise((resolve) => setImmediate(() => (assert.throws(() => script.runInContext(context, { timeout: 50 }), /timed out/), resolve()))),
  )
  await run('B', () => new Promise((resolve) => setImmediate(() => (m.leaf(), resolve()))))
  assert.deepEqual(assertExact(file, ['A', 'B']), { A: 0, B: 1 })
  assert.equal(entry(flush('A'), file).f[fnKey(entry(cov.peek('A'), file), 'spin')], 0, 'spin was counted once, already flushed')
})

test('process._tickCallback run from instrumented code: the ticks it runs count for their own test', () => {
  reset()
  const { file, m } = fresh()
  run('B', () => process.nextTick(() => m.leaf()))
  run('A', () => m.callWith(() => process._tickCallback()))
  assert.deepEqual(assertExact(file, ['A', 'B']), { A: 1, B: 1 })
})

test('an HTTP parser fed synchronously from instrumented code of B runs the handler in its own context (A)', async () => {
  reset()
  const { file, m } = fresh()
  const server = http.createServer((req, res) => {
    m.leaf()
    res.end('ok')
  })
  const [client, serverSide] = duplexPair()
  // The connection, and so the parser's async context, belongs to A.
  run('A', () => server.emit('connection', serverSide))
  await tick()
  const answered = new Promise((resolve) => client.once('data', resolve))
  // B's instrumented code writes the request; the parser runs synchronously inside.
  run('B', () => m.callWith(() => client.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n')))
  await answered
  client.destroy()
  const where = seen.slice()
  assert.equal(where.filter((s) => s === 'B').length, 1, 'callWith ran in B')
  assert.equal(where.length, 2)
  assertExact(file, ['A', 'B', STARTUP_ID])
})

test('the entry protocol keeps the meaning of bodies: declarations, directives, returns, arguments, this', () => {
  reset()
  const src = `
function varAndFunction() { var g = 1; function g() {} return typeof g }
function strictDuplicates() { 'use strict'; function d() { return 1 } function d() { return 2 } return d() }
function hoisted() { return later(); function later() { return 'hoisted' } }
function directive() { 'use strict'; return this }
function args() { return arguments.length }
function finallyReturns() { try { return 1 } finally { leafless() } }
function leafless() {}
const empty = () => {}
function emptyStrict() { 'use strict' }
class K { constructor() { this.v = 1 } get x() { return this.v } static s() { return 's' } }
async function* nothing() { yield; yield* [1]; return }
module.exports = { varAndFunction, strictDuplicates, hoisted, directive, args, finallyReturns, empty, emptyStrict, K, nothing }
`
  const plain = { exports: {} }
  new Function('module', 'exports', src)(plain, plain.exports)
  const ours = load(src, `/virtual/entry-meaning-${++n}.js`).exports
  for (const k of ['varAndFunction', 'strictDuplicates', 'hoisted', 'args', 'finallyReturns', 'empty', 'emptyStrict']) {
    assert.deepEqual(
      run('M', () => ours[k](1, 2)),
      plain.exports[k](1, 2),
      k,
    )
  }
  const { directive } = ours
  assert.equal(directive(), undefined)
  assert.equal(new ours.K().x, 1)
  assert.equal(ours.K.s(), 's')
  assert.equal(typeof ours.nothing().next, 'function')
  assert.equal(globalThis.__cov_als_native__.h.c, undefined, 'nothing left in the cache')
  flush('M')
})

// Leaf functions (no call in their own frame) read the cache and never set
// it (docs/function-entry.md): code they run implicitly (a getter, valueOf) and
// the comparators a builtin calls still count where they run, as the first
// frame of a job or nested in another test's instrumented caller.
const LEAF_SRC = `'use strict'
function leaf() { globalThis.__entryProbe(); return 1 }
const probe = { get v() { return leaf() }, valueOf() { return leaf() } }
function readsGetter(o) { return o.v + o.v }
function addsValue(o) { return o + 1 }
function byId(a, b) { return a.id - b.id }
function callWith(fn, ...args) { const r = fn(...args); leaf(); return r }
module.exports = { leaf, probe, readsGetter, addsValue, byId, callWith }
`

test('leaf functions: implicit calls and builtin callbacks count where they run, first frame or nested', async () => {
  reset()
  const file = `/virtual/entry-leaf-${++n}.js`
  const m = load(LEAF_SRC, file).exports
  const code = cov.instrument(LEAF_SRC, file, { sourceType: 'commonjs' }).code
  assert.ok(!/function readsGetter\(o\) \{var \w+ = \w+\.h\.c; try/.test(code.replace(/__cov_als_native__/g, 'E')), 'readsGetter is a leaf')
  const items = [{ id: 3 }, { id: 1 }, { id: 2 }]
  // Interleaved jobs of A and B, each starting in uninstrumented code (an empty cache).
  const job = (id) =>
    new Promise((resolve) =>
      run(id, () =>
        setImmediate(() => {
          m.readsGetter(m.probe)
          m.addsValue(m.probe)
          setImmediate(resolve)
        }),
      ),
    )
  await Promise.all([job('A'), job('B'), job('A')])
  // Nested: B's instrumented caller runs A's leaf through a switch, and its own.
  run('B', () => m.callWith(() => run('A', () => m.readsGetter(m.probe))))
  run('A', () => m.callWith(() => items.slice().sort(m.byId)))
  // The comparator, called by Array.prototype.sort inside A's caller, counts in A only.
  const [inA, inB] = ['A', 'B'].map((id) => entry(cov.peek(id), file))
  assert.ok(inA.f[fnKey(inA, 'byId')] >= 2 && inB.f[fnKey(inB, 'byId')] === 0, JSON.stringify([inA.f, inB.f]))
  // Jobs: 3 per job (A twice, B once); nested: A 2 in B's caller, B 1, A 1 after the sort.
  assert.deepEqual(assertExact(file, ['A', 'B', STARTUP_ID]), { A: 9, B: 4, [STARTUP_ID]: 0 })
})

test('nothing is left in the cache between jobs', async () => {
  reset()
  const { m } = fresh()
  await run('A', () => m.callWith(() => m.awaits(tick())))
  await tick()
  assert.equal(globalThis.__cov_als_native__.h.c, undefined)
  flush('A')
})
