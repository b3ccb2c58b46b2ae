'use strict'
// Exactness under load: 64 tests hit ONE server (started with the preload) at
// the same time, each with its own random mix of requests through awaits,
// timers, callbacks, emitters, a streamed response, a streamed request body,
// generators and promise chains in shared server code. Each test's flushed
// report must equal the report of the same requests sent by that test alone
// (the serial oracle: every request list is replayed serially afterwards under
// a fresh id), for every counter (s, f, b) of every server file, and the
// unattributed (startup) bucket must get nothing from any of it.
//
// The mix comes from a seeded PRNG; the seed is printed, and
// COV_ALS_STRESS_SEED=<seed> replays a run.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const http = require('node:http')
const { startServer, request, flush } = require('./support/server')

const FIXTURE = path.join(__dirname, 'fixtures/stress')
const TESTS = 64
const PER_TEST_CONCURRENCY = 4

function seedFromEnv() {
  const raw = process.env.COV_ALS_STRESS_SEED
  if (raw !== undefined && raw !== '') {
    const n = Number(raw)
    assert.ok(Number.isInteger(n) && n >= 0, `COV_ALS_STRESS_SEED must be a non-negative integer, got ${raw}`)
    return n >>> 0
  }
  return Math.floor(Math.random() * 2 ** 32) >>> 0
}

// mulberry32: small, fast, good enough to pick request mixes.
function prng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const WORDS = ['alpha', 'beta', 'gamma', 'delta', '42', 'x9', 'épée', '✓', '']

// The requests test `i` sends: 12 to 24 of them, every route, random params.
function planFor(rand) {
  const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1))
  const pick = (xs) => xs[Math.floor(rand() * xs.length)]
  const plan = []
  const count = int(12, 24)
  for (let k = 0; k < count; k++) {
    const route = pick(['compute', 'compute', 'walk', 'stream', 'upload'])
    if (route === 'compute') plan.push({ route, style: pick(['plain', 'timers', 'callbacks', 'chain', 'emitter', 'io']), n: int(0, 9) })
    else if (route === 'walk') plan.push({ route, n: int(0, 12) })
    else if (route === 'stream') plan.push({ route, style: pick(['text', 'json', 'gen', 'big']), n: int(0, 24) })
    else {
      const lines = Array.from({ length: int(0, 20) }, () => Array.from({ length: int(1, 4) }, () => pick(WORDS)).join(' '))
      const body = lines.map((l) => l + '\n').join('')
      // Sent in 1 to 4 writes, so the body arrives as a stream of pieces.
      const cuts = Array.from({ length: int(0, 3) }, () => int(0, Buffer.byteLength(body))).sort((a, b) => a - b)
      plan.push({ route, style: pick(['events', 'consumers']), body, cuts })
    }
  }
  return plan
}

function expectedUpload(body) {
  const lines = body.split('\n').filter((l) => l !== '')
  return { lines: lines.length, digits: lines.filter((l) => /\d/.test(l)).length, bytes: Buffer.byteLength(body) }
}

// One request of a plan, under `testId`; checks the answer is right.
function send(port, agent, testId, spec) {
  const headers = { 'x-cov-test-id': encodeURIComponent(testId) }
  const q = spec.route === 'upload' ? `style=${spec.style}` : `n=${spec.n}&style=${spec.style || ''}`
  const method = spec.route === 'upload' ? 'POST' : 'GET'
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: `/${spec.route}?${q}`, agent, headers }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c) => (text += c))
      res.on('end', () => {
        try {
          assert.equal(res.statusCode, 200, `${spec.route}: ${text}`)
          if (spec.route === 'stream') assert.equal(text.split('\n').filter(Boolean).length, spec.n, 'streamed lines')
          if (spec.route === 'upload') assert.deepEqual(JSON.parse(text), expectedUpload(spec.body))
          resolve()
        } catch (err) {
          reject(err)
        }
      })
      res.on('error', reject)
    })
    req.on('error', reject)
    if (spec.route !== 'upload') return req.end()
    const buf = Buffer.from(spec.body)
    const bounds = [0, ...spec.cuts, buf.length]
    ;(async () => {
      for (let k = 0; k + 1 < bounds.length; k++) {
        const piece = buf.subarray(bounds[k], bounds[k + 1])
        if (piece.length) req.write(piece)
        await new Promise((r) => setImmediate(r))
      }
      req.end()
    })().catch(reject)
  })
}

// Send a plan with up to `width` requests of it in flight at once.
async function sendAll(port, agent, testId, plan, width) {
  let next = 0
  const lanes = Array.from({ length: Math.min(width, plan.length) }, async () => {
    while (next < plan.length) {
      const spec = plan[next++]
      await send(port, agent, testId, spec)
    }
  })
  await Promise.all(lanes)
}

function serverFiles(map) {
  return Object.keys(map)
    .filter((k) => k.startsWith(root))
    .sort()
}

