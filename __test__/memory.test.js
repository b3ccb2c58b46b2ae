'use strict'
// Memory reclamation: counter tables of flushed tests must be freed once their
// JS views are collected, so 10,000 tests do not leave 10,000 tables behind.
// node --test ignores `// Flags: --expose-gc`, so the work runs in a child
// process started with --expose-gc (fixtures/memory-child.js) that prints JSON.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const path = require('node:path')

const CHILD = path.join(__dirname, 'fixtures', 'memory-child.js')
const TESTS = 10000

function runChild() {
  const r = spawnSync(process.execPath, ['--expose-gc', CHILD, String(TESTS)], { encoding: 'utf8', timeout: 60000 })
  assert.equal(r.status, 0, `child failed (status ${r.status}, signal ${r.signal}):\n${r.stderr}`)
  return JSON.parse(r.stdout.trim().split('\n').pop())
}

// One child run serves all assertions below.
let out
function result() {
  out ??= runChild()
  return out
}

test("10,000 sequential tests: every flush reports exactly that test's counts", () => {
  const r = result()
  assert.equal(r.checked, TESTS)
  assert.equal(r.results, TESTS, 'instrumented function returned the right value every time')
  assert.equal(r.badCount, 0, `mismatching flushes, first ones: ${JSON.stringify(r.bad)}`)
  assert.deepEqual(r.pending, [], 'nothing left unflushed')
})

test('10,000 sequential tests: flushed tables are reclaimed after gc', () => {
  const r = result()
  // Between gcs, tables pile up (views not collected yet); bounded by the gc period.
  assert.ok(r.peakTables <= 600, `peak live tables ${r.peakTables}`)
  assert.equal(r.samples.length, TESTS / 500)
  for (const n of r.samples) assert.ok(n < 50, `live tables after a gc: ${n} (samples ${JSON.stringify(r.samples)})`)
  assert.ok(r.finalTables < 50, `live tables at the end: ${r.finalTables}, not ~${TESTS}`)
})

test('late hits survive gc of their views until flushed, then are freed', () => {
  const { late } = result()
  assert.equal(late.firstFlushBad, 0, 'first flush: entry counted, code after the await not yet')
  assert.ok(late.valuesOk)
  // Views gone, counts unreported: the tables must still be there.
  assert.ok(late.tablesAwaitingFlush >= late.tests, `tables kept for unreported counts: ${late.tablesAwaitingFlush}`)
  assert.equal(late.pendingLate, late.tests, 'every late test is pending')
  assert.equal(late.secondFlushBad, 0, 'second flush: exactly the late hits')
  // Views were collected before the second flush, so the flush freed them.
  assert.ok(late.tablesAfterSecondFlush < 50, `tables after the second flush: ${late.tablesAfterSecondFlush}`)
  assert.ok(late.finalTables < 50, `tables at the end: ${late.finalTables}`)
})
