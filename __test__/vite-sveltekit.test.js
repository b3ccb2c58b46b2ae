'use strict'
// SvelteKit smoke test of cov-als-native/vite (examples/sveltekit): ONE
// `vite dev` without the preload (the plugin scopes requests and answers
// flushes itself), two Playwright tests, each asserting its own report
// (covPeek: +page.server.ts loads, a $lib module, and a .svelte component
// rendered on the server, through the compiler's map). Here: the two tests in
// parallel give each exactly the report it gets run alone (one worker).

const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const { REPO, freePort } = require('./support/server')
const { fnHits } = require('./support/coverage')
const { listTests, readTestCoverage } = require('../lib/store')

const APP = path.join(REPO, 'examples/sveltekit')
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
const [major, minor] = process.versions.node.split('.').map(Number)
const skip =
  (major === 20 && minor < 19) || (major === 22 && minor < 12)
    ? `Vite 8 needs Node 20.19+ or 22.12+ (this is ${process.version})`
    : !fs.existsSync(CHROMIUM) && `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`

const NAMED = 'smoke.spec.ts › greets by name'
const ABOUT = 'smoke.spec.ts › about shouts its title'

async function runSuite(workers) {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), `cov-als-sveltekit-${workers}-`))
  const env = {
    ...process.env,
    NODE_OPTIONS: '',
    COV_OUT: out,
    PORT: String(await freePort()),
    PW_WORKERS: String(workers),
    PW_JSON_REPORT: path.join(out, 'playwright.json'),
    PW_OUTPUT_DIR: path.join(out, 'pw-results'),
    PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}`,
  }
  for (const k of Object.keys(env)) if (k.startsWith('COV_ALS')) delete env[k]
  const run = spawnSync(process.execPath, [path.join(REPO, 'node_modules/@playwright/test/cli.js'), 'test', '-c', path.join(APP, 'playwright.config.js')], {
    cwd: REPO,
    env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 4 * 60 * 1000,
  })
  const output = `${run.stdout}\n${run.stderr}`
  assert.equal(run.status, 0, `playwright (${workers} workers) failed:\n${output.slice(-20000)}`)
  assert.equal(JSON.parse(fs.readFileSync(env.PW_JSON_REPORT, 'utf8')).stats.expected, 2)
  const dir = path.join(out, 'tests')
  const byId = {}
  for (const id of listTests(dir)) byId[id] = readTestCoverage(dir, id, { part: 'server' })
  fs.rmSync(out, { recursive: true, force: true })
  return { byId, output }
}

function comparable(coverage) {
  const out = {}
  for (const [file, { statementMap, fnMap, branchMap, s, f, b }] of Object.entries(coverage))
    out[path.relative(APP, file)] = { statementMap, fnMap, branchMap, s, f, b }
  return out
}

test('SvelteKit dev server: two tests in parallel, each with exactly the report it gets alone', { skip, timeout: 10 * 60 * 1000 }, async () => {
  const parallel = await runSuite(2)
  const alone = await runSuite(1)
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
})
