'use strict'
// Deterministic request plans over the stress fixture's routes
// (__test__/fixtures/stress), sent by many tests at once, and the per-test
// counters they leave in a run store: for suites whose oracle is the same
// plans run another way (a clean run, one process, serially).

const assert = require('node:assert/strict')
const path = require('node:path')
const { request } = require('./server')
const { readTestCoverage } = require('../../lib/store')

// Test i's requests: 6 to 13 of them over the fixture's routes.
function planFor(i) {
  const styles = ['plain', 'timers', 'callbacks', 'chain', 'emitter', 'io']
  return Array.from({ length: 6 + (i % 8) }, (_, k) => {
    const n = (i * 7 + k * 3) % 10
    if (k % 3 === 0) return `/walk?n=${n}`
    if (k % 3 === 1) return `/stream?n=${n}&style=${['text', 'json', 'gen'][k % 3]}`
    return `/compute?n=${n}&style=${styles[(i + k) % styles.length]}`
  })
}

function get(port, agent, testId, url) {
  return request(port, { path: url, agent, headers: { 'x-cov-test-id': encodeURIComponent(testId) } }).then((r) => {
    assert.equal(r.status, 200, `${url}: ${r.body}`)
    return r
  })
}

// Every plan at once, `width` requests in flight per test, request k of a
// plan to ports[k % ports.length]; `onTestDone(i)` once test i's are answered.
async function runAll(plans, idOf, ports, agent, { width = 4, onTestDone = async () => {} } = {}) {
  await Promise.all(
    plans.map(async (plan, i) => {
      let next = 0
      await Promise.all(
        Array.from({ length: width }, async () => {
          while (next < plan.length) {
            const k = next++
            await get(ports[k % ports.length], agent, idOf(i), plan[k])
          }
        }),
      )
      await onTestDone(i)
    }),
  )
}

// Counters of the files under `root` in a coverage map, by relative path: { s, f, b }.
function countersOf(map, root) {
  const out = {}
  for (const [file, fc] of Object.entries(map || {})) if (file.startsWith(root)) out[path.relative(root, file)] = { s: fc.s, f: fc.f, b: fc.b }
  return out
}

// A test's server counters in the run store of outDir.
function storedCounters(outDir, testId, root) {
  return countersOf(readTestCoverage(outDir, testId, { part: 'server' }), root)
}

function total(counters) {
  let n = 0
  for (const fc of Object.values(counters)) {
    for (const v of Object.values(fc.s)) n += v
    for (const v of Object.values(fc.f)) n += v
    for (const arr of Object.values(fc.b)) for (const v of arr) n += v
  }
  return n
}

module.exports = { planFor, get, runAll, countersOf, storedCounters, total }
