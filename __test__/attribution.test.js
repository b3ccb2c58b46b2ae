'use strict'
// Per-test attribution on one shared module: concurrent requests under
// distinct test ids must each get exactly the counts they would get alone.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const { cov, load, entry, counts, lineOf, fnKey, stmtCount, allZero } = require('./helpers.js')

const { run, flush, peek, reset, tests, STARTUP_ID, InstrumentError } = cov

// ---------------------------------------------------------------------------
// The shared "server" module. Every path it takes depends only on the request
// arguments (random delays change interleaving, never the path), so a request
// run alone is an exact oracle for the same request run concurrently.
const SHOP_SRC = `'use strict'
const DISCOUNT = 0.9 // @top
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const jitter = () => Math.floor(Math.random() * 3)

function price(item, qty) {
  if (qty > 10) return item.base * qty * DISCOUNT
  return item.base * qty
}

function label(kind) {
  switch (kind) {
    case 'book': return 'B'
    case 'food': return 'F'
    default: return '?'
  }
}

async function lookup(id) {
  await sleep(jitter())
  const kind = id % 3 === 0 ? 'book' : id % 3 === 1 ? 'food' : 'toy'
  return { id, base: (id % 7) + 1, kind }
}

function* pages(n) {
  for (let i = 0; i < n; i++) {
    yield i // @page
  }
}

async function* stream(ids) {
  for (const id of ids) {
    await sleep(jitter())
    yield await lookup(id)
  }
}

function audit(order, done) {
  const later = order.total > 50 ? setImmediate : (cb) => setTimeout(cb, jitter())
  later(() => {
    order.audited = true // @audited
    done(order.total > 50 ? 'big' : 'small')
  })
}

async function handle(req) {
  const items = []
  for await (const item of stream(req.ids)) {
    items.push(item) // @push
  }
  let total = 0
  for (const p of pages(req.pages)) total += p
  const priced = await Promise.resolve(items)
    .then((xs) => xs.map((x) => price(x, req.qty)))
    .then((ps) => ps.reduce((a, b) => a + b, 0))
  total += priced
  const tags = items.map((x) => label(x.kind)).join('')
  const verdict = await new Promise((resolve) => audit({ total }, resolve))
  if (req.coupon && total > 20) total -= 5
  return { total, tags, verdict }
}

module.exports = { handle, price, label, pages, stream }
`
const SHOP = '/virtual/shop.js'

// Module initialisation happens here, outside any run(): it counts into STARTUP_ID.
const shop = load(SHOP_SRC, SHOP).exports

// A deterministic, per-request argument mix so that reports differ.
function requestFor(n) {
  const len = 1 + (n % 4)
  return {
    ids: Array.from({ length: len }, (_, k) => n * 3 + k),
    pages: n % 5,
    qty: n % 3 === 0 ? 12 : (n % 5) + 1,
    coupon: n % 2 === 0,
  }
}

const N = 32

test('module initialisation outside run() counts into STARTUP_ID', () => {
  const fc = entry(flush(STARTUP_ID), SHOP)
  assert.equal(stmtCount(fc, lineOf(SHOP_SRC, '@top')), 1, 'top-level statement ran once at init')
  // Only declarations ran: no function body was entered during init.
  assert.ok(
    Object.values(fc.f).every((n) => n === 0),
    `no function ran at init: ${JSON.stringify(fc.f)}`,
  )
  // Flushed: a second flush of startup has nothing new for this file.
  assert.ok(allZero(entry(flush(STARTUP_ID), SHOP)))
})

