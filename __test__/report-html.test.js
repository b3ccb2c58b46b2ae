'use strict'
// The merged HTML report's "who covers this line" (lib/report/html.js and its
// page script, over the store's per-line query) and the per-test pages, in
// headless Chromium on the report of a real server run: a line's test count
// is what `which` answers for it, a click opens the list, the filter narrows
// it, and a test's link opens that test's own page, which shows its coverage.
// Also: report's per-test rows, read from touched files only, still count a
// test's untouched server files as uncovered (what its zero-filled export says).

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const http = require('node:http')
const { spawnSync } = require('node:child_process')
const { pathToFileURL } = require('node:url')
const { chromium } = require('@playwright/test')
const libCoverage = require('istanbul-lib-coverage')
const { startServer, request } = require('./support/server')
const store = require('../lib/store')
const { safeName } = require('../lib/safe-name')
const { summarize } = require('../lib/report/summary')
const { report } = require('../lib/report/index.js')

const FIXTURE = path.join(__dirname, 'fixtures/apps')
const BIN = path.join(__dirname, '..', 'bin', 'cov-als.js')
// kind and qty of each test's /quote requests: which lines of pricing.js run.
const TESTS = {
  'bulk big 11': [['bulk', 11]],
  'bulk big 12': [['bulk', 12]],
  'bulk small 3': [['bulk', 3]],
  'retail big 20': [['retail', 20]],
  'retail small 1': [['retail', 1]],
  'retail small 2': [
    ['retail', 2],
    ['retail', 4],
  ],
}

let root, outDir, reportDir, pricing, browser

before(async () => {
  root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-report-html-')))
  fs.cpSync(FIXTURE, root, { recursive: true })
  outDir = path.join(root, 'run')
  reportDir = path.join(root, 'report')
  pricing = path.join(root, 'shared', 'pricing.js')
  const server = await startServer('raw-http.js', { root, env: { COV_ALS: '1', COV_ALS_OUT_DIR: outDir } })
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 })
  try {
    await Promise.all(
      Object.entries(TESTS).map(async ([id, quotes]) => {
        for (const [kind, qty] of quotes) {
          const r = await request(server.port, { path: `/quote?kind=${kind}&qty=${qty}`, headers: { 'x-cov-test-id': encodeURIComponent(id) }, agent })
          assert.equal(r.status, 200)
        }
      }),
    )
    await request(server.port, { path: '/runtime', headers: { 'x-cov-test-id': 'no app code' }, agent })
  } finally {
    agent.destroy()
    await server.stop() // counts never flushed are written on exit
  }
  const r = spawnSync(process.execPath, [BIN, 'report', outDir, '--out', reportDir, '--per-test'], { cwd: root, encoding: 'utf8' })
  assert.equal(r.status, 0, r.stderr)
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] })
})

after(async () => {
  if (browser) await browser.close()
  store.closeStore(outDir)
  fs.rmSync(root, { recursive: true, force: true })
})

// The merged report's page of a source file (istanbul nests pages by directory).
function pageOf(dir, source) {
  const found = fs.readdirSync(dir, { recursive: true }).find((f) => f.endsWith(path.basename(source) + '.html'))
  assert.ok(found, `no page for ${source} in ${dir}`)
  return path.join(dir, found)
}

const names = (coverers) => coverers.map((c) => c.test).sort()

test('summary rows: touched files read, untouched server files still count as uncovered', () => {
  const rows = JSON.parse(fs.readFileSync(path.join(reportDir, 'summary.json'), 'utf8'))
  const ids = store.listTests(outDir)
  assert.deepEqual(
    rows
      .filter((r) => !r.merged)
      .map((r) => r.test)
      .sort(),
    ids,
  )
  for (const id of ids) {
    const row = rows.find((r) => r.test === id)
    // The definition: the test's zero-filled export (every server file, as its full flush answered).
    const want = summarize(libCoverage.createCoverageMap(store.readTestCoverage(outDir, id)))
    for (const k of ['files', 'filesTouched', 'statements', 'branches', 'functions', 'lines']) assert.deepEqual(row[k], want[k], `${id}: ${k}`)
    const serverWant = summarize(libCoverage.createCoverageMap(store.readTestCoverage(outDir, id, { part: 'server' })))
    assert.deepEqual(row.server.lines, serverWant.lines, `${id}: server lines`)
  }
  const noApp = rows.find((r) => r.test === 'no app code')
  assert.ok(noApp.files > noApp.filesTouched, 'untouched files are counted')
  // Its per-test lcov holds the files it touched.
  const final = path.join(reportDir, 'tests', safeName('no app code'), 'lcov.info')
  const sources = fs.readFileSync(final, 'utf8').match(/^SF:.*$/gm)
  assert.equal(sources.length, noApp.filesTouched)
})

