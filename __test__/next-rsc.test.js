'use strict'
// The Next.js example end to end, for both builders: `next build` (Turbopack,
// then webpack; examples/next-rsc/run.js), then a stock `playwright test` with
// the example's config, as `npm run demo` runs it: Playwright starts `next
// start` with the preload (webServer, killed with SIGKILL at the end), the
// global setup warms up, 14 tests x 2 projects run on 4 workers in Debian's
// headless Chromium, the reporter writes the reports. Then checks of each
// test's coverage, read through the store (readTestCoverage): one report per
// test (both projects merged), keyed by the original .ts/.tsx files, exact
// counts where the app makes them deterministic (2 = one run per project),
// and the browser half (V8 through the client bundles' source maps).
// The builds have `output: 'standalone'` too (it changes nothing `next start`
// serves): the same suite then runs against the standalone server.js
// (NEXT_STANDALONE=1), and each test's server half must equal next start's.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const { REPO, freePort } = require('./support/server')
const { fnHits, lineHits } = require('./support/coverage')
const { listTests, readTestCoverage } = require('../lib/store')
const libCoverage = require('istanbul-lib-coverage')
const { startApp, CONCURRENT_TESTS, WARM_UP } = require('./support/next-app')
const { runTests, exportsOf, calls, assertExact, assertSameExports } = require('./support/differential')

const APP = path.join(REPO, 'examples/next-rsc')
const RUN = path.join(APP, 'run.js')
const PLAYWRIGHT_CLI = path.join(REPO, 'node_modules/@playwright/test/cli.js')
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
const skip = !fs.existsSync(CHROMIUM) && `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`

const TESTS = {
  'actions.spec.ts': ['form post through a server action', 'a server action rejects a bad quantity', 'a client component calls a server action'],
  'api.spec.ts': ['api › stock of a product', 'api › stock of an unknown product is a 404'],
  'pages.spec.ts': [
    'home lists products by name',
    'home sorted by price',
    'premium product streams its reviews',
    'standard product without reviews',
    'missing product is a 404',
    'client-side navigation from home to a product',
    'search finds a product',
    'empty search shows a hint',
    'the about page is prerendered at build time',
  ],
}
const TEST_IDS = Object.entries(TESTS).flatMap(([file, titles]) => titles.map((t) => `${file} › ${t}`))

const SOURCES = [
  'app/layout.tsx',
  'app/page.tsx',
  'app/products/[slug]/page.tsx',
  'app/products/[slug]/reviews.tsx',
  'app/products/[slug]/not-found.tsx',
  'app/search/page.tsx',
  'app/cart/page.tsx',
  'app/cart/actions.ts',
  'app/cart/quote-button.tsx',
  'app/api/stock/[slug]/route.ts',
  'lib/catalog.ts',
  'lib/format.ts',
  'lib/cart.ts',
  'lib/delay.ts',
]

/** The line after `// cov:<marker>` in an app source file. */
function markerLine(rel, marker) {
  const lines = fs.readFileSync(path.join(APP, rel), 'utf8').split('\n')
  const i = lines.findIndex((l) => l.trim() === `// cov:${marker}`)
  assert.ok(i >= 0, `marker cov:${marker} in ${rel}`)
  return i + 2
}

function inside(loc, fn) {
  const { start, end } = fn.loc
  const s = loc.start
  return (s.line > start.line || (s.line === start.line && s.column >= start.column)) && (s.line < end.line || (s.line === end.line && s.column <= end.column))
}

/** Counted statements outside every function: module initialisation. */
function moduleLevelHits(fc) {
  const fns = Object.values(fc.fnMap)
  return Object.keys(fc.statementMap).filter((k) => fc.s[k] > 0 && !fns.some((fn) => inside(fc.statementMap[k], fn))).length
}

// scripts/node-lines.js reuses the builds `npm test` made (two builds, not
// two per Node line) and runs the standalone leg only on the first line.
const REUSE_BUILD = process.env.COV_ALS_NEXT_REUSE_BUILD === '1'
const spawnOptions = { cwd: REPO, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 10 * 60 * 1000 }