test('32 interleaved requests get exactly the counts each gets alone', async () => {
  flush(STARTUP_ID) // start from a clean startup bucket (checked for leaks below)

  // Concurrent round: all 32 started at once, interleaving across awaits,
  // timers, promise chains, generators and setImmediate callbacks.
  const ids = Array.from({ length: N }, (_, n) => `conc-${n}`)
  const results = await Promise.all(ids.map((id, n) => run(id, () => shop.handle(requestFor(n)))))
  const concurrent = ids.map((id) => counts(entry(flush(id), SHOP)))

  // Nothing ran outside a test context, so nothing leaked into startup.
  assert.ok(allZero(entry(flush(STARTUP_ID), SHOP)), 'no request counted into the startup bucket')

  // Oracle: the same request, alone, under a fresh id.
  for (let n = 0; n < N; n++) {
    const result = await run(`solo-${n}`, () => shop.handle(requestFor(n)))
    assert.deepEqual(results[n], result, `request ${n} returned the same value`)
    const solo = counts(entry(flush(`solo-${n}`), SHOP))
    assert.deepEqual(concurrent[n], solo, `request ${n}: concurrent report equals solo report`)
  }

  // The comparison is meaningful only if reports differ between requests.
  const distinct = new Set(concurrent.map((c) => JSON.stringify(c)))
  assert.ok(distinct.size >= 8, `reports differ between requests (${distinct.size} distinct)`)

  // Direct per-test expectations, independent of the solo oracle.
  const fc = entry(peek('conc-0'), SHOP) // any entry, for the maps
  const fPrice = fnKey(fc, 'price')
  const fHandle = fnKey(fc, 'handle')
  const keyOn = (line) => Object.keys(fc.statementMap).find((k) => fc.statementMap[k].start.line === line)
  const pushKey = keyOn(lineOf(SHOP_SRC, '@push'))
  const pageKey = keyOn(lineOf(SHOP_SRC, '@page'))
  const auditedKey = keyOn(lineOf(SHOP_SRC, '@audited'))
  let sumPush = 0
  let sumPage = 0
  for (let n = 0; n < N; n++) {
    const req = requestFor(n)
    const c = concurrent[n]
    assert.equal(c.f[fHandle], 1, `request ${n}: handle ran once`)
    assert.equal(c.f[fPrice], req.ids.length, `request ${n}: price once per item`)
    assert.equal(c.s[pushKey], req.ids.length, `request ${n}: one push per streamed item`)
    assert.equal(c.s[pageKey], req.pages, `request ${n}: one yield per page`)
    assert.equal(c.s[auditedKey], 1, `request ${n}: the deferred audit callback counted in its own test`)
    sumPush += c.s[pushKey]
    sumPage += c.s[pageKey]
  }
  // Sums over all tests: every hit went to exactly one test.
  assert.equal(
    sumPush,
    Array.from({ length: N }, (_, n) => 1 + (n % 4)).reduce((a, b) => a + b),
  )
  assert.equal(
    sumPage,
    Array.from({ length: N }, (_, n) => n % 5).reduce((a, b) => a + b),
  )
})

// ---------------------------------------------------------------------------
const GEN_SRC = `function* steps(n) {
  const a = n + 1 // @g1
  yield a // @g2
  const b = a * 2 // @g3
  yield b // @g4
  return b + 1 // @g5
}
module.exports = { steps }
`
const GEN = '/virtual/gen.js'
const gen = load(GEN_SRC, GEN).exports

test('a generator started in test A and resumed in test B: hits after the resume go to B', () => {
  const g = run('gen-A', () => {
    const it = gen.steps(1)
    assert.deepEqual(it.next(), { value: 2, done: false }) // runs to the first yield in A
    return it
  })
  assert.deepEqual(
    run('gen-B', () => g.next()),
    { value: 4, done: false },
  )
  assert.deepEqual(
    run('gen-B', () => g.next()),
    { value: 5, done: true },
  )

  const a = entry(flush('gen-A'), GEN)
  const b = entry(flush('gen-B'), GEN)
  const line = (m) => lineOf(GEN_SRC, m)
  const fSteps = fnKey(a, 'steps')
  // A: function entry and statements up to (and including) the first yield.
  assert.equal(a.f[fSteps], 1)
  assert.deepEqual(
    ['@g1', '@g2', '@g3', '@g4', '@g5'].map((m) => stmtCount(a, line(m))),
    [1, 1, 0, 0, 0],
  )
  // B: everything after the resume, but not the function entry.
  assert.equal(b.f[fSteps], 0)
  assert.deepEqual(
    ['@g1', '@g2', '@g3', '@g4', '@g5'].map((m) => stmtCount(b, line(m))),
    [0, 0, 1, 1, 1],
  )
})

test('a generator created in A but first advanced in B counts entirely in B', () => {
  const g = run('gen-C', () => gen.steps(1)) // no body runs on creation
  run('gen-D', () => [...g])
  const c = entry(flush('gen-C'), GEN)
  const d = entry(flush('gen-D'), GEN)
  assert.ok(allZero(c), `nothing counted in the creating test: ${JSON.stringify(counts(c))}`)
  assert.equal(d.f[fnKey(d, 'steps')], 1)
  assert.deepEqual(
    ['@g1', '@g2', '@g3', '@g4', '@g5'].map((m) => stmtCount(d, lineOf(GEN_SRC, m))),
    [1, 1, 1, 1, 1],
  )
})