test('summary rows of a store with a path in two units, a browser half and untouched files: the zero-filled definition', () => {
  const dir = path.join(root, 'units')
  const loc = (line, column = 0) => ({ start: { line, column }, end: { line, column: column + 5 } })
  const fc = (file, n, hits, column = 0) => ({
    path: file,
    statementMap: Object.fromEntries(Array.from({ length: n }, (_, i) => [i, loc(i + 1, column)])),
    fnMap: { 0: { name: 'f', decl: loc(1), loc: loc(1), line: 1 } },
    branchMap: { 0: { type: 'if', line: 2, loc: loc(2), locations: [loc(2), loc(3)] } },
    s: Object.fromEntries(Array.from({ length: n }, (_, i) => [i, hits[i] || 0])),
    f: { 0: hits[0] || 0 },
    b: { 0: [hits[1] || 0, hits[2] || 0] },
  })
  const all = (hits) => ({ '/p/a.js': fc('/p/a.js', 3, hits[0] || []), '/p/b.js': fc('/p/b.js', 4, hits[1] || []), '/p/c.js': fc('/p/c.js', 5, hits[2] || []) })
  store.writeTestCoverage(dir, 'startup', all([[1], [1], [1]]))
  store.writeTestCoverage(dir, 'server only', all([[0, 2]]))
  store.writeTestCoverage(dir, 'both halves', all([[], [0, 0, 1]]))
  store.writeTestCoverage(dir, 'both halves', { '/p/web.js': fc('/p/web.js', 2, [1]), '/p/a.js': fc('/p/a.js', 3, [0, 0, 4]) }, 'browser')
  // A later chunk of c.js: other entries of the same path, a second unit.
  store.writeTestCoverage(dir, 'later chunk', { '/p/c.js': fc('/p/c.js', 3, [0, 1], 20) })
  const { rows } = report({ dirs: [dir], out: path.join(root, 'units-report'), reporters: ['json'], perTestReporters: ['json-summary'] })
  for (const id of store.listTests(dir)) {
    const row = rows.find((r) => r.test === id)
    for (const part of [undefined, 'server', 'browser']) {
      const want = summarize(libCoverage.createCoverageMap(store.readTestCoverage(dir, id, { part }) || {}))
      const got = part ? row[part] : row
      for (const k of ['files', 'filesTouched', 'statements', 'branches', 'functions', 'lines'])
        assert.deepEqual(got[k], want[k], `${id} ${part || 'total'}: ${k}`)
    }
  }
  // The rows computed in the store (one pass in Rust) are Istanbul's: a path
  // map (here one that changes nothing) makes report compute every row with
  // Istanbul from the test's export instead.
  const istanbulRows = report({ dirs: [dir], out: path.join(root, 'units-report-js'), reporters: ['json'], pathMap: [['/elsewhere', '/p']] }).rows
  assert.deepEqual(rows, istanbulRows)
  const later = rows.find((r) => r.test === 'later chunk')
  assert.equal(later.statements.total, 3 + 4 + 5 + 3, 'c.js counts the entries of both units')
  assert.equal(rows.find((r) => r.test === 'both halves').files, 4)
  store.closeStore(dir)
})

