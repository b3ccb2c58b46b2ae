'use strict'
// Nothing lost when the server dies (docs/crash-safety.md): a server with the
// preload is SIGKILLed with 32 tests in flight, or in the middle of flushes;
// what its flushes already wrote plus what `cov-als recover` gets from its
// live arena must equal, counter for counter and test for test, a control run
// of the same requests that exits cleanly. Recovering twice adds nothing, and
// two servers sharing one outDir report each count once.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const http = require('node:http')
const { spawnSync } = require('node:child_process')
const { startServer, request, flush, freePort, REPO } = require('./support/server')
const { planFor, get, runAll: runPlans, storedCounters, total } = require('./support/plans')
const { listTests, readTestCoverage } = require('../lib/store')
const { main } = require('../lib/cli/main')

const FIXTURE = path.join(__dirname, 'fixtures/stress')
const TESTS = 32
const PLANS = Array.from({ length: TESTS }, (_, i) => planFor(i))
const ID = (i) => `crash ${i} ✓`

const runAll = (ports, agent, onTestDone) => runPlans(PLANS, ID, ports, agent, { onTestDone })
const countsOf = (outDir, testId) => storedCounters(outDir, testId, root)

function killed(server) {
  return new Promise((resolve) => {
    if (server.child.exitCode !== null || server.child.signalCode !== null) return resolve()
    server.child.once('exit', () => resolve())
    server.child.kill('SIGKILL')
  })
}

function liveArenas(outDir) {
  try {
    return fs.readdirSync(path.join(outDir, 'live'))
  } catch {
    return []
  }
}

function cli(args) {
  let out = ''
  let err = ''
  const code = main(args, { stdout: { write: (s) => (out += s) }, stderr: { write: (s) => (err += s) } })
  return { code, out, err }
}

let root
let control

function start(outDir) {
  return startServer('server.js', { root, env: { COV_ALS: '1', COV_ALS_OUT_DIR: outDir } })
}

before(async () => {
  root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-crash-')))
  fs.cpSync(FIXTURE, root, { recursive: true })
  // The control run: the same requests, then a clean exit (write-on-exit).
  const outDir = path.join(root, 'control')
  const server = await start(outDir)
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 })
  await runAll([server.port], agent)
  agent.destroy()
  await server.stop()
  assert.deepEqual(liveArenas(outDir), [], 'a clean exit removes its arena')
  control = Object.fromEntries(['startup', ...PLANS.map((_, i) => ID(i))].map((id) => [id, countsOf(outDir, id)]))
  assert.ok(total(control.startup) > 0, 'module initialisation counted at startup')
  for (let i = 0; i < TESTS; i++) assert.ok(total(control[ID(i)]) > 0, `control counted ${ID(i)}`)
})

after(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true })
})

function assertEqualsControl(outDir, { startup = true } = {}) {
  for (const id of Object.keys(control)) {
    if (id === 'startup' && !startup) continue
    assert.deepEqual(countsOf(outDir, id), control[id], `${id}: recovered + flushed equals the control run`)
  }
}

test('SIGKILL with 32 tests in flight: flushed + recovered equals a clean run, counter for counter', { timeout: 120000 }, async () => {
  const outDir = path.join(root, 'killed-mid-load')
  const server = await start(outDir)
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 })
  let flushed = 0
  // Even tests flush as soon as their requests are answered (the others still
  // running); odd tests and startup never flush: only the arena has them.
  await runAll([server.port], agent, async (i) => {
    if (i % 2) return
    await flush(server.port, ID(i), agent)
    flushed++
  })
  assert.equal(flushed, TESTS / 2)
  // And a request of another test still running when the kill comes.
  const inFlight = new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port: server.port, path: '/stream?n=24&style=big', headers: { 'x-cov-test-id': 'in flight' } }, (res) => {
      res.on('error', () => {})
      res.resume()
    })
    req.on('error', () => {})
    req.on('close', resolve)
  })
  await new Promise((r) => setTimeout(r, 5))
  await killed(server)
  await inFlight
  agent.destroy()

  assert.equal(liveArenas(outDir).length, 1, 'the killed server left its arena')
  const before = listTests(outDir)
  assert.ok(!before.includes(ID(1)), 'an unflushed test is not in the store before recovery')
  const r = cli(['recover', outDir])
  assert.equal(r.code, 0, r.err)
  assert.match(r.out, /recovered \d+ count\(s\) of \d+ test\(s\) from 1 dead process/)
  assert.deepEqual(liveArenas(outDir), [], 'recovered arenas are deleted')
  assertEqualsControl(outDir)

  // Idempotent: a second recovery finds nothing, and the store is unchanged.
  const again = cli(['recover', outDir])
  assert.equal(again.code, 0)
  assert.match(again.out, /nothing to recover/)
  assertEqualsControl(outDir)
})