/** Builds of its own (.next-test*), so that `npm run demo` can run meanwhile; with the standalone server. */
function build(builder) {
  const distDir = builder === 'webpack' ? '.next-test-webpack' : '.next-test'
  if (REUSE_BUILD && fs.existsSync(path.join(APP, distDir, 'BUILD_ID'))) return distDir
  const run = spawnSync(process.execPath, [RUN, ...(builder === 'webpack' ? ['--webpack'] : []), '--standalone', '--dist-dir', distDir], {
    ...spawnOptions,
    env: { ...process.env, NODE_OPTIONS: '' },
  })
  assert.equal(run.status, 0, `next build (${builder}) failed:\n${`${run.stdout}\n${run.stderr}`.slice(-20000)}`)
  return distDir
}

/** The example's Playwright suite against `next start` of `distDir`, or its standalone server.js. */
async function runExample(builder, distDir, { standalone = false } = {}) {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), `cov-als-next-${builder}${standalone ? '-standalone' : ''}-`))
  const pwJson = path.join(out, 'playwright.json')
  const started = Date.now()
  const env = {
    ...process.env,
    NODE_OPTIONS: '',
    NEXT_BUILDER: builder,
    NEXT_DIST_DIR: distDir,
    NEXT_STANDALONE: standalone ? '1' : '',
    COV_OUT: out,
    PORT: String(await freePort()),
    PW_JSON_REPORT: pwJson,
    PW_OUTPUT_DIR: path.join(out, 'pw-results'),
  }
  for (const k of Object.keys(env)) if (k.startsWith('COV_ALS')) delete env[k]
  const run = spawnSync(process.execPath, [PLAYWRIGHT_CLI, 'test', '-c', path.join(APP, 'playwright.config.js')], { ...spawnOptions, env })
  const output = `${run.stdout}\n${run.stderr}`
  assert.equal(
    run.status,
    0,
    `playwright test (${builder}${standalone ? ', standalone' : ''}) failed (${run.error ? run.error.message : `exit ${run.status}`}):\n${output.slice(-20000)}`,
  )
  const dir = path.join(out, 'tests')
  const byId = {}
  const browserById = {}
  const bothById = {}
  for (const id of listTests(dir)) {
    byId[id] = readTestCoverage(dir, id, { part: 'server' })
    browserById[id] = readTestCoverage(dir, id, { part: 'browser' })
    bothById[id] = readTestCoverage(dir, id)
  }
  return {
    out,
    output,
    pw: JSON.parse(fs.readFileSync(pwJson, 'utf8')),
    byId,
    browserById,
    bothById,
    seconds: Math.round((Date.now() - started) / 1000),
  }
}