test('merged html: per-line test counts agree with which; the list opens, filters and links to the test page', async () => {
  const page = await browser.newPage()
  const errors = []
  page.on('pageerror', (e) => errors.push(e.message))
  const file = pageOf(path.join(reportDir, 'merged'), pricing)
  // The page names no test: its data file, beside it, is loaded for this page only.
  assert.ok(!fs.readFileSync(file, 'utf8').includes('bulk big 11'))
  assert.ok(fs.readFileSync(file.replace(/\.html$/, '.tests.js'), 'utf8').includes('bulk big 11'))
  await page.goto(pathToFileURL(file).href)
  await page.waitForSelector('td.line-tests')

  // Every line: the count shown is the number of tests `which` names for it.
  const lineCount = fs.readFileSync(pricing, 'utf8').split('\n').length
  const shown = await page.$$eval('td.line-tests a.cov-als-tests', (as) => as.map((a) => [Number(a.dataset.line), Number(a.textContent)]))
  const byLine = new Map(shown)
  let covered = 0
  for (let line = 1; line <= lineCount; line++) {
    const want = store.whichTests(outDir, pricing, line, line).length
    assert.equal(byLine.get(line) ?? 0, want, `line ${line}`)
    if (want) covered++
  }
  assert.ok(covered >= 8, `covered lines: ${covered}`)

  // The first line of quote's body: every quote test ran it.
  const line = fs.readFileSync(pricing, 'utf8').split('\n').indexOf('  await wait(qty % 7)') + 1
  const coverers = names(store.whichTests(outDir, pricing, line, line))
  assert.deepEqual(coverers, Object.keys(TESTS).sort())
  assert.ok(!(await page.$('#cov-als-panel')), 'no list before a click')
  await page.click(`td.line-tests a[data-line="${line}"]`)
  const listed = () => page.$$eval('#cov-als-panel li .cov-als-test', (els) => els.map((e) => e.textContent))
  assert.deepEqual((await listed()).sort(), coverers)
  assert.equal(await page.textContent('#cov-als-panel .cov-als-count'), String(coverers.length))
  await page.fill('#cov-als-panel input', 'small')
  assert.deepEqual((await listed()).sort(), ['bulk small 3', 'retail small 1', 'retail small 2'])
  await page.fill('#cov-als-panel input', 'BULK small')
  assert.deepEqual(await listed(), ['bulk small 3'], 'case-insensitive')

  // The link opens that test's own page, which shows that test's coverage.
  await Promise.all([page.waitForNavigation(), page.click('#cov-als-panel li a.cov-als-test')])
  assert.equal(new URL(page.url()).pathname, pathToFileURL(path.join(reportDir, 'tests', safeName('bulk small 3'), 'index.html')).pathname)
  assert.equal(await page.textContent('.cov-als-test-id'), 'bulk small 3')
  // It lists the files the test touched; a file opens the merged page as that
  // test's view: the lines it ran marked, the lines only others ran marked not run.
  await Promise.all([page.waitForNavigation(), page.click(`table.coverage-summary a:text("${pricing}")`)])
  assert.equal(new URL(page.url()).searchParams.get('test'), 'bulk small 3')
  await page.waitForSelector('.cov-als-view')
  assert.equal(await page.textContent('.cov-als-view .cov-als-test-id'), 'bulk small 3')
  const marks = await page.$$eval('td.line-coverage .cline-any', (els) =>
    els.map((e) => (e.classList.contains('cov-als-test-ran') ? 'ran' : e.classList.contains('cov-als-test-not') ? 'others' : 'none')),
  )
  const lines = libCoverage.createFileCoverage(store.readTestCoverage(outDir, 'bulk small 3')[pricing]).getLineCoverage()
  const all = libCoverage.createFileCoverage(store.exportCoverage(outDir, null)[pricing]).getLineCoverage()
  for (const [l, n] of Object.entries(lines)) assert.equal(marks[l - 1], n > 0 ? 'ran' : all[l] > 0 ? 'others' : 'none', `bulk small 3, line ${l}`)
  assert.ok(marks.includes('ran') && marks.includes('others'))

  // The tests index lists every test with a link to its page.
  await page.goto(pathToFileURL(path.join(reportDir, 'merged', 'index.html')).href)
  await Promise.all([page.waitForNavigation(), page.click('.cov-als-tests-link a')])
  const links = await page.$$eval('table.coverage-summary td.file a', (as) => as.map((a) => [a.textContent, a.getAttribute('href')]))
  for (const id of store.listTests(outDir))
    assert.ok(
      links.some(([t, href]) => t === id && href === `${safeName(id)}/index.html`),
      id,
    )
  assert.deepEqual(errors, [])
  await page.close()
})