test('SIGKILL during flushes: each test is either flushed or recovered, never both, never neither', { timeout: 120000 }, async () => {
  const outDir = path.join(root, 'killed-mid-flush')
  const server = await start(outDir)
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 })
  await runAll([server.port], agent)
  // Every test's flush at once; the kill lands as soon as the first answer is back.
  let answered = 0
  const flushes = PLANS.map((_, i) =>
    flush(server.port, ID(i), agent).then(
      () => answered++,
      () => 'killed',
    ),
  )
  await Promise.race(flushes)
  await killed(server)
  await Promise.all(flushes)
  agent.destroy()
  assert.ok(answered >= 1 && answered < TESTS, `the kill came during the flushes (${answered} of ${TESTS} answered)`)

  const r = cli(['recover', outDir, '--json'])
  assert.equal(r.code, 0, r.err)
  const [arena] = JSON.parse(r.out)
  assert.ok(arena.tests >= 1, 'the startup bucket at least came from the arena')
  assertEqualsControl(outDir)
})

test('an arena kept aside and put back after recovery adds nothing (recovery is marked in the store)', { timeout: 60000 }, async () => {
  const outDir = path.join(root, 'twice')
  const server = await start(outDir)
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 })
  await runAll([server.port], agent)
  agent.destroy()
  await killed(server)
  const [name] = liveArenas(outDir)
  const aside = path.join(root, 'aside')
  fs.cpSync(path.join(outDir, 'live', name), aside, { recursive: true })
  assert.equal(cli(['recover', outDir]).code, 0)
  fs.cpSync(aside, path.join(outDir, 'live', name), { recursive: true })
  const r = cli(['recover', outDir, '--json'])
  assert.equal(r.code, 0, r.err)
  assert.equal(JSON.parse(r.out)[0].skipped, 'already recovered')
  assert.deepEqual(liveArenas(outDir), [])
  assertEqualsControl(outDir)
})

test('two servers sharing one outDir: a flush from either returns both halves once; a killed one is recovered', { timeout: 120000 }, async () => {
  const outDir = path.join(root, 'shared')
  const [a, b] = [await start(outDir), await start(outDir)]
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 })
  // Each test's requests alternate between the two servers.
  await runAll([a.port, b.port], agent)
  // Test 0 flushed from A holds B's half too; from B then nothing more.
  const fromA = await flush(a.port, ID(0), agent)
  const lines = (cov) => Object.values(cov).reduce((n, fc) => n + Object.values(fc.s).reduce((x, y) => x + y, 0), 0)
  const want = Object.values(control[ID(0)]).reduce((n, fc) => n + Object.values(fc.s).reduce((x, y) => x + y, 0), 0)
  assert.equal(lines(fromA.coverage), want, 'A answered both servers’ counts of the test')
  const fromB = await flush(b.port, ID(0), agent)
  assert.equal(lines(fromB.coverage), 0, 'B has nothing left of it')
  const pending = (await request(b.port, { path: '/__cov/tests', agent })).json.tests
  assert.ok(pending.includes(ID(1)) && !pending.includes(ID(0)), 'B lists what is pending in both servers')
  // Half the tests flushed through B, then A is killed and B exits cleanly.
  for (let i = 1; i < TESTS; i += 2) await flush(b.port, ID(i), agent)
  agent.destroy()
  await killed(a)
  await b.stop()
  assert.equal(liveArenas(outDir).length, 1, 'B closed its arena; A left its own')
  // cov-als report recovers first, and says so.
  const report = cli(['report', outDir, '--out', path.join(root, 'shared-report'), '--no-per-test'])
  assert.equal(report.code, 0, report.err)
  assert.match(report.err, /cov-als: recovered \d+ count\(s\) of \d+ test\(s\) from 1 dead process/)
  assert.deepEqual(liveArenas(outDir), [])
  // Two servers: startup twice; every test exactly as the one-server control.
  assertEqualsControl(outDir, { startup: false })
})