// throw() and return() resume a suspended generator just like next() does
// (its catch/finally blocks run inside the caller's call), so those hits
// belong to the caller's test too.
const GUARD_SRC = `function* guarded() {
  try {
    yield 1 // @y
  } catch (e) {
    const caught = e // @catch
  } finally {
    const fin = 1 // @fin
  }
}
async function* guardedAsync() {
  try {
    yield 1 // @ay
  } finally {
    const fin = 1 // @afin
  }
}
module.exports = { guarded, guardedAsync }
`
const GUARD = '/virtual/guard.js'
const guard = load(GUARD_SRC, GUARD).exports
const guardCounts = (id, marks) => {
  const fc = entry(flush(id), GUARD)
  return marks.map((m) => stmtCount(fc, lineOf(GUARD_SRC, m)))
}

test('generator.throw() called in test B: the catch/finally hits go to B', () => {
  const g = run('throw-A', () => {
    const it = guard.guarded()
    it.next()
    return it
  })
  assert.deepEqual(
    run('throw-B', () => g.throw(new Error('boom'))),
    { value: undefined, done: true },
  )
  assert.deepEqual(guardCounts('throw-A', ['@y', '@catch', '@fin']), [1, 0, 0], 'A: only up to the yield')
  assert.deepEqual(guardCounts('throw-B', ['@y', '@catch', '@fin']), [0, 1, 1], 'B: the catch and finally blocks')
})

test('generator.return() called in test B: the finally hits go to B', () => {
  const g = run('return-A', () => {
    const it = guard.guarded()
    it.next()
    return it
  })
  assert.deepEqual(
    run('return-B', () => g.return(7)),
    { value: 7, done: true },
  )
  assert.deepEqual(guardCounts('return-A', ['@y', '@catch', '@fin']), [1, 0, 0], 'A: only up to the yield')
  assert.deepEqual(guardCounts('return-B', ['@y', '@catch', '@fin']), [0, 0, 1], 'B: the finally block')
})

test("async generator.return() in test B after A was flushed: the finally hit goes to B, not to A's next flush", async () => {
  const g = await run('areturn-A', async () => {
    const it = guard.guardedAsync()
    await it.next()
    return it
  })
  assert.deepEqual(guardCounts('areturn-A', ['@ay', '@afin']), [1, 0])
  assert.deepEqual(await run('areturn-B', () => g.return(7)), { value: 7, done: true })
  assert.deepEqual(guardCounts('areturn-B', ['@ay', '@afin']), [0, 1], 'B: the finally block')
  assert.deepEqual(guardCounts('areturn-A', ['@ay', '@afin']), [0, 0], 'A: nothing new')
})

const AGEN_SRC = `async function* feed() {
  const a = 1 // @a1
  yield a // @a2
  await null // @a3
  const b = 2 // @a4
  yield b // @a5
  return 3 // @a6
}
module.exports = { feed }
`
const AGEN = '/virtual/agen.js'
const agen = load(AGEN_SRC, AGEN).exports

test('an async generator started in A and resumed in B: hits after the resume go to B', async () => {
  const it = run('agen-A', () => agen.feed())
  assert.deepEqual(await run('agen-A', () => it.next()), { value: 1, done: false })
  assert.deepEqual(await run('agen-B', () => it.next()), { value: 2, done: false })
  assert.deepEqual(await run('agen-B', () => it.next()), { value: 3, done: true })
  const a = entry(flush('agen-A'), AGEN)
  const b = entry(flush('agen-B'), AGEN)
  const marks = ['@a1', '@a2', '@a3', '@a4', '@a5', '@a6']
  assert.equal(a.f[fnKey(a, 'feed')], 1)
  assert.equal(b.f[fnKey(b, 'feed')], 0)
  assert.deepEqual(
    marks.map((m) => stmtCount(a, lineOf(AGEN_SRC, m))),
    [1, 1, 0, 0, 0, 0],
  )
  // The await after the resume keeps B's context.
  assert.deepEqual(
    marks.map((m) => stmtCount(b, lineOf(AGEN_SRC, m))),
    [0, 0, 1, 1, 1, 1],
  )
})

// ---------------------------------------------------------------------------
const LATE_SRC = `async function slow(gate) {
  const before = 1 // @before
  const v = await gate
  const after = v + before // @after
  return after
}
module.exports = { slow }
`
const LATE = '/virtual/late.js'
const late = load(LATE_SRC, LATE).exports

