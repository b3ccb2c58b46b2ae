'use strict'
// Cluster workers (docs/crash-safety.md, "Cluster workers"): a node:cluster
// server with the preload, 2 workers inheriting it. A control request
// answered by any worker returns the test's counts from every worker, each
// exactly once, through the live arenas all workers keep in one outDir (no
// IPC). The oracle is the same requests sent serially to one plain process.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const http = require('node:http')
const { spawnSync } = require('node:child_process')
const { startServer, request, flush, freePort, REPO } = require('./support/server')
const { planFor, get, runAll, countersOf: allCounters, storedCounters: allStored, total } = require('./support/plans')
const { main } = require('../lib/cli/main')

const TESTS = 32
const PLANS = Array.from({ length: TESTS }, (_, i) => planFor(i))
const ID = (i) => `cluster ${i}`

let root
let oracle

// The shared code only (lib/): the oracle's server file is not the cluster's.
const shared = (counters) => Object.fromEntries(Object.entries(counters).filter(([file]) => file.startsWith('lib' + path.sep)))
const countersOf = (map, dir) => shared(allCounters(map, dir))
const storedCounters = (outDir, id, dir) => shared(allStored(outDir, id, dir))

// A fresh connection per request: the cluster's round-robin then spreads them.
const noKeepAlive = () => new http.Agent({ keepAlive: false })

function startCluster(outDir, workers = 2) {
  return startServer('cluster/server.js', { root, env: { COV_ALS: '1', COV_ALS_OUT_DIR: outDir, WORKERS: String(workers) } })
}

function stopCluster(server) {
  return new Promise((resolve) => {
    if (server.child.exitCode !== null) return resolve()
    server.child.once('exit', resolve)
    server.child.kill('SIGTERM')
  })
}

before(async () => {
  root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-cluster-')))
  fs.cpSync(path.join(__dirname, 'fixtures/stress'), root, { recursive: true })
  fs.cpSync(path.join(__dirname, 'fixtures/cluster'), path.join(root, 'cluster'), { recursive: true })
  // The serial oracle: each test's requests alone, one after another, on one process.
  const server = await startServer('server.js', { root, env: { COV_ALS: '1', COV_ALS_OUT_DIR: path.join(root, 'oracle') } })
  oracle = {}
  try {
    for (let i = 0; i < TESTS; i++) {
      for (const url of PLANS[i]) await get(server.port, undefined, `oracle ${i}`, url)
      oracle[i] = countersOf((await flush(server.port, `oracle ${i}`)).coverage, root)
      assert.ok(total(oracle[i]) > 0)
    }
  } finally {
    await server.stop()
  }
})

after(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true })
})

// Calls of function `fn` of lib/compute.js in a coverage map.
const hitsOf = (coverage, fn) =>
  Object.entries(coverage)
    .filter(([file]) => file.endsWith(path.join('lib', 'compute.js')))
    .reduce((n, [, fc]) => n + Object.entries(fc.fnMap).reduce((m, [k, f]) => m + (f.name === fn ? fc.f[k] : 0), 0), 0)

test('20 requests of one test round-robined over 2 workers: one flush returns 20 of 20, the next 0', { timeout: 60000 }, async () => {
  const outDir = path.join(root, 'twenty')
  const server = await startCluster(outDir)
  try {
    const agent = noKeepAlive()
    const seen = new Set()
    for (let k = 0; k < 20; k++) seen.add((await get(server.port, agent, 'A', '/compute?n=1&style=plain')).headers['x-worker'])
    assert.equal(seen.size, 2, 'both workers served requests of A')
    const first = await flush(server.port, 'A', agent)
    assert.equal(hitsOf(first.coverage, 'compute'), 20, 'all 20 calls in one flush')
    const peek = await request(server.port, { method: 'POST', path: '/__cov/peek', body: { testId: 'A' }, agent })
    assert.equal(hitsOf(peek.json.coverage, 'compute'), 0)
    for (let k = 0; k < 2; k++) assert.equal(hitsOf((await flush(server.port, 'A', agent)).coverage, 'compute'), 0, 'nothing left, from either worker')
  } finally {
    await stopCluster(server)
  }
  assert.deepEqual(fs.readdirSync(outDir).includes('live') ? fs.readdirSync(path.join(outDir, 'live')) : [], [], 'a clean stop removes every arena')
})

test('32 tests in parallel over 2 workers: each test’s one flush equals the serial oracle', { timeout: 120000 }, async () => {
  const outDir = path.join(root, 'mixed')
  const server = await startCluster(outDir)
  try {
    const agent = noKeepAlive()
    const answers = {}
    await runAll(PLANS, ID, [server.port], agent, {
      onTestDone: async (i) => {
        answers[i] = countersOf((await flush(server.port, ID(i), agent)).coverage, root)
      },
    })
    for (let i = 0; i < TESTS; i++) {
      assert.deepEqual(answers[i], oracle[i], `${ID(i)}: the flush answer`)
      assert.deepEqual(storedCounters(outDir, ID(i), root), oracle[i], `${ID(i)}: in the store`)
    }
    const { tests } = (await request(server.port, { path: '/__cov/tests', agent })).json
    assert.ok(
      tests.every((t) => !t.startsWith('cluster ')),
      `no test pending in any worker: ${tests}`,
    )
  } finally {
    await stopCluster(server)
  }
})

