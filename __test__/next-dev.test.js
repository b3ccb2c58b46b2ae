'use strict'
// `next dev` (Turbopack, and webpack with cov-als-native/loader's
// serverDevSourceMaps in next.config.js) of examples/next-rsc with the
// preload, as issue 22 measured it: after a warm-up without a test id, 12
// tests at once (two page or route requests each, then a flush each); each
// test's flush answer must equal the same test run again alone on the same
// server. Once with the counter tables in live arenas (the default) and once
// in process memory (COV_ALS_LIVE=0): every test's exported report must be
// byte-identical between the two.
//
// What broke it (docs/crash-safety.md, "Write-on-exit"): `next dev` runs
// getStaticPaths of dynamic routes in a new jest-worker process per request
// and ends it; each inherits NODE_OPTIONS, so the preload. Their exit used
// to flush every test pending anywhere in the run, taking the counts the
// server was still making for the tests in flight.
//
// No build: `next dev` compiles on demand, into .next-dev (Turbopack) or
// .next-dev-webpack under the example (listed in its tsconfig.json).

const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { REPO, freePort } = require('./support/server')
const { startServing, runTests, exportsOf, calls, assertExact, assertSameExports } = require('./support/differential')
const { fnHits } = require('./support/coverage')
const { recover } = require('../lib/arenas')
const { CONCURRENT_TESTS: TESTS, WARM_UP } = require('./support/next-app')

const APP = path.join(REPO, 'examples/next-rsc')
const NEXT_BIN = path.join(REPO, 'node_modules/next/dist/bin/next')
const DIST_DIR = { turbopack: '.next-dev', webpack: '.next-dev-webpack' }

/** `next dev` with the preload; its process group is stopped with SIGTERM (write-on-exit in each process). */
async function startDev(builder, outDir, extraEnv) {
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NEXT_DIST_DIR: DIST_DIR[builder] }
  for (const k of Object.keys(env)) if (k.startsWith('COV_ALS')) delete env[k]
  Object.assign(env, { NODE_OPTIONS: `--require ${path.join(REPO, 'register.js')}`, COV_ALS: '1', COV_ALS_OUT_DIR: outDir, ...extraEnv })
  const args = [NEXT_BIN, 'dev', ...(builder === 'webpack' ? ['--webpack'] : []), '-p', String(port), '-H', '127.0.0.1']
  const server = await startServing('next dev', base, args, { cwd: APP, env }, { timeoutMs: 90000, group: true })
  return {
    base,
    output: server.output,
    async stop() {
      server.kill('SIGTERM')
      const timer = setTimeout(() => server.kill('SIGKILL'), 20000)
      await server.exited
      // The group's other processes (the server, jest workers) close their
      // arenas too, and so does the detached telemetry flush next dev starts
      // on its way out (its own process group): until live/ stays empty.
      const live = path.join(outDir, 'live')
      const empty = () => !fs.existsSync(live) || fs.readdirSync(live).length === 0
      for (let i = 0, quiet = 0; i < 100 && quiet < 5; i++) {
        quiet = empty() ? quiet + 1 : 0
        await new Promise((r) => setTimeout(r, 200))
      }
      clearTimeout(timer)
      server.kill('SIGKILL')
    },
  }
}

async function devRun(builder, live) {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), `cov-als-next-dev-${builder}-${live ? 'arenas' : 'memory'}-`))
  const server = await startDev(builder, outDir, live ? {} : { COV_ALS_LIVE: '0' })
  let result
  try {
    // Twice: webpack's dev server evaluates a page's chunks again on the first
    // request after a later route's compilation; the second pass compiles nothing.
    result = await runTests(server.base, TESTS, { warmUp: WARM_UP, warmUpPasses: 2 })
  } finally {
    await server.stop()
  }
  // jest-worker SIGKILLs a worker still exiting 1 s after it was told to end
  // (its write-on-exit waits for the store on a loaded machine): its arena is
  // then left, a crash, which recovery takes (only that worker's startup counts).
  const recovered = recover(outDir)
  const liveDir = path.join(outDir, 'live')
  return {
    ...result,
    exports: exportsOf(outDir),
    output: server.output(),
    recovered,
    arenasLeft: fs.existsSync(liveDir) ? fs.readdirSync(liveDir) : [],
    clean: () => fs.rmSync(outDir, { recursive: true, force: true }),
  }
}

function checkRun(label, run) {
  const equal = assertExact(label, run)
  assert.equal(equal, TESTS.length)
  for (const t of TESTS) assert.ok(calls(run.concurrent[t.id]) > 0, `${label}: "${t.id}" counted app code (not vacuous)`)
  // Exact, not just equal: the test of / and /products/shoes rendered each once.
  const first = run.concurrent[TESTS[0].id]
  const at = (rel) => first[path.join(APP, rel)]
  assert.equal(fnHits(at('app/page.tsx'), 'HomePage'), 1, `${label}: HomePage in "${TESTS[0].id}"`)
  assert.equal(fnHits(at('app/products/[slug]/page.tsx'), 'ProductPage'), 1, `${label}: ProductPage`)
  assert.equal(fnHits(at('app/products/[slug]/reviews.tsx'), 'Reviews'), 1, `${label}: the streamed Reviews`)
  assert.equal(fnHits(at('lib/catalog.ts'), 'byPrice'), 0, `${label}: byPrice is the ?sort=price test's`)
  // No count was dropped on the way (a flush warns when it cannot place one).
  assert.doesNotMatch(run.output, /CovAlsWarning/, `${label}: the server warned`)
}

for (const builder of ['turbopack', 'webpack']) {
  test(
    `next dev (${builder}): 12 concurrent tests each equal the test alone, with arenas and in memory, and the exported reports are byte-identical`,
    { timeout: 10 * 60 * 1000 },
    async (t) => {
      const t0 = Date.now()
      const arenas = await devRun(builder, true)
      const t1 = Date.now()
      const memory = await devRun(builder, false)
      t.diagnostic(`${builder}: next dev with arenas ${Math.round((t1 - t0) / 1000)} s, in memory ${Math.round((Date.now() - t1) / 1000)} s`)
      try {
        checkRun(`${builder}, arenas`, arenas)
        assert.deepEqual(arenas.arenasLeft, [], 'every process of next dev (server, workers) closed its arena, or was recovered')
        for (const r of arenas.recovered) {
          assert.deepEqual([r.skipped || null, r.problems], [null, []], `recovery of ${r.arena}`)
          assert.ok(r.tests <= 1, `a killed worker had startup counts only: ${JSON.stringify(r)}`)
        }
        if (arenas.recovered.length) t.diagnostic(`${builder}: ${arenas.recovered.length} worker arena(s) recovered`)
        checkRun(`${builder}, COV_ALS_LIVE=0`, memory)
        // Not startup: it also holds what the short-lived static-paths workers
        // counted (each initialises the route modules), and how many next dev
        // starts depends on timing (its staticPathsCache), in either mode.
        assertSameExports(`${builder}: arenas vs COV_ALS_LIVE=0`, arenas.exports, memory.exports, { except: ['startup'] })
        assert.ok(Object.keys(arenas.exports).length >= 2 * TESTS.length + 1, 'every test, solo and startup exported')
      } finally {
        arenas.clean()
        memory.clean()
      }
    },
  )
}
