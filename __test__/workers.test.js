'use strict'
// Worker threads share the process-wide Rust registry and counter tables:
// the same test id counted from the main thread and from workers at the same
// time must lose no increment.

const { test, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { Worker } = require('node:worker_threads')
const { cov, entry, lineOf, fnKey, stmtCount } = require('./helpers.js')

const LIB = path.resolve(__dirname, '..')
const native = require(path.join(LIB, 'cov-als-native.linux-x64-gnu.node'))
const WORKER = path.join(__dirname, 'fixtures', 'worker-loop.js')

const WORK_SRC = `'use strict'
function work(i) {
  let r = 0 // @w1
  if (i % 2 === 0) {
    r = i * 2 // @even
  } else {
    r = i + 1 // @odd
  }
  return r // @ret
}
module.exports = { work }
`
const VPATH = '/virtual/work.js'

// Instrument once in the main thread and write the result to a real file, so
// that workers can require it; its file id is valid in every thread.
const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-workers-'))
const FILE = path.join(tmpDir, 'work.js')
fs.writeFileSync(FILE, cov.instrument(WORK_SRC, VPATH, { sourceType: 'commonjs' }).code)
const { work } = require(FILE)
after(() => fs.rmSync(tmpDir, { recursive: true, force: true }))

const WORKERS = 4
const N = 20000 // even, so the branches split exactly in half

const expectedSum = (n) => {
  let s = 0
  for (let i = 0; i < n; i++) s += i % 2 === 0 ? i * 2 : i + 1
  return s
}

function addInto(acc, fc) {
  for (const k of Object.keys(fc.s)) acc.s[k] = (acc.s[k] || 0) + fc.s[k]
  for (const k of Object.keys(fc.f)) acc.f[k] = (acc.f[k] || 0) + fc.f[k]
  for (const k of Object.keys(fc.b)) acc.b[k] = fc.b[k].map((c, j) => ((acc.b[k] || [])[j] || 0) + c)
  return acc
}

// Start WORKERS workers and the main thread's loop together; resolve with
// the workers' 'done' messages once all have exited cleanly.
async function runShared(testId, flushEvery) {
  const flag = new SharedArrayBuffer(4)
  const workers = []
  const ready = []
  const done = []
  for (let w = 0; w < WORKERS; w++) {
    const worker = new Worker(WORKER, {
      workerData: { lib: LIB, file: FILE, path: VPATH, testId, n: N, flushEvery, flag },
    })
    workers.push(worker)
    ready.push(
      new Promise((resolve, reject) => {
        worker.on('message', (m) => m.type === 'ready' && resolve())
        worker.once('error', reject)
      }),
    )
    done.push(
      new Promise((resolve, reject) => {
        let result
        worker.on('message', (m) => m.type === 'done' && (result = m))
        worker.once('error', reject)
        worker.once('exit', (code) => (code === 0 && result ? resolve(result) : reject(new Error(`worker exited with ${code}`))))
      }),
    )
  }
  await Promise.all(ready)
  Atomics.store(new Int32Array(flag), 0, 1)
  Atomics.notify(new Int32Array(flag), 0)

  // The main thread's share, while the workers run.
  const mainFlushed = { s: {}, f: {}, b: {} }
  let sum = 0
  for (let i = 0; i < N; i++) {
    sum += cov.run(testId, work, i)
    if (flushEvery && i % flushEvery === flushEvery - 1) addInto(mainFlushed, cov.flush(testId)[VPATH])
  }
  assert.equal(sum, expectedSum(N))
  const results = await Promise.all(done)
  for (const r of results) assert.equal(r.sum, expectedSum(N), 'each worker computed the right values')
  return { results, mainFlushed }
}

// Exact per-statement expectations for `threads` threads doing N calls each.
function assertExact(fc, threads, label) {
  const total = threads * N
  const line = (m) => lineOf(WORK_SRC, m)
  assert.equal(fc.f[fnKey(fc, 'work')], total, `${label}: function counter`)
  assert.equal(stmtCount(fc, line('@w1')), total, `${label}: first statement`)
  assert.equal(stmtCount(fc, line('@even')), total / 2, `${label}: even statement`)
  assert.equal(stmtCount(fc, line('@odd')), total / 2, `${label}: odd statement`)
  assert.equal(stmtCount(fc, line('@ret')), total, `${label}: return statement`)
  const ifKey = Object.keys(fc.branchMap).find((k) => fc.branchMap[k].type === 'if')
  assert.deepEqual(fc.b[ifKey], [total / 2, total / 2], `${label}: if branch`)
}

test('main thread and workers on one test id: one flush sees every increment', async () => {
  cov.flush(cov.STARTUP_ID)
  const tablesBefore = native.tableCount()
  await runShared('shared-test', 0)
  const fc = entry(cov.flush('shared-test'), VPATH)
  assertExact(fc, WORKERS + 1, 'single flush')
  assert.ok(!cov.tests().includes('shared-test'), 'nothing left pending')
  const again = entry(cov.flush('shared-test'), VPATH)
  assert.equal(again.f[fnKey(again, 'work')], 0, 'reported once only')

  // Each worker's module init counted into its own startup table.
  const startup = entry(cov.flush(cov.STARTUP_ID), VPATH)
  assert.equal(startup.f[fnKey(startup, 'work')], 0)
  assert.equal(stmtCount(startup, lineOf(WORK_SRC, 'module.exports')), WORKERS, 'one module init per worker')
  // The exited workers' tables are freed once flushed; only the main
  // thread's table for 'shared-test' may still wait for its view's GC.
  assert.ok(native.tableCount() <= tablesBefore + 1, `tables: ${tablesBefore} before, ${native.tableCount()} after`)
})

test('flushes racing with increments from every thread: the sum of all flushes is exact', async () => {
  const { results, mainFlushed } = await runShared('shared-flushing', 997)
  // Whatever the periodic flushes missed is still unreported: take it now.
  const total = addInto(addInto({ s: {}, f: {}, b: {} }, mainFlushed), cov.flush('shared-flushing')[VPATH])
  for (const r of results) addInto(total, r.flushed)
  const skeleton = entry(cov.flush('never-ran'), VPATH)
  assertExact({ ...skeleton, ...total }, WORKERS + 1, 'sum of flushes')
})

test('workers do not disturb other test ids in the main thread', async () => {
  // Counts of a main-thread-only id, interleaved with the worker round.
  cov.run('main-only', work, 1)
  await runShared('shared-again', 0)
  cov.run('main-only', work, 2)
  const mainOnly = entry(cov.flush('main-only'), VPATH)
  assert.equal(mainOnly.f[fnKey(mainOnly, 'work')], 2)
  assertExact(entry(cov.flush('shared-again'), VPATH), WORKERS + 1, 'second round')
})