// Every counter that differs between two coverage maps, with its location.
function differences(got, want) {
  const out = []
  const files = [...new Set([...serverFiles(got), ...serverFiles(want)])]
  for (const file of files) {
    const g = got[file]
    const w = want[file]
    if (!g || !w) {
      out.push(`${path.relative(root, file)}: in ${g ? 'concurrent' : 'solo'} report only`)
      continue
    }
    const rel = path.relative(root, file)
    for (const k of Object.keys(w.s)) {
      if (g.s[k] !== w.s[k]) out.push(`${rel} s[${k}] line ${w.statementMap[k].start.line}: concurrent ${g.s[k]} solo ${w.s[k]}`)
    }
    for (const k of Object.keys(w.f)) {
      if (g.f[k] !== w.f[k]) out.push(`${rel} f[${k}] ${w.fnMap[k].name} line ${w.fnMap[k].loc.start.line}: concurrent ${g.f[k]} solo ${w.f[k]}`)
    }
    for (const k of Object.keys(w.b)) {
      if (JSON.stringify(g.b[k]) !== JSON.stringify(w.b[k])) {
        out.push(`${rel} b[${k}] line ${w.branchMap[k].loc.start.line}: concurrent ${JSON.stringify(g.b[k])} solo ${JSON.stringify(w.b[k])}`)
      }
    }
  }
  return out
}

function total(map) {
  let n = 0
  for (const file of serverFiles(map)) {
    const fc = map[file]
    for (const v of Object.values(fc.s)) n += v
    for (const v of Object.values(fc.f)) n += v
    for (const arr of Object.values(fc.b)) for (const v of arr) n += v
  }
  return n
}

let root
let server

before(async () => {
  root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-stress-')))
  fs.cpSync(FIXTURE, root, { recursive: true })
  server = await startServer('server.js', { root, env: { COV_ALS: '1', COV_ALS_OUT_DIR: path.join(root, 'out') } })
})

after(async () => {
  if (server) await server.stop()
  fs.rmSync(root, { recursive: true, force: true })
})

test(`${TESTS} concurrent tests on one server: each report equals the same requests sent alone`, { timeout: 180000 }, async () => {
  const seed = seedFromEnv()
  console.log(`stress seed ${seed} (replay: COV_ALS_STRESS_SEED=${seed} node --test __test__/stress.test.js)`)
  const rand = prng(seed)
  const plans = Array.from({ length: TESTS }, () => planFor(rand))
  const requests = plans.reduce((a, p) => a + p.length, 0)
  const ids = plans.map((_, i) => `stress ${i} / ✓ "${seed}"`)
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 })
  try {
    // Module initialisation is the startup bucket's; from here on it must stay empty.
    const init = await flush(server.port, 'startup', agent)
    assert.ok(total(init.coverage) > 0, 'module initialisation counted at startup')
    const fileCount = serverFiles(init.coverage).length
    assert.equal(fileCount, 4, `server files instrumented: ${serverFiles(init.coverage).join(', ')}`)

    // Concurrent phase: every test at once, sockets shared between tests, each
    // test flushing as soon as its own requests are answered (others still running).
    let t0 = Date.now()
    const concurrent = await Promise.all(
      plans.map(async (plan, i) => {
        await sendAll(server.port, agent, ids[i], plan, PER_TEST_CONCURRENCY)
        const res = await flush(server.port, ids[i], agent)
        assert.equal(res.testId, ids[i])
        return res.coverage
      }),
    )
    const concurrentMs = Date.now() - t0

    // Serial oracle: the same request lists, one request at a time, fresh ids.
    t0 = Date.now()
    const solo = []
    for (const [i, plan] of plans.entries()) {
      await sendAll(server.port, agent, `solo-${i}`, plan, 1)
      solo.push((await flush(server.port, `solo-${i}`, agent)).coverage)
    }
    const soloMs = Date.now() - t0

    const startup = await flush(server.port, 'startup', agent)
    console.log(
      `stress: ${TESTS} tests x ${(requests / TESTS).toFixed(1)} requests = ${requests} requests; ` +
        `concurrent phase ${concurrentMs} ms, serial oracle ${soloMs} ms, ${fileCount} server files`,
    )

    const failures = []
    for (let i = 0; i < TESTS; i++) {
      assert.ok(total(solo[i]) > 0, `solo-${i} counted something`)
      const diff = differences(concurrent[i], solo[i])
      if (diff.length)
        failures.push(
          `test ${i} (${plans[i].length} requests: ${plans[i].map((p) => `${p.route}:${p.style || ''}:${p.n ?? ''}`).join(' ')}):\n    ${diff.slice(0, 8).join('\n    ')}`,
        )
    }
    assert.equal(
      failures.length,
      0,
      `seed ${seed}: ${failures.length}/${TESTS} concurrent reports differ from their serial oracle\n  ${failures.slice(0, 6).join('\n  ')}`,
    )
    assert.equal(
      total(startup.coverage),
      0,
      `seed ${seed}: the startup bucket got counts from test requests: ${differences(startup.coverage, init.coverage).length} counters`,
    )
    // Nothing left behind: every test id was flushed to zero.
    const listed = await request(server.port, { path: '/__cov/tests', agent })
    const leftovers = listed.json.tests.filter((t) => t !== 'startup')
    assert.deepEqual(leftovers, [], 'no test has unflushed counts after its flush')
  } finally {
    agent.destroy()
  }
})
