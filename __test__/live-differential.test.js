'use strict'
// The differential suite of issue 22: the same concurrent scenario run twice
// on a fresh server, once with the counter tables in live arenas (the
// default) and once in process memory (COV_ALS_LIVE=0); every test's report
// exported from the run store must be byte-identical between the two, and
// each test's report must equal the same test run alone on the same server.
//   - Express, whose route forks a short-lived worker with the preload for
//     some requests (what `next dev` does for static paths): issue 22's root
//     cause without Next (a worker's exit took the server's pending counts).
//   - node:cluster, 2 workers (round-robin: every test counts in both).
//   - Vite dev (examples/sveltekit with the preload and cov-als-native/vite),
//     with a hot update of a shared module in the middle of the concurrent run.
// Next.js: `next dev` in next-dev.test.js, `next start` in next-rsc.test.js.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { startServer, freePort, REPO } = require('./support/server')
const { planFor } = require('./support/plans')
const { SOLO, send, startServing, runTests, exportsOf, calls, assertExact, assertSameExports } = require('./support/differential')
const { fnHits } = require('./support/coverage')

let root

before(() => {
  root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-differential-')))
  fs.cpSync(path.join(__dirname, 'fixtures/stress'), root, { recursive: true })
  fs.cpSync(path.join(__dirname, 'fixtures/cluster'), path.join(root, 'cluster'), { recursive: true })
  fs.cpSync(path.join(__dirname, 'fixtures/differential'), path.join(root, 'differential'), { recursive: true })
})

after(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true })
})

const MODES = { arenas: {}, memory: { COV_ALS_LIVE: '0' } }
const arenasLeft = (outDir) => (fs.existsSync(path.join(outDir, 'live')) ? fs.readdirSync(path.join(outDir, 'live')) : [])

/** A scenario on a server started by `start(env)` ({ base, stop, output }), in one mode. */
async function runMode(name, mode, start, tests, options) {
  const outDir = path.join(root, `${name}-${mode}`)
  const server = await start({ COV_ALS: '1', COV_ALS_OUT_DIR: outDir, ...MODES[mode] })
  let result
  try {
    result = await runTests(server.base, tests, options)
  } finally {
    await server.stop()
  }
  return { ...result, exports: exportsOf(outDir), output: server.output(), arenasLeft: arenasLeft(outDir) }
}

async function bothModes(name, start, tests, options) {
  const arenas = await runMode(name, 'arenas', start, tests, options)
  const memory = await runMode(name, 'memory', start, tests, options)
  assert.deepEqual(arenas.arenasLeft, [], `${name}: every process closed its arena`)
  for (const [mode, run] of Object.entries({ arenas, memory })) assert.doesNotMatch(run.output, /CovAlsWarning/, `${name} (${mode}): a warning`)
  return { arenas, memory }
}

const fixtureServer =
  (script, extra = {}) =>
  async (env) => {
    const server = await startServer(script, { root, env: { ...env, ...extra } })
    return { base: `http://127.0.0.1:${server.port}`, stop: server.stop, output: server.stderr }
  }

test('Express with short-lived preloaded workers: concurrent equals alone, arenas and memory byte-identical', { timeout: 180000 }, async () => {
  // 16 tests of 6 to 13 requests; two of them fork a worker that exits while the others run.
  const tests = Array.from({ length: 16 }, (_, i) => {
    const plan = planFor(i)
    return { id: `express ${i}`, requests: [...plan.slice(0, 2), `/paths?n=${i}`, ...plan.slice(2), `/paths?n=${i + 1}`] }
  })
  const { arenas, memory } = await bothModes('express', fixtureServer('differential/express.js'), tests, {
    warmUp: ['/walk?n=1', '/compute?n=1&style=plain', '/stream?n=1&style=text', '/paths?n=0'],
  })
  for (const [mode, run] of Object.entries({ arenas, memory })) {
    assert.equal(assertExact(`express (${mode})`, run), tests.length)
    for (const t of tests) assert.ok(calls(run.concurrent[t.id]) > 0, `express (${mode}): "${t.id}" counted`)
  }
  // The workers' module initialisation is in startup, every run the same: compared too.
  assertSameExports('express: arenas vs COV_ALS_LIVE=0', arenas.exports, memory.exports)
  assert.ok(arenas.exports.startup.includes('compute'), 'startup has the workers’ and the warm-up’s counts')
})

test('node:cluster, 2 workers: every test’s stored report equals the test alone, arenas and memory byte-identical', { timeout: 180000 }, async () => {
  const tests = Array.from({ length: 16 }, (_, i) => ({ id: `cluster ${i}`, requests: planFor(i) }))
  const { arenas, memory } = await bothModes('cluster', fixtureServer('cluster/server.js', { WORKERS: '2' }), tests, {
    warmUp: ['/walk?n=1', '/compute?n=1&style=plain'],
  })
  // In memory, a flush answers the counts of the worker it reached only (the
  // other's come with its write-on-exit): compare what the store holds.
  for (const [mode, run] of Object.entries({ arenas, memory })) {
    for (const t of tests) {
      assert.ok(calls(JSON.parse(run.exports[t.id])) > 0, `cluster (${mode}): "${t.id}" counted`)
      assert.equal(run.exports[t.id], run.exports[SOLO(t.id)], `cluster (${mode}): "${t.id}" in the store equals the test alone`)
    }
  }
  assert.equal(assertExact('cluster (arenas): flush answers', arenas), tests.length)
  assertSameExports('cluster: arenas vs COV_ALS_LIVE=0', arenas.exports, memory.exports)
})

