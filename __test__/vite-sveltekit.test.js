'use strict'
// SvelteKit smoke test of cov-als-native/vite (examples/sveltekit): ONE
// `vite dev` without the preload (the plugin scopes requests and answers
// flushes itself), two Playwright tests, each asserting its own report
// (covPeek: +page.server.ts loads, a $lib module, and a .svelte component
// rendered on the server, through the compiler's map). Here: the two tests in
// parallel give each exactly the report it gets run alone (one worker), with
// a hot update of src/lib/greet.ts (both tests' shared module) once a test
// is in flight, in either run (issue 22; same statements, so both versions'
// counts add up).

const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { REPO, freePort } = require('./support/server')
const { fnHits } = require('./support/coverage')
const { listTests, readTestCoverage } = require('../lib/store')
const { spawnCollect, hotUpdate } = require('./support/hot-update')

const APP = path.join(REPO, 'examples/sveltekit')
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
const [major, minor] = process.versions.node.split('.').map(Number)
const skip =
  (major === 20 && minor < 19) || (major === 22 && minor < 12)
    ? `Vite 8 needs Node 20.19+ or 22.12+ (this is ${process.version})`
    : !fs.existsSync(CHROMIUM) && `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`

const NAMED = 'smoke.spec.ts › greets by name'
const ABOUT = 'smoke.spec.ts › about shouts its title'

const GREET = path.join(APP, 'src/lib/greet.ts')

async function runSuite(workers) {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), `cov-als-sveltekit-${workers}-`))
  const port = await freePort()
  const env = {
    ...process.env,
    NODE_OPTIONS: '',
    COV_OUT: out,
    PORT: String(port),
    PW_WORKERS: String(workers),
    PW_JSON_REPORT: path.join(out, 'playwright.json'),
    PW_OUTPUT_DIR: path.join(out, 'pw-results'),
    PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}`,
  }
  for (const k of Object.keys(env)) if (k.startsWith('COV_ALS')) delete env[k]
  // The plugin says when a hot update supersedes a module.
  env.COV_ALS_DEBUG = '1'
  const run = spawnCollect(process.execPath, [path.join(REPO, 'node_modules/@playwright/test/cli.js'), 'test', '-c', path.join(APP, 'playwright.config.js')], {
    cwd: REPO,
    env,
    timeout: 4 * 60 * 1000,
  })
  const original = fs.readFileSync(GREET, 'utf8')
  let update
  try {
    // The same statements, a string no spec asserts.
    update = await hotUpdate(run, { base: `http://127.0.0.1:${port}`, file: GREET, edit: (t) => t.replace("'hello stranger'", "'hullo stranger'"), touch: '/' })
  } finally {
    const { status, output } = await run.done
    fs.writeFileSync(GREET, original)
    assert.equal(status, 0, `playwright (${workers} workers) failed:\n${output.slice(-20000)}`)
  }
  assert.ok(update.superseded, `${workers} workers: the hot update of greet.ts was loaded while the suite ran (tests in flight: ${update.inFlight})`)
  assert.equal(JSON.parse(fs.readFileSync(env.PW_JSON_REPORT, 'utf8')).stats.expected, 2)
  const dir = path.join(out, 'tests')
  const byId = {}
  for (const id of listTests(dir)) byId[id] = readTestCoverage(dir, id, { part: 'server' })
  fs.rmSync(out, { recursive: true, force: true })
  return { byId, inFlight: update.inFlight }
}

function comparable(coverage) {
  const out = {}
  for (const [file, { statementMap, fnMap, branchMap, s, f, b }] of Object.entries(coverage))
    out[path.relative(APP, file)] = { statementMap, fnMap, branchMap, s, f, b }
  return out
}

test(
  'SvelteKit dev server: two tests in parallel, each with exactly the report it gets alone, a hot update in the middle',
  { skip, timeout: 10 * 60 * 1000 },
  async (t) => {
    const parallel = await runSuite(2)
    const alone = await runSuite(1)
    t.diagnostic(`hot update of greet.ts with in flight: ${parallel.inFlight.join(', ')} (parallel); ${alone.inFlight.join(', ')} (alone)`)
    assert.deepEqual(Object.keys(parallel.byId).sort(), [ABOUT, NAMED, 'startup'].sort())
    const at = (id, rel) => {
      const fc = parallel.byId[id][path.join(APP, rel)]
      assert.ok(fc, `"${id}" has ${rel}; has ${Object.keys(parallel.byId[id]).join(', ')}`)
      return fc
    }
    // Exact counts, as the specs assert them, read back from the run store.
    assert.equal(fnHits(at(NAMED, 'src/routes/+page.server.ts'), 'load'), 1)
    assert.equal(fnHits(at(NAMED, 'src/routes/+page.svelte'), 'decorate'), 1)
    assert.equal(fnHits(at(NAMED, 'src/lib/greet.ts'), 'shout'), 0)
    assert.equal(fnHits(at(ABOUT, 'src/lib/greet.ts'), 'shout'), 1)
    assert.equal(fnHits(at(ABOUT, 'src/routes/+page.svelte'), 'decorate'), 0)
    // The component is reported under its .svelte path with its own lines.
    const decorate = Object.values(at(NAMED, 'src/routes/+page.svelte').fnMap).find((f) => f.name === 'decorate')
    const line =
      fs
        .readFileSync(path.join(APP, 'src/routes/+page.svelte'), 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('function decorate')) + 1
    assert.equal(decorate.decl.start.line, line)
    // Module initialisation went to startup (the warm-up), not to a test.
    assert.ok(fnHits(parallel.byId.startup[path.join(APP, 'src/routes/+page.server.ts')], 'load') >= 2)
    for (const id of [NAMED, ABOUT]) assert.deepEqual(comparable(parallel.byId[id]), comparable(alone.byId[id]), `"${id}" in parallel equals the test alone`)
  },
)
