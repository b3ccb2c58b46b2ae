'use strict'
// Issue 25's runner-side friction, each as a new user meets it: a "type":
// "module" project (its own package.json, node_modules linking this repo and
// @playwright/test) runs the real Playwright with a playwright.config.ts that
// names the global setup and the reporter by bare specifier (the form that
// works in ESM and CJS configs), a scheme-less baseURL, and a server behind a
// login (__test__/fixtures/friction). Each mode of the config is one run.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const { REPO, freePort } = require('./support/server')
const { fnHits, entryFor } = require('./support/coverage')
const { readTestCoverage, listTests } = require('../lib/store')

const FIXTURE = path.join(REPO, '__test__/fixtures/friction')
const TEST_ID = 'app.spec.ts › dashboard'
let project
// Every directory this suite makes, removed at the end.
const made = []
after(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true })
})

before(() => {
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-friction-'))
  made.push(project)
  for (const name of fs.readdirSync(FIXTURE)) fs.copyFileSync(path.join(FIXTURE, name), path.join(project, name))
  // Not JavaScript: the broken-server mode imports it (kept out of the repo, where lint reads it).
  fs.writeFileSync(path.join(project, 'does-not-parse.js'), 'export const price = (n) => n +* 2\n')
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'friction-app', private: true, type: 'module' }))
  // The session the tests would use: a cookie for the server's host.
  const cookie = { name: 'session', value: 'ok', domain: '127.0.0.1', path: '/', expires: -1, httpOnly: true, secure: false, sameSite: 'Lax' }
  fs.writeFileSync(path.join(project, 'state.json'), JSON.stringify({ cookies: [cookie], origins: [] }))
  fs.mkdirSync(path.join(project, 'node_modules/@playwright'), { recursive: true })
  fs.symlinkSync(REPO, path.join(project, 'node_modules/cov-als-native'), 'dir')
  fs.symlinkSync(path.join(REPO, 'node_modules/@playwright/test'), path.join(project, 'node_modules/@playwright/test'), 'dir')
})

/** One `playwright test` of the project in FRICTION_MODE `mode`: { status, output, out }. */
async function runPlaywright(mode) {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), `cov-als-friction-${mode}-`))
  made.push(out)
  const run = spawnSync(process.execPath, [path.join(REPO, 'node_modules/@playwright/test/cli.js'), 'test', '-c', 'playwright.config.ts'], {
    cwd: project,
    env: { ...process.env, NODE_OPTIONS: '', CI: '', COV_OUT: out, PORT: String(await freePort()), FRICTION_MODE: mode },
    encoding: 'utf8',
    timeout: 3 * 60 * 1000,
  })
  return { status: run.status, output: `${run.stdout}\n${run.stderr}`, out }
}

/** Calls of dashboard() in one test's server half (0 when the file is not in it). */
function dashboardCalls(out, testId) {
  const fc = entryFor(readTestCoverage(path.join(out, 'tests'), testId, { part: 'server' }) || {}, '/dashboard.js')
  return fc ? fnHits(fc, 'dashboard') : 0
}

for (const mode of ['storageState', 'headers', 'run']) {
  test(`ESM config, scheme-less baseURL: the warm-up gets past the login with ${mode}`, { timeout: 4 * 60 * 1000 }, async () => {
    const { status, output, out } = await runPlaywright(mode)
    assert.equal(status, 0, output)
    assert.doesNotMatch(output, /Invalid URL|require is not defined/)
    assert.deepEqual(listTests(path.join(out, 'tests')), [TEST_ID, 'startup'])
    // The warm-up reached the page behind the login: dashboard() ran once without a test id.
    assert.equal(dashboardCalls(out, 'startup'), 1, output)
    assert.equal(dashboardCalls(out, TEST_ID), 1)
    assert.doesNotMatch(output, /routes redirected/)
    // The default report: merged only (per-test pages are opt-in).
    assert.ok(fs.existsSync(path.join(out, 'report/merged/index.html')), output)
    assert.ok(!fs.existsSync(path.join(out, 'report/tests')), 'no per-test pages by default')
  })
}

test('a warm-up without a session: it names the redirect and the options that give it one', { timeout: 4 * 60 * 1000 }, async () => {
  const { status, output, out } = await runPlaywright('none')
  assert.equal(status, 0, output)
  assert.match(
    output,
    /cov-als-native warm-up: 1 of 1 routes redirected \(\/dashboard -> \/login\).*use\.storageState, use\.extraHTTPHeaders, or covWarmUp\.run/,
  )
  assert.equal(dashboardCalls(out, 'startup'), 0)
})