test('late hits: counts made after a flush show up in the next flush, not lost', async () => {
  let open
  const gate = new Promise((resolve) => (open = resolve))
  const done = run('late', () => late.slow(gate))
  await new Promise((resolve) => setImmediate(resolve)) // slow() is now suspended on the gate

  const first = entry(flush('late'), LATE)
  assert.equal(first.f[fnKey(first, 'slow')], 1)
  assert.equal(stmtCount(first, lineOf(LATE_SRC, '@before')), 1)
  assert.equal(stmtCount(first, lineOf(LATE_SRC, '@after')), 0, 'not reached yet')
  assert.ok(!tests().includes('late'), 'nothing pending right after the flush')

  open(41)
  assert.equal(await done, 42)
  assert.ok(tests().includes('late'), 'late hits are pending')

  const second = entry(flush('late'), LATE)
  assert.equal(second.f[fnKey(second, 'slow')], 0, 'entry was already reported')
  assert.equal(stmtCount(second, lineOf(LATE_SRC, '@before')), 0, 'already reported')
  assert.equal(stmtCount(second, lineOf(LATE_SRC, '@after')), 1, 'late hit reported in the next flush')
  assert.ok(allZero(entry(flush('late'), LATE)), 'and only once')
})

// ---------------------------------------------------------------------------
test('unknown test id: flush returns every file with zero counts and does not throw', () => {
  const map = flush('never-ran')
  for (const path of [SHOP, GEN, GUARD, AGEN, LATE]) assert.ok(allZero(entry(map, path)), `${path} is all zero`)
  // The skeleton is complete, so the entry is a usable Istanbul file coverage.
  const fc = map[SHOP]
  assert.equal(fc.path, SHOP)
  assert.deepEqual(Object.keys(fc.s), Object.keys(fc.statementMap))
  assert.deepEqual(Object.keys(fc.f), Object.keys(fc.fnMap))
  assert.deepEqual(Object.keys(fc.b), Object.keys(fc.branchMap))
  assert.ok(Object.keys(fc.statementMap).length > 20)
  assert.equal(typeof cov.flushJson('never-ran-either'), 'string')
})

test('peek does not mark counts flushed; reset drops them; tests() lists pending ids', () => {
  const key = (fc) => fnKey(fc, 'label')
  run('pk', () => shop.label('book'))
  assert.ok(tests().includes('pk'))
  const p1 = entry(peek('pk'), SHOP)
  const p2 = entry(peek('pk'), SHOP)
  assert.equal(p1.f[key(p1)], 1)
  assert.deepEqual(counts(p1), counts(p2), 'peek twice: same counts')
  assert.ok(tests().includes('pk'), 'still pending after peek')
  const f1 = entry(flush('pk'), SHOP)
  assert.deepEqual(counts(f1), counts(p1), 'flush reports what peek saw')
  assert.ok(!tests().includes('pk'), 'not pending after flush')

  run('rs', () => shop.label('food'))
  assert.ok(tests().includes('rs'))
  reset('rs')
  assert.ok(!tests().includes('rs'), 'not pending after reset')
  assert.ok(allZero(entry(flush('rs'), SHOP)), 'reset dropped the counts')
  // After a reset the id starts afresh.
  run('rs', () => shop.label('toy'))
  const after = entry(flush('rs'), SHOP)
  assert.equal(after.f[key(after)], 1)
})

test('currentTestId follows run(), including across awaits', async () => {
  assert.equal(cov.currentTestId(), undefined)
  const seen = await run('cur', async () => {
    const before = cov.currentTestId()
    await new Promise((resolve) => setTimeout(resolve, 1))
    return [before, cov.currentTestId()]
  })
  assert.deepEqual(seen, ['cur', 'cur'])
  assert.equal(
    run('cur', (a, b) => a + b, 2, 3),
    5,
    'run passes extra arguments and returns fn result',
  )
  flush('cur')
})

test('bad input throws TypeError / InstrumentError', () => {
  assert.throws(() => run('', () => {}), TypeError)
  assert.throws(() => run(42, () => {}), TypeError)
  assert.throws(() => run('x', 'not a function'), TypeError)
  assert.throws(() => instrumentBad(123, 'x.js'), TypeError)
  assert.throws(() => cov.flush(''), TypeError)

  // Babel's convention: 1-based line, 0-based column (here the `;`).
  assert.throws(
    () => cov.instrument('let = ;', '/v/bad.js'),
    (err) => {
      assert.ok(err instanceof InstrumentError)
      assert.ok(err instanceof SyntaxError)
      assert.equal(err.code, 'COV_ALS_PARSE_ERROR')
      assert.equal(err.file, '/v/bad.js')
      assert.equal(err.line, 1)
      assert.equal(err.column, 6)
      return true
    },
  )
  assert.throws(
    () => cov.instrument('const ok = 1\n  let = ;', '/v/bad2.js'),
    (err) => err instanceof InstrumentError && err.line === 2 && err.column === 8,
  )
  // A failed instrument registers nothing.
  assert.ok(!('/v/bad.js' in flush('never-ran')))
})

function instrumentBad(code, filename) {
  return cov.instrument(code, filename)
}