test('a worker killed mid-run: its counts arrive exactly once, through its arena', { timeout: 120000 }, async () => {
  const outDir = path.join(root, 'killed-worker')
  const server = await startCluster(outDir)
  try {
    const agent = noKeepAlive()
    // Both workers count every test; none is flushed yet.
    await runAll(PLANS, ID, [server.port], agent)
    const victim = Number((await get(server.port, agent, 'probe', '/walk?n=0')).headers['x-worker'])
    process.kill(victim, 'SIGKILL')
    await new Promise((r) => setTimeout(r, 200))
    // The surviving worker answers with both workers' counts of each test, once.
    for (let i = 0; i < TESTS; i++) {
      assert.deepEqual(countersOf((await flush(server.port, ID(i), agent)).coverage, root), oracle[i], `${ID(i)}: one flush after the kill`)
      assert.equal(total(countersOf((await flush(server.port, ID(i), agent)).coverage, root)), 0, `${ID(i)}: not twice`)
    }
  } finally {
    await stopCluster(server)
  }
  // Recovering the dead worker's arena adds nothing the flushes already reported.
  let out = ''
  assert.equal(main(['recover', outDir], { stdout: { write: (s) => (out += s) }, stderr: { write: () => {} } }), 0)
  assert.match(out, /from 1 dead process/)
  for (let i = 0; i < TESTS; i++) assert.deepEqual(storedCounters(outDir, ID(i), root), oracle[i], `${ID(i)}: in the store after recovery`)
})

test('write-on-exit of several workers merges: tests never flushed are in the store once, both workers’ halves', { timeout: 120000 }, async () => {
  const outDir = path.join(root, 'exit')
  const server = await startCluster(outDir)
  await runAll(PLANS, ID, [server.port], noKeepAlive())
  await stopCluster(server)
  assert.deepEqual(fs.existsSync(path.join(outDir, 'live')) ? fs.readdirSync(path.join(outDir, 'live')) : [], [], 'every worker closed its arena')
  for (let i = 0; i < TESTS; i++) assert.deepEqual(storedCounters(outDir, ID(i), root), oracle[i], `${ID(i)}: written on exit`)
})

test('PM2 cluster mode (2 instances, the preload in node_args): one flush returns both instances’ counts', { timeout: 120000 }, async () => {
  const pm2 = path.join(REPO, 'node_modules/pm2/bin/pm2')
  const outDir = path.join(root, 'pm2')
  const port = await freePort()
  // PM2's daemon and its files live in the test's own PM2_HOME.
  const env = { ...process.env, PM2_HOME: path.join(root, 'pm2-home'), COV_ALS: '1', COV_ALS_OUT_DIR: outDir, PORT: String(port), NODE_OPTIONS: '' }
  const run = (...args) => spawnSync(process.execPath, [pm2, ...args], { cwd: root, env, encoding: 'utf8', timeout: 60000 })
  try {
    const started = run('start', 'cluster/worker.js', '-i', '2', '--name', 'cov-als-cluster', '--node-args', `--require ${path.join(REPO, 'register.js')}`)
    assert.equal(started.status, 0, started.stderr)
    const agent = noKeepAlive()
    const deadline = Date.now() + 30000
    const seen = new Set()
    // Until both instances listen (a request may hit the port before either does).
    while (seen.size < 2 && Date.now() < deadline) {
      try {
        seen.add((await request(port, { path: '/walk?n=0', agent })).headers['x-worker'])
      } catch {
        await new Promise((r) => setTimeout(r, 100))
      }
    }
    assert.equal(seen.size, 2, 'both PM2 instances answer')
    const workers = new Set()
    for (let k = 0; k < 20; k++) workers.add((await get(port, agent, 'A', '/compute?n=1&style=plain')).headers['x-worker'])
    assert.equal(workers.size, 2, 'requests of A went to both instances')
    assert.equal(hitsOf((await flush(port, 'A', agent)).coverage, 'compute'), 20, 'all 20 calls in one flush')
    assert.equal(hitsOf((await flush(port, 'A', agent)).coverage, 'compute'), 0)
  } finally {
    run('kill')
  }
  // PM2 stops its instances with SIGINT (write-on-exit), or SIGKILL after its
  // kill_timeout: either way the store holds A once, after recovery.
  main(['recover', outDir], { stdout: { write: () => {} }, stderr: { write: () => {} } })
  assert.equal(hitsOf(require('../lib/store').readTestCoverage(outDir, 'A', { part: 'server' }), 'compute'), 20)
})
