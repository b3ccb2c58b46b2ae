'use strict'
// Concurrent tests against ONE server with the preload, each compared with
// the same test run alone on that server, and the same run repeated with the
// counter tables in process memory (COV_ALS_LIVE=0) and in live arenas (the
// default): issue 22. Used by next-dev.test.js, live-differential.test.js
// and next-rsc.test.js.
//
// A run: warm-up requests without a test id (module initialisation goes to
// `startup`), then every test at once (its requests in order, then its
// flush), then each test alone under `<id> (solo)`, then the server stops
// (write-on-exit). Its result: every flush answer, and every test's report
// exported from the run store as `cov-als export` writes it (keys sorted),
// so two runs compare byte for byte.

const assert = require('node:assert/strict')
const { spawn } = require('node:child_process')
const { request } = require('./server')
const { exportCoverage, stableStringify } = require('../../lib/cli/export')
const { listTests } = require('../../lib/store')

const SOLO = (id) => `${id} (solo)`

/** One request to `base` (http://127.0.0.1:port), in test `testId` when given: { status, body }. */
function send(base, { path, method = 'GET', headers = {}, body } = {}, testId) {
  const withId = { ...headers, ...(testId !== undefined && { 'x-cov-test-id': encodeURIComponent(testId) }) }
  return request(Number(new URL(base).port), { method, path, headers: withId, body, agent: false, timeoutMs: 120000 })
}

/**
 * `node <args>`: a dev server that answers the control protocol at `base`.
 * Resolves once `/__cov/tests` answers: { output(), exited, kill(signal) }
 * (`group`: the server runs in a process group of its own, and kill ends the
 * group). A server that exits, or does not answer within `timeoutMs`, fails
 * with its output.
 */
async function startServing(name, base, args, options, { timeoutMs, group = false }) {
  const child = spawn(process.execPath, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'], detached: group })
  let output = ''
  child.stdout.on('data', (d) => (output += d))
  child.stderr.on('data', (d) => (output += d))
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const kill = (signal) => {
    try {
      if (group) process.kill(-child.pid, signal)
      else if (child.exitCode === null) child.kill(signal)
    } catch {}
  }
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${output}`)
    try {
      if ((await send(base, { path: '/__cov/tests' })).status === 200) break
    } catch {}
    if (Date.now() > deadline) {
      kill('SIGKILL')
      throw new Error(`${name} did not come up at ${base}:\n${output}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  return { output: () => output, exited, kill }
}

/** Flush `testId` (every file, as the protocol answers by default): its Istanbul coverage map. */
async function flush(base, testId) {
  const r = await send(base, { path: '/__cov/flush', method: 'POST', body: { testId } })
  assert.equal(r.status, 200, `flush ${testId}: ${r.body.slice(0, 500)}`)
  return JSON.parse(r.body).coverage
}

async function sendAll(base, requests, testId) {
  for (const r of requests) {
    const res = await send(base, typeof r === 'string' ? { path: r } : r, testId)
    assert.ok(res.status < 500, `${typeof r === 'string' ? r : r.path} in "${testId}": ${res.status} ${res.body.slice(0, 300)}`)
  }
}

/**
 * Run `tests` ([{ id, requests }], a request a path or { path, method,
 * headers, body }) against `base`. `midway`: { at, run } makes every test
 * send its first `at` requests, then waits for all of them, calls `run()`
 * (e.g. a hot update) and lets them go on. Returns { concurrent, solo }: the
 * flush answers by test id.
 */
async function runTests(base, tests, { warmUp = [], warmUpPasses = 1, midway } = {}) {
  for (let pass = 0; pass < warmUpPasses; pass++) await sendAll(base, warmUp, undefined)
  const concurrent = {}
  let release
  const released = new Promise((r) => (release = r))
  let arrived = 0
  await Promise.all([
    ...tests.map(async (t) => {
      const at = midway ? midway.at : t.requests.length
      await sendAll(base, t.requests.slice(0, at), t.id)
      if (midway && ++arrived === tests.length) release()
      if (midway) await released
      await sendAll(base, t.requests.slice(at), t.id)
      concurrent[t.id] = await flush(base, t.id)
    }),
    midway && released.then(() => midway.run()),
  ])
  const solo = {}
  for (const t of tests) {
    await sendAll(base, t.requests, SOLO(t.id))
    solo[t.id] = await flush(base, SOLO(t.id))
  }
  return { concurrent, solo }
}

/** Every test's report (server half) in the run store of `outDir`, as `cov-als export` writes it. */
function exportsOf(outDir) {
  const out = {}
  for (const id of listTests(outDir)) out[id] = stableStringify(exportCoverage({ dirs: [outDir], tests: [id], part: 'server' }))
  return out
}

/** Where two coverage maps first differ (a file, a counter), for messages. */
function firstDifference(a, b) {
  for (const file of new Set([...Object.keys(a || {}), ...Object.keys(b || {})])) {
    if (!a[file] || !b[file]) return `${file} only in the ${a[file] ? 'first' : 'second'}`
    for (const k of ['s', 'f', 'b'])
      for (const key of new Set([...Object.keys(a[file][k]), ...Object.keys(b[file][k])]))
        if (JSON.stringify(a[file][k][key]) !== JSON.stringify(b[file][k][key]))
          return `${file} ${k}[${key}]: ${JSON.stringify(a[file][k][key])} vs ${JSON.stringify(b[file][k][key])}`
    if (stableStringify(a[file]) !== stableStringify(b[file])) return `${file}: maps or other fields`
  }
  return null
}

/** Calls counted in a coverage map, over every file. */
const calls = (coverage) => Object.values(coverage || {}).reduce((n, fc) => n + Object.values(fc.f).reduce((a, b) => a + b, 0), 0)

/** Each test's concurrent answer equals its answer alone; returns how many did. */
function assertExact(label, { concurrent, solo }) {
  const equal = Object.keys(concurrent).filter((id) => firstDifference(concurrent[id], solo[id]) === null)
  for (const id of Object.keys(concurrent))
    assert.equal(firstDifference(concurrent[id], solo[id]), null, `${label}: "${id}" run among the others equals the test run alone`)
  return equal.length
}

/** Two runs' exported reports are byte-identical, test by test (ids: all of either run, but `except`). */
function assertSameExports(label, a, b, { except = [] } = {}) {
  assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort(), `${label}: the same tests in both run stores`)
  for (const id of Object.keys(a)) {
    if (a[id] === b[id] || except.includes(id)) continue
    assert.fail(`${label}: the exported report of "${id}" differs: ${firstDifference(JSON.parse(a[id]), JSON.parse(b[id]))}`)
  }
}

module.exports = { SOLO, send, startServing, flush, runTests, exportsOf, firstDifference, calls, assertExact, assertSameExports }