function checkReports(builder, { out, pw, byId }) {
  // 14 tests x 2 projects passed, each asserting on its own report (covPeek).
  assert.equal(pw.stats.expected, 28, 'all 28 runs passed')
  assert.equal(pw.stats.unexpected, 0)
  // One file per test, both projects merged into it, plus the startup bucket.
  assert.deepEqual(Object.keys(byId).sort(), [...TEST_IDS, 'startup'].sort())

  const at = (id, rel) => {
    const key = path.join(APP, rel)
    assert.ok(byId[id][key], `${builder}: "${id}" has ${key}`)
    return byId[id][key]
  }
  const calls = (id, rel, fn) => fnHits(at(id, rel), fn)

  // Reports name the original files, not the .next chunks they were loaded from.
  for (const id of Object.keys(byId)) {
    for (const rel of SOURCES) assert.equal(at(id, rel).path, path.join(APP, rel))
  }
  for (const key of Object.keys(byId.startup)) {
    if (/\/\.next[^/]*\//.test(key))
      assert.equal(
        Object.keys(byId.startup[key].fnMap).filter((k) => /^(Home|Product|Search|Cart)Page$|^Reviews$/.test(byId.startup[key].fnMap[k].name)).length,
        0,
        `${builder}: app code reported under the chunk path ${key}`,
      )
  }

  // The warm-up ran every route without a test id: module initialisation and
  // the warm-up renders are in "startup", none in the tests.
  assert.ok(calls('startup', 'app/page.tsx', 'HomePage') >= 2)
  assert.equal(calls('startup', 'app/cart/actions.ts', 'getQuote'), 1, 'the warm-up server action')
  for (const id of TEST_IDS) {
    for (const rel of SOURCES) assert.equal(moduleLevelHits(at(id, rel)), 0, `${builder}: module initialisation of ${rel} counted in "${id}"`)
  }

  // Exact counts: 2 = the desktop and the mobile run of the test.
  const premium = 'pages.spec.ts › premium product streams its reviews'
  assert.equal(calls(premium, 'app/products/[slug]/page.tsx', 'ProductPage'), 2)
  assert.equal(calls(premium, 'app/products/[slug]/page.tsx', 'PremiumBadge'), 2)
  assert.equal(calls(premium, 'app/products/[slug]/reviews.tsx', 'Reviews'), 2, 'the async component streamed in <Suspense>')
  assert.equal(calls(premium, 'lib/catalog.ts', 'getReviews'), 2)
  assert.equal(calls(premium, 'lib/format.ts', 'tierOf'), 2)
  assert.equal(lineHits(at(premium, 'lib/format.ts'), markerLine('lib/format.ts', 'tier-premium')), 2)
  assert.equal(lineHits(at(premium, 'lib/format.ts'), markerLine('lib/format.ts', 'tier-standard')), 0)
  assert.equal(calls(premium, 'app/page.tsx', 'HomePage'), 0)
  assert.equal(calls(premium, 'app/cart/actions.ts', 'addToCart'), 0)

  const standard = 'pages.spec.ts › standard product without reviews'
  assert.equal(calls(standard, 'app/products/[slug]/page.tsx', 'PremiumBadge'), 0)
  assert.equal(lineHits(at(standard, 'lib/format.ts'), markerLine('lib/format.ts', 'tier-standard')), 2)

  const home = 'pages.spec.ts › home lists products by name'
  assert.equal(calls(home, 'app/page.tsx', 'HomePage'), 2)
  assert.equal(calls(home, 'lib/catalog.ts', 'listProducts'), 2)
  assert.equal(calls(home, 'lib/catalog.ts', 'byPrice'), 0)
  assert.equal(lineHits(at(home, 'lib/catalog.ts'), markerLine('lib/catalog.ts', 'sort-name')), 2)
  assert.equal(calls(home, 'app/products/[slug]/page.tsx', 'ProductPage'), 0)

  const missing = 'pages.spec.ts › missing product is a 404'
  assert.equal(lineHits(at(missing, 'app/products/[slug]/page.tsx'), markerLine('app/products/[slug]/page.tsx', 'product-missing')), 2)
  assert.equal(calls(missing, 'app/products/[slug]/not-found.tsx', 'ProductNotFound'), 2)
  assert.equal(calls(missing, 'app/products/[slug]/reviews.tsx', 'Reviews'), 0)

  const quote = 'actions.spec.ts › a client component calls a server action'
  assert.equal(calls(quote, 'app/cart/actions.ts', 'getQuote'), 2)
  assert.equal(calls(quote, 'app/cart/actions.ts', 'addToCart'), 0)
  assert.equal(lineHits(at(quote, 'lib/cart.ts'), markerLine('lib/cart.ts', 'bulk-discount')), 2)
  // The client component: rendered on the server (SSR) once per run; its
  // click handler runs in the browser only.
  assert.equal(calls(quote, 'app/cart/quote-button.tsx', 'QuoteButton'), 2)
  assert.equal(calls(quote, 'app/cart/quote-button.tsx', 'onQuote'), 0)

  const form = 'actions.spec.ts › form post through a server action'
  assert.equal(calls(form, 'app/cart/actions.ts', 'addToCart'), 2)
  assert.equal(calls(form, 'app/cart/actions.ts', 'getQuote'), 0)
  assert.equal(lineHits(at(form, 'app/cart/actions.ts'), markerLine('app/cart/actions.ts', 'add-ok')), 2)
  assert.equal(lineHits(at(form, 'app/cart/actions.ts'), markerLine('app/cart/actions.ts', 'add-invalid')), 0)

  const api = 'api.spec.ts › api › stock of a product'
  assert.equal(calls(api, 'app/api/stock/[slug]/route.ts', 'GET'), 2)
  assert.equal(calls(api, 'lib/format.ts', 'stockLabel'), 2)
  assert.equal(calls(api, 'app/layout.tsx', 'RootLayout'), 0, 'a route handler renders no layout')

  // The prerendered page: nothing of the app ran for it at run time.
  const about = 'pages.spec.ts › the about page is prerendered at build time'
  for (const rel of SOURCES)
    assert.equal(
      Object.values(at(about, rel).f).reduce((a, b) => a + b, 0),
      0,
      `${rel} in "${about}"`,
    )

  // The merged report and the summary table.
  assert.ok(fs.existsSync(path.join(out, 'report/merged/index.html')))
  const lcov = fs.readFileSync(path.join(out, 'report/merged/lcov.info'), 'utf8')
  assert.ok(lcov.includes('SF:app/products/[slug]/page.tsx'), 'lcov names the .tsx file (relative to the config)')
  const summary = JSON.parse(fs.readFileSync(path.join(out, 'report/summary.json'), 'utf8'))
  assert.deepEqual(
    summary.map((row) => row.test).sort(),
    [...TEST_IDS, 'startup', summary.find((r) => r.merged).test].sort(),
    'one row per test + startup + merged',
  )
}

// The browser half: V8 coverage of the client bundles (productionBrowserSourceMaps),
// converted through their source maps to the original files.
function checkBrowserHalf(builder, { browserById, bothById, output, out }) {
  const quote = 'actions.spec.ts › a client component calls a server action'
  const clickLine = markerLine('app/cart/quote-button.tsx', 'quote-click')
  const browserEntry = (id) => browserById[id][path.join(APP, 'app/cart/quote-button.tsx')]
  // The click handler ran in the browser, once per project.
  assert.ok(browserEntry(quote), `${builder}: the quote test has a browser half for quote-button.tsx`)
  assert.equal(lineHits(browserEntry(quote), clickLine), 2, `${builder}: onQuote's body in the browser half`)
  // Other tests on /cart loaded the same component and never clicked it.
  for (const id of ['actions.spec.ts › form post through a server action', 'actions.spec.ts › a server action rejects a bad quantity']) {
    assert.ok(browserEntry(id), `${builder}: "${id}" loaded the client component`)
    assert.equal(lineHits(browserEntry(id), clickLine), 0, `${builder}: onQuote in "${id}"`)
  }
  // Tests that never load /cart have no browser coverage of it; API tests no browser half at all.
  for (const id of TEST_IDS.filter((i) => i.startsWith('pages.spec.ts'))) {
    const fc = browserEntry(id)
    assert.ok(!fc || lineHits(fc, clickLine) === 0, `${builder}: onQuote in "${id}"`)
  }
  for (const id of TEST_IDS.filter((i) => i.startsWith('api.spec.ts'))) assert.deepEqual(Object.keys(browserById[id]), [], id)
  // One entry for the 'use client' file, both halves in it: the server
  // render (QuoteButton) and the browser click.
  const both = bothById[quote][path.join(APP, 'app/cart/quote-button.tsx')]
  assert.ok(fnHits(both, 'QuoteButton') >= 2)
  assert.ok(lineHits(both, clickLine) >= 2)
  // The summary table tells the halves apart.
  assert.match(output, /test\s+files\s+statements\s+branches\s+functions\s+lines\s+server lines\s+browser lines\s+unique/)
  const rows = JSON.parse(fs.readFileSync(path.join(out, 'report/summary.json'), 'utf8'))
  const row = rows.find((r) => r.test === quote)
  assert.ok(row.browser.lines.pct > 0 && row.server.lines.pct > 0, JSON.stringify(row))
  assert.equal(rows.find((r) => r.test === 'api.spec.ts › api › stock of a product').browser.lines.pct, null)
}

// What the reports should hold and (with Next 16) do not yet: only the
// project's own source files. Found instead: Next's internals that the
// bundlers compiled into .next/server chunks (node_modules/next/...),
// webpack's virtual modules (`webpack:///?a1f4` -> <app>/?a1f4), Next's
// dist-relative sources resolved against the root (`webpack:///../../src/...`
// -> <root>/../../src/...), Turbopack proxy/loader pseudo-modules, and chunk paths
// with no mapped source. The runtime keeps them out (include/exclude apply to
// the original sources, which must be real files below the root).
function foreignKeys(coverage) {
  const own = (k) =>
    k.startsWith(APP + path.sep) &&
    !k.includes(`${path.sep}node_modules${path.sep}`) &&
    /\.(tsx?|jsx?|mjs|cjs)$/.test(k) &&
    !/\/\.next[^/]*\//.test(k) &&
    fs.existsSync(k)
  return Object.keys(coverage).filter((k) => !own(k))
}

// Statements istanbul-lib-instrument finds in the original file (TS and JSX
// parsed by babel) that the report of `rel` lacks, by start line. With Next 16
// the runtime dropped every statement whose generated END lies on a line
// without a source-map segment: SWC ends a multi-line jsx() call with `});`
// on a line of its own (so JSX `return`s vanished), and puts the `;` of
// `return x // comment` on a line of its own. Kept as a check of the fix.
function missingStatements(coverage, rel) {
  const { createInstrumenter } = require('istanbul-lib-instrument')
  const file = path.join(APP, rel)
  const instrumenter = createInstrumenter({ esModules: true, parserPlugins: ['typescript', 'jsx'] })
  instrumenter.instrumentSync(fs.readFileSync(file, 'utf8'), file)
  const want = Object.values(instrumenter.lastFileCoverage().statementMap)
  const have = new Set(Object.values(coverage[file].statementMap).map((l) => `${l.start.line}:${l.start.column}`))
  return want.filter((l) => !have.has(`${l.start.line}:${l.start.column}`)).map((l) => `${rel}:${l.start.line}:${l.start.column + 1}`)
}

/** A file's server-half coverage without what may name the build it came from: its maps and counts. */
function countsOf(coverage) {
  const out = {}
  for (const [file, { path: p, statementMap, fnMap, branchMap, s, f, b }] of Object.entries(coverage))
    out[file] = { path: p, statementMap, fnMap, branchMap, s, f, b }
  return out
}

const fnTotal = (coverage) => Object.values(coverage).reduce((n, fc) => n + Object.values(fc.f).reduce((a, b) => a + b, 0), 0)

/** Files below `dir`, relative to it. */
const filesUnder = (dir) => fs.readdirSync(dir, { recursive: true }).map(String)

// The same builds, the same suite, the standalone server.js: each test's
// server half equals next start's, counts and maps (the copy's chunks are
// the build's, their maps found in <distDir>/server). The browser half may
// differ between runs (timing of what V8 saw load), so only its behaviour is checked.
function checkStandalone(builder, distDir, started, standalone) {
  assert.match(standalone.pw.config.webServer.command, /\/standalone\/.*server\.js"?$/, 'Playwright started the standalone server.js')
  assert.equal(standalone.pw.stats.expected, 28, 'all 28 runs passed against the standalone server')
  assert.equal(standalone.pw.stats.unexpected, 0)
  assert.deepEqual(Object.keys(standalone.byId).sort(), [...TEST_IDS, 'startup'].sort())
  for (const id of TEST_IDS) {
    // Not vacuous: every test but the prerendered page ran app code.
    if (id !== 'pages.spec.ts › the about page is prerendered at build time') assert.ok(fnTotal(started.byId[id]) > 0, `${builder}: "${id}" counted functions`)
    assert.deepEqual(
      countsOf(standalone.byId[id]),
      countsOf(started.byId[id]),
      `${builder}: the server half of "${id}" from the standalone server equals next start's`,
    )
  }
  // With Turbopack the copy lacks the maps of the chunks with app code: the
  // reports above named app/**/*.tsx through the maps found in the build.
  const copy = path.dirname(require(RUN).standaloneServer(distDir))
  const maps = filesUnder(path.join(copy, distDir, 'server')).filter((f) => f.endsWith('.map'))
  const buildMaps = filesUnder(path.join(APP, distDir, 'server')).filter((f) => f.endsWith('.map'))
  if (builder === 'turbopack') assert.ok(maps.length < buildMaps.length, `the copy has ${maps.length} of ${buildMaps.length} maps`)
}

// `cov-als which` and `cov-als impact` against the run's store, with oracles
// derived from each test's own Istanbul report (issue 10's proof on the demo).
function checkQuestions(result) {
  const dir = path.join(result.out, 'tests')
  const catalog = path.join(APP, 'lib/catalog.ts')
  const cli = (...args) => {
    const r = spawnSync(process.execPath, [path.join(REPO, 'bin/cov-als.js'), ...args], { cwd: APP, encoding: 'utf8' })
    return { code: r.status, stderr: r.stderr, json: r.stdout && r.stdout.trim().startsWith('{') ? JSON.parse(r.stdout) : null }
  }
  const tests = Object.keys(result.bothById).filter((id) => id !== 'startup')
  const spans = (loc, line) => loc && loc.start.line <= line && (loc.end.line || loc.start.line) >= line
  const oracle = (line) =>
    tests
      .filter((id) => {
        const fc = result.bothById[id][catalog]
        if (!fc) return false
        return (
          Object.entries(fc.statementMap).some(([k, loc]) => fc.s[k] > 0 && spans(loc, line)) ||
          Object.entries(fc.fnMap).some(([k, f]) => fc.f[k] > 0 && spans(f.loc, line)) ||
          Object.entries(fc.branchMap).some(([k, b]) => b.locations.some((loc, i) => fc.b[k][i] > 0 && spans(loc, line)))
        )
      })
      .sort()
  const impact = (...args) => cli('impact', dir, '--root', APP, '--json', ...args)

  // A change inside byPrice: exactly the tests whose reports show byPrice ran.
  const source = fs.readFileSync(catalog, 'utf8').split('\n')
  const byPriceBody = source.findIndex((l) => l.includes('return a.price - b.price')) + 1
  assert.ok(byPriceBody > 0, 'the body of byPrice in lib/catalog.ts')
  const ranByPrice = tests.filter((id) => result.bothById[id][catalog] && fnHits(result.bothById[id][catalog], 'byPrice') > 0).sort()
  assert.ok(ranByPrice.length > 0 && ranByPrice.length < tests.length, `byPrice ran in ${ranByPrice.length} of ${tests.length} tests`)
  const changed = impact('--changed', `lib/catalog.ts:${byPriceBody}`)
  assert.equal(changed.code, 0, changed.stderr)
  assert.deepEqual(changed.json.tests.map((t) => t.test).sort(), ranByPrice)

  // A line no test covered selects none; a new file selects everything (exit 3).
  const uncovered = [...source.keys()].map((i) => i + 1).find((line) => oracle(line).length === 0)
  const nobody = impact('--changed', `lib/catalog.ts:${uncovered}`)
  assert.equal(nobody.code, 0, nobody.stderr)
  assert.deepEqual(nobody.json.tests, [], `lib/catalog.ts:${uncovered} is covered by no test`)
  const fresh = impact('--changed', 'lib/brand-new.ts:1')
  assert.equal(fresh.code, 3, fresh.stderr)
  assert.equal(fresh.json.everything, true)

  // which, on every covered line of the file: the tests whose own report has a count there.
  const lineCounts = new Map(
    tests.filter((id) => result.bothById[id][catalog]).map((id) => [id, libCoverage.createFileCoverage(result.bothById[id][catalog]).getLineCoverage()]),
  )
  const covered = [...new Set([...lineCounts.values()].flatMap((lc) => Object.keys(lc).filter((l) => lc[l] > 0)))]
  assert.ok(covered.length > 5, `${covered.length} covered lines`)
  // The merged HTML's per-line lists: the data file beside the page of lib/catalog.ts.
  const mergedHtml = path.join(result.out, 'report', 'merged')
  const dataFile = filesUnder(mergedHtml).find((f) => f.endsWith(path.join('lib', 'catalog.ts.tests.js')))
  assert.ok(dataFile, 'a per-line data file beside the merged page of lib/catalog.ts')
  const data = JSON.parse(
    fs
      .readFileSync(path.join(mergedHtml, dataFile), 'utf8')
      .replace(/^covAlsLineTests\(/, '')
      .replace(/\)\s*$/, ''),
  )
  const listed = new Map(data.lines.map(([line, entries]) => [line, entries.map(([i]) => data.tests[i][0]).sort()]))
  for (const line of covered) {
    const want = [...lineCounts]
      .filter(([, lc]) => lc[line] > 0)
      .map(([id]) => id)
      .sort()
    const got = cli('which', `lib/catalog.ts:${line}`, dir, '--json')
    assert.equal(got.code, 0, got.stderr)
    assert.deepEqual(
      got.json.tests
        .map((t) => t.test)
        .filter((id) => id !== 'startup')
        .sort(),
      want,
      `which lib/catalog.ts:${line}`,
    )
    assert.deepEqual(listed.get(Number(line)), got.json.tests.map((t) => t.test).sort(), `the merged HTML's list of lib/catalog.ts:${line}`)
  }
}

// Issue 22's differential on `next start` of the same build: 12 tests at
// once (two requests each, then a flush each) against one server, then each
// alone; with the tables in live arenas, then in memory (COV_ALS_LIVE=0).
// Each test's answer equals the test alone, and every exported report is
// byte-identical between the two runs. (`next dev`: next-dev.test.js.)
async function checkLiveDifferential(builder, distDir, st) {
  const runs = {}
  for (const [mode, extra] of Object.entries({ arenas: {}, memory: { COV_ALS_LIVE: '0' } })) {
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), `cov-als-next-start-${builder}-${mode}-`))
    const t0 = Date.now()
    const server = await startApp({ mode: 'start', distDir, env: { COV_ALS: '1', COV_ALS_OUT_DIR: outDir, ...extra } })
    try {
      runs[mode] = await runTests(server.url, CONCURRENT_TESTS, { warmUp: WARM_UP })
    } finally {
      await server.stop()
    }
    runs[mode].exports = exportsOf(outDir)
    assert.doesNotMatch(server.output(), /CovAlsWarning/, `${builder} (${mode}): a warning`)
    const live = path.join(outDir, 'live')
    assert.deepEqual(fs.existsSync(live) ? fs.readdirSync(live) : [], [], `${builder} (${mode}): arenas closed`)
    fs.rmSync(outDir, { recursive: true, force: true })
    st.diagnostic(`${builder}: next start, ${mode}: ${Math.round((Date.now() - t0) / 1000)} s`)
  }
  for (const [mode, run] of Object.entries(runs)) {
    assert.equal(assertExact(`${builder}, next start (${mode})`, run), CONCURRENT_TESTS.length)
    for (const t of CONCURRENT_TESTS) assert.ok(calls(run.concurrent[t.id]) > 0, `${builder} (${mode}): "${t.id}" counted`)
    assert.equal(fnHits(run.concurrent[CONCURRENT_TESTS[0].id][path.join(APP, 'app/page.tsx')], 'HomePage'), 1, `${builder} (${mode}): one render of /`)
  }
  assertSameExports(`${builder}, next start: arenas vs COV_ALS_LIVE=0`, runs.arenas.exports, runs.memory.exports)
}