// SvelteKit's vite dev, with the preload (so arenas) and cov-als-native/vite.
const SVELTEKIT = path.join(REPO, 'examples/sveltekit')
const GREET = path.join(SVELTEKIT, 'src/lib/greet.ts')
const [major, minor] = process.versions.node.split('.').map(Number)
const viteSkip = ((major === 20 && minor < 19) || (major === 22 && minor < 12)) && `Vite 8 needs Node 20.19+ or 22.12+ (this is ${process.version})`

async function startVite(env) {
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const vite = path.join(path.dirname(require.resolve('vite/package.json')), 'bin/vite.js')
  const childEnv = { ...process.env, ...env, NODE_OPTIONS: `--require ${path.join(REPO, 'register.js')}`, COV_ALS_ROOT: SVELTEKIT }
  const server = await startServing(
    'vite dev',
    base,
    [vite, 'dev', '--port', String(port), '--strictPort'],
    { cwd: SVELTEKIT, env: childEnv },
    { timeoutMs: 60000 },
  )
  return {
    base,
    output: server.output,
    async stop() {
      server.kill('SIGTERM')
      const timer = setTimeout(() => server.kill('SIGKILL'), 15000)
      await server.exited
      clearTimeout(timer)
    },
  }
}

test(
  'Vite dev (SvelteKit, preload + plugin), a hot update in the middle: concurrent equals alone, arenas and memory byte-identical',
  { skip: viteSkip, timeout: 180000 },
  async () => {
    const original = fs.readFileSync(GREET, 'utf8')
    // The same length, the same statements: the new version's maps agree with
    // the old one's, so the counts of both versions add up (docs/vite.md).
    const edited = original.replace("'hello stranger'", "'hullo stranger'")
    assert.notEqual(edited, original)
    const tests = Array.from({ length: 8 }, (_, i) => ({
      id: `vite ${i}`,
      requests: i % 2 ? [`/?name=n${i}`, '/about', '/', '/about'] : ['/', `/?name=n${i}`, '/about', `/?name=m${i}`],
    }))
    // After the edit, every route once under an id of its own (kept out of the
    // comparison): the modules importing greet.ts evaluate again there, not in a test.
    const PROBE = 'hot update probe'
    let runs = 0
    const midway = (base) => ({
      at: 2,
      async run() {
        fs.writeFileSync(GREET, runs++ % 2 ? original : edited)
        const want = runs % 2 ? 'hullo stranger' : 'hello stranger'
        const deadline = Date.now() + 30000
        while (!(await send(base, { path: '/' }, PROBE)).body.includes(want)) {
          assert.ok(Date.now() < deadline, `vite dev serves the hot update (${want})`)
          await new Promise((r) => setTimeout(r, 100))
        }
        await send(base, { path: '/about' }, PROBE)
      },
    })
    const results = {}
    try {
      for (const mode of Object.keys(MODES)) {
        const outDir = path.join(root, `vite-${mode}`)
        const server = await startVite({ COV_ALS: '1', COV_ALS_OUT_DIR: outDir, ...MODES[mode] })
        try {
          results[mode] = await runTests(server.base, tests, { warmUp: ['/', '/?name=ada', '/about'], midway: midway(server.base) })
        } finally {
          await server.stop()
        }
        results[mode].exports = exportsOf(outDir)
        results[mode].output = server.output()
        results[mode].arenasLeft = arenasLeft(outDir)
      }
    } finally {
      fs.writeFileSync(GREET, original)
    }
    for (const [mode, run] of Object.entries(results)) {
      assert.equal(assertExact(`vite (${mode})`, run), tests.length)
      assert.doesNotMatch(run.output, /CovAlsWarning/, `vite (${mode}): a warning`)
      // Not vacuous, and both versions counted: "vite 0" greeted twice before the update, once after.
      assert.equal(fnHits(run.concurrent['vite 0'][GREET], 'greet'), 3, `vite (${mode}): greet() in "vite 0"`)
      assert.equal(fnHits(run.concurrent['vite 1'][GREET], 'shout'), 2, `vite (${mode}): shout() in "vite 1"`)
    }
    assert.deepEqual(results.arenas.arenasLeft, [])
    // startup too: the probe polls until the update is served, a number of times that depends on
    // timing, and module initialisation (moduleInit 'startup', the default) counts the modules
    // those polls evaluate again into startup (seen: 43 vs 44 evaluations of +page.svelte).
    assertSameExports('vite: arenas vs COV_ALS_LIVE=0', results.arenas.exports, results.memory.exports, { except: [PROBE, 'startup'] })
  },
)