test('a misspelt fixture option fails the global setup naming the options', { timeout: 4 * 60 * 1000 }, async () => {
  const { status, output } = await runPlaywright('bad-option')
  assert.notEqual(status, 0)
  assert.match(output, /cov-als-native: unknown option use\.covWarmup \(the options are covServerURL, .*covWarmUp\)/)
})

test('a failing global setup: the reporter names it, not the fixture', { timeout: 4 * 60 * 1000 }, async () => {
  const { status, output } = await runPlaywright('failing-setup')
  assert.notEqual(status, 0)
  assert.match(
    output,
    /cov-als-native\/reporter: no coverage was written: the run failed outside the tests \(.*use\.covWarmUp\.timeout must be a number of milliseconds above 0 \(got -1\)\)/,
  )
  assert.doesNotMatch(output, /no test used the cov-als-native fixture/)
})

// remix-dashboard (docs/field-trials.md): its setup project failed, so 64 specs
// that all import the fixture never ran; the reporter told the user to import it.
test('no coverage because the tests did not run: the reporter says so, not "import the fixture"', () => {
  const Reporter = require('../reporter.js')
  const why = (statuses) => {
    const reporter = new Reporter({ flush: false })
    for (const status of statuses) reporter.onTestEnd({ annotations: [] }, { status, annotations: [] })
    return reporter.whyNoCoverage()
  }
  assert.equal(why(['skipped', 'skipped']), 'no test ran (2 skipped or not run)')
  const setupFailed = why(['failed', 'failed', 'skipped', 'skipped', 'skipped'])
  assert.match(
    setupFailed,
    /^none of the 2 test\(s\) that ran told where its coverage went; 3 did not run \(skipped, or after a failed setup project they depend on\)\. Import test from/,
  )
  assert.match(why(['passed']), /^none of the 1 test\(s\) that ran told where its coverage went\. Import test from 'cov-als-native\/playwright'/)
})

test('the reporter warns of an unknown option, naming its options', () => {
  const Reporter = require('../reporter.js')
  const warnings = []
  const warn = console.warn
  console.warn = (m) => warnings.push(m)
  try {
    new Reporter({ outdir: 'coverage/tests' })
    // What Playwright adds itself is no user option.
    new Reporter({ out: 'r', configDir: '/x', _mode: 'test' })
  } finally {
    console.warn = warn
  }
  assert.deepEqual(warnings, [
    'cov-als-native/reporter: unknown option outdir ignored (the options are outDir, out, reporters, perTest, perTestReporters, flush)',
  ])
})

test('server URLs: a scheme-less one is http (as Playwright navigates to it), a bad one names its option', () => {
  const { parseServerURLs } = require('../lib/control')
  const { optionsOf } = require('../lib/runner/options')
  assert.deepEqual(parseServerURLs('localhost:9001, https://b.test'), ['http://localhost:9001', 'https://b.test'])
  assert.equal(optionsOf({ projects: [{ use: { baseURL: 'localhost:9001' } }] }).server, 'http://localhost:9001')
  assert.throws(() => optionsOf({ projects: [{ use: { baseURL: 'http://' } }] }), /use\.baseURL "http:\/\/" is not a URL/)
  assert.throws(() => parseServerURLs('ftp://x', 'covServerURL'), /covServerURL "ftp:\/\/x" is not an http\(s\) URL/)
})