for (const builder of ['turbopack', 'webpack']) {
  test(
    `Next.js example (${builder} build): per-test reports from one next start and a parallel Playwright suite, then from the standalone server`,
    { skip, timeout: 30 * 60 * 1000 },
    async (t) => {
      const t0 = Date.now()
      const distDir = build(builder)
      t.diagnostic(`${builder}: next build ${Math.round((Date.now() - t0) / 1000)} s${REUSE_BUILD ? ' (reused)' : ''}`)
      const result = await runExample(builder, distDir)
      t.diagnostic(`${builder}: suite against next start ${result.seconds} s`)
      checkReports(builder, result)
      await t.test('the browser half: client code the test ran in the browser, nothing else', () => checkBrowserHalf(builder, result))
      await t.test('every key of the reports is a source file of the project', () => {
        const foreign = foreignKeys(result.byId.startup)
        assert.deepEqual(foreign.slice(0, 20), [], `${foreign.length} of ${Object.keys(result.byId.startup).length} keys are not project files`)
        for (const [id, browser] of Object.entries(result.browserById)) assert.deepEqual(foreignKeys(browser), [], `browser half of "${id}"`)
      })
      await t.test('every statement of the original sources is in the reports', () => {
        assert.deepEqual(
          SOURCES.flatMap((rel) => missingStatements(result.byId.startup, rel)),
          [],
        )
      })
      await t.test('the run store answers which and impact for this run, as the per-test reports do', () => checkQuestions(result))
      fs.rmSync(result.out, { recursive: true, force: true })
      await t.test(
        "the same suite against the standalone server.js: each test's server half equals next start's",
        // Once per builder, on the machine's Node: not again on every Node line of scripts/node-lines.js.
        { skip: REUSE_BUILD && 'COV_ALS_NEXT_REUSE_BUILD=1: the standalone leg runs with `npm test` only' },
        async (st) => {
          const standalone = await runExample(builder, distDir, { standalone: true })
          st.diagnostic(`${builder}: suite against the standalone server ${standalone.seconds} s`)
          checkStandalone(builder, distDir, result, standalone)
          // The static files copied in: the client component hydrated and its click ran in the browser.
          checkBrowserHalf(builder, standalone)
          fs.rmSync(standalone.out, { recursive: true, force: true })
        },
      )
      await t.test(
        '12 concurrent tests against next start: each equals the test alone, and every exported report is the same with arenas and with COV_ALS_LIVE=0',
        { skip: REUSE_BUILD && 'COV_ALS_NEXT_REUSE_BUILD=1: the differential runs with `npm test` only' },
        (st) => checkLiveDifferential(builder, distDir, st),
      )
    },
  )
}