test(
  'a Playwright run with the default webServer teardown (SIGKILL): the startup bucket is on disk after the reporter recovers',
  { timeout: 180000 },
  async () => {
    const app = path.join(__dirname, 'fixtures/crash')
    const outDir = path.join(root, 'playwright')
    const port = await freePort()
    const run = spawnSync(process.execPath, [path.join(REPO, 'node_modules/@playwright/test/cli.js'), 'test', '-c', path.join(app, 'playwright.config.js')], {
      cwd: app,
      env: { ...process.env, CRASH_PORT: String(port), CRASH_OUT_DIR: outDir, NODE_OPTIONS: '' },
      encoding: 'utf8',
      timeout: 150000,
    })
    assert.equal(run.status, 0, `playwright failed:\n${run.stdout}\n${run.stderr}`)
    assert.match(run.stdout, /cov-als-native: recovered \d+ count\(s\) of 1 test\(s\) from 1 dead process/, run.stdout)
    assert.deepEqual(liveArenas(outDir), [], 'the reporter recovered the killed server’s arena')
    const startup = readTestCoverage(outDir, 'startup', { part: 'server' })
    const server = Object.entries(startup).find(([file]) => file.endsWith('crash/server.js'))[1]
    assert.ok(server.s['0'] > 0 && Object.values(server.s).filter((n) => n > 0).length >= 3, 'module initialisation of the server is in the startup bucket')
    const spec = listTests(outDir).find((t) => t.includes('counts one request'))
    const own = Object.entries(readTestCoverage(outDir, spec, { part: 'server' })).find(([file]) => file.endsWith('crash/server.js'))[1]
    assert.ok(
      Object.values(own.f).some((n) => n > 0),
      'the test itself was flushed by the fixture',
    )
  },
)

test('an arena of another format version is left alone with an error naming both versions', { timeout: 60000 }, async () => {
  const outDir = path.join(root, 'version')
  const server = await start(outDir)
  await get(server.port, undefined, ID(0), PLANS[0][0])
  await killed(server)
  const [name] = liveArenas(outDir)
  const index = path.join(outDir, 'live', name, 'index')
  const bytes = fs.readFileSync(index)
  bytes[8] = 99
  fs.writeFileSync(index, bytes)
  const r = cli(['recover', outDir])
  assert.equal(r.code, 1)
  assert.match(r.out, /live arena format 99, but this cov-als-native reads format 1/)
  assert.deepEqual(liveArenas(outDir), [name], 'kept for the version that wrote it')
})

test('an outDir that cannot be written: one warning, in-memory tables, coverage still flushes over HTTP', { timeout: 60000 }, async () => {
  const blocker = path.join(root, 'not-a-dir')
  fs.writeFileSync(blocker, '')
  const server = await start(path.join(blocker, 'out'))
  try {
    await get(server.port, undefined, ID(3), PLANS[3][0])
    const res = await flush(server.port, ID(3))
    assert.ok(total(res.coverage) > 0, 'the answer holds the counts')
    assert.equal(res.file, null, 'no store was written')
    assert.equal(server.stderr().match(/counters are not crash-safe/g).length, 1, server.stderr())
  } finally {
    await server.stop()
  }
})