test('the documented JS API is reachable by package name: cov-als-native/store, from CommonJS and ESM', () => {
  const dir = path.join(project, 'store-api')
  const script = (load) =>
    `${load}\nconst map = { '/a.js': { path: '/a.js', statementMap: { 0: { start: { line: 1, column: 0 }, end: { line: 1, column: 5 } } }, fnMap: {}, branchMap: {}, s: { 0: 2 }, f: {}, b: {} } }\n` +
    `store.writeTestCoverage(${JSON.stringify(dir)}, 'one', map)\nconsole.log(JSON.stringify([store.listTests(${JSON.stringify(dir)}), store.readTestCoverage(${JSON.stringify(dir)}, 'one')['/a.js'].s]))`
  for (const [ext, load] of [
    ['cjs', "const store = require('cov-als-native/store')"],
    ['mjs', "import store from 'cov-als-native/store'"],
  ]) {
    const file = path.join(project, `store-api.${ext}`)
    fs.writeFileSync(file, script(load))
    const run = spawnSync(process.execPath, [file], { cwd: project, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } })
    assert.equal(run.status, 0, run.stderr)
    assert.deepEqual(JSON.parse(run.stdout), [['one'], { 0: 2 }], ext)
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test("a bundle without a source map: the advice is the project's own build tool's", () => {
  const { sourceMapAdvice } = require('../lib/runner/bundler-advice')
  const app = (name, files) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `cov-als-advice-${name}-`))
    made.push(dir)
    for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), text)
    return dir
  }
  const pkg = (deps) => JSON.stringify({ dependencies: deps })
  const cases = [
    [app('next', { 'package.json': pkg({ next: '16', react: '19' }) }), 'next', /productionBrowserSourceMaps: true in next\.config/],
    [app('sveltekit', { 'package.json': pkg({ '@sveltejs/kit': '2', vite: '8' }) }), 'vite', /build\.sourcemap: true in vite\.config/],
    [app('webpack', { 'package.json': pkg({ express: '5' }), 'webpack.config.js': 'module.exports = {}' }), 'webpack', /devtool: 'source-map'/],
    [app('nuxt', { 'package.json': pkg({ nuxt: '4', vite: '7' }) }), 'nuxt', /sourcemap: \{ client: true \} in nuxt\.config/],
  ]
  for (const [dir, tool, advice] of cases) {
    const got = sourceMapAdvice(dir)
    assert.equal(got.tool, tool, dir)
    assert.match(got.advice, advice)
    if (tool !== 'next') assert.doesNotMatch(got.advice, /Next|productionBrowserSourceMaps/)
  }
  // Nothing recognised (or no package.json): the setting of each common tool, none presumed.
  const plain = sourceMapAdvice(app('plain', { 'package.json': pkg({ express: '5' }) }))
  assert.equal(plain.tool, null)
  assert.match(plain.advice, /^build the client bundles with source maps \(Vite: .*webpack: .*esbuild: /)
})

test('a webServer that dies at startup under the preload: Playwright shows why, and the reporter points there', { timeout: 4 * 60 * 1000 }, async () => {
  const { status, output } = await runPlaywright('broken-server')
  assert.notEqual(status, 0)
  assert.match(output, /Process from config\.webServer was not able to start/)
  // The line the preload writes at exit, on the stderr Playwright shows (ESM: the stack names no file).
  assert.match(
    output,
    /\[WebServer\] cov-als-native: node broken\.js exits with code 1 before any server listens .*of an uncaught SyntaxError: Unexpected token '\*'/,
  )
  assert.doesNotMatch(output, /a file cov-als-native instrumented/)
  assert.match(output, /cov-als-native\/reporter: no coverage was written: the webServer did not start .*\[WebServer\] lines above/)
})

test("the global setup's list of options is the fixture's (a new option is no 'unknown option')", () => {
  const { FIXTURE_OPTIONS, checkUseOptions } = require('../lib/runner/options')
  const declared = [...fs.readFileSync(path.join(REPO, 'lib/runner/fixture.js'), 'utf8').matchAll(/^\s+(cov\w+): \[.*\{ option: true \}\],$/gm)].map(
    (m) => m[1],
  )
  assert.ok(declared.length >= 10, declared.join(', '))
  assert.deepEqual(declared.sort(), FIXTURE_OPTIONS.filter((o) => o !== 'covWarmUp').sort())
  assert.doesNotThrow(() => checkUseOptions({ projects: [{ use: Object.fromEntries(FIXTURE_OPTIONS.map((o) => [o, o === 'covWarmUp' ? {} : 1])) }] }))
  assert.throws(
    () => checkUseOptions({ use: { covWarmUp: { route: ['/'] } } }),
    /unknown option use\.covWarmUp\.route \(the options are run, routes, actions, pages, timeout\)/,
  )
})

test('the warm-up posts a server action as Next expects it: Next-Action header, arguments as JSON text', async () => {
  const { warmUp } = require('../lib/runner/warm-up')
  const http = require('node:http')
  const seen = []
  const server = http.createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, action: req.headers['next-action'], type: req.headers['content-type'], cookie: req.headers.cookie, body })
      res.end('ok')
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    const logs = []
    await warmUp(
      {
        server: `http://127.0.0.1:${server.address().port}`,
        warmUp: { routes: ['/cart'], actions: [{ id: 'a1b2', page: '/cart', args: ['socks', 1] }] },
        requestOptions: { extraHTTPHeaders: { cookie: 'session=ok' } },
        configDir: project,
      },
      (m) => logs.push(m),
    )
    assert.deepEqual(seen, [
      { method: 'GET', url: '/cart', action: undefined, type: undefined, cookie: 'session=ok', body: '' },
      { method: 'POST', url: '/cart', action: 'a1b2', type: 'text/plain;charset=UTF-8', cookie: 'session=ok', body: '["socks",1]' },
    ])
    assert.deepEqual(logs, ['cov-als-native: warmed up 1 routes and 1 server actions without a test id (counted as "startup")'])
  } finally {
    server.close()
  }
})
