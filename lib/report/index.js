'use strict'
// The report model behind `cov-als report` and `cov-als merge` (and the
// Playwright reporter): read the inputs (read.js), summarize them
// (summary.js), format the table (table.js), write the reports (write.js).
// Synchronous; problems are thrown as ReportError, never printed.

const fs = require('node:fs')
const path = require('node:path')
const libCoverage = require('istanbul-lib-coverage')
const { safeName } = require('../safe-name.js')
const { createPathMapper, remapCoverageMap } = require('../path-map.js')
const store = require('../store.js')
const { ReportError } = require('./errors.js')
const {
  readCoverageFile,
  scanInputs,
  jsonFilesIn,
  loadTestHalves,
  loadTestCoverage,
  loadTouchedHalves,
  zeroServerFiles,
  loadStoresCoverage,
  withZeros,
  copyOf,
} = require('./read.js')
const { MERGED_LABEL, summarize, summarizeTotals, zeroFiles, coveredLines, uniqueLines } = require('./summary.js')
const { writeSharedAssets, mergeLineTests, escapeHtml } = require('./html.js')
const { formatTable, formatMarkdown } = require('./table.js')
const write = require('./write.js')
const { DEFAULT_REPORTERS, DEFAULT_PER_TEST_REPORTERS, REPORT_MARKER, MERGE_MARKER, writeReports, exists, ensureOutDir, writeMarker, defaultReportDir } = write

const NYC_DIR = '.nyc_output'

const TESTS_INDEX = 'tests/index.html'
const SHARED_ASSETS = 'tests/_assets'
const LINES_STORE = '.cov-als-lines'

/**
 * `cov-als report`: merged and per-test reports plus summary table.
 * @param {object} opts
 * @param {string[]} opts.dirs input directories
 * @param {string} [opts.out] report directory (default: defaultReportDir(dirs[0]))
 * @param {string[]} [opts.reporters] reporters of the merged report
 * @param {boolean} [opts.merged=true] write the merged report
 * @param {boolean} [opts.perTest=false] also write one report per test
 * @param {string[]} [opts.perTestReporters] reporters of the per-test reports
 * @param {boolean} [opts.skipInvalid=false] skip unreadable/invalid files with a warning
 * @param {string} [opts.projectRoot] paths in lcov/cobertura are relative to this (default: cwd)
 * @param {(msg: string) => void} [opts.warn]
 * @returns {{ outDir: string, rows: object[], table: string, markdown: string, skipped: string[] }}
 */
function report(opts) {
  const {
    dirs,
    reporters = DEFAULT_REPORTERS,
    merged: writeMerged = true,
    perTest = false,
    perTestReporters = DEFAULT_PER_TEST_REPORTERS,
    skipInvalid = false,
    projectRoot,
    pathMap,
    warn = () => {},
  } = opts
  const mapPath = pathMap && pathMap.length ? createPathMapper(pathMap) : null
  const remap = (map) => (mapPath ? remapCoverageMap(map, mapPath, { warn }) : map)
  const scan = scanInputs(dirs, { skipInvalid, warn })
  const outDir = path.resolve(opts.out ?? defaultReportDir(dirs[0]))
  ensureOutDir(outDir, scan.dirs, 'report')
  // Replace what an earlier run wrote (only when the marker shows it was us).
  if (exists(path.join(outDir, REPORT_MARKER))) {
    for (const name of ['merged', 'tests', 'summary.json', 'summary.md', LINES_STORE]) {
      fs.rmSync(path.join(outDir, name), { recursive: true, force: true })
    }
  }
  writeMarker(outDir, REPORT_MARKER, 'Written by `cov-als report`; merged/, tests/ and summary.* are replaced on each run.\n')

  const storeDirs = scan.dirs.filter((d) => store.hasStore(d))
  const testPages = perTest && perTestReporters.includes('html')
  // With the merged html, a test's html is a view of the merged pages: one
  // small page per test listing its files, each opening the merged page of
  // that file marked with what this test ran (docs/run-store.md).
  const testViews = testPages && writeMerged && reporters.includes('html')
  const ownReporters = testViews ? perTestReporters.filter((r) => r !== 'html') : perTestReporters
  const viewFiles = new Map()
  const pageOf = (testId) => (testPages ? `tests/${safeName(testId)}/index.html` : null)
  const reportOpts = { projectRoot: projectRoot && path.resolve(projectRoot) }
  if (testPages) writeSharedAssets(path.join(outDir, SHARED_ASSETS))
  const testHtml = (testId) => ({
    reportName: `tests/${safeName(testId)}`,
    sharedAssets: SHARED_ASSETS,
    headingOf: (up) =>
      `<p class="quiet">Test <strong class="cov-als-test-id">${escapeHtml(testId)}</strong> · ` +
      `<a href="${up}${TESTS_INDEX}">all tests</a>${writeMerged && reporters.includes('html') ? ` · <a href="${up}merged/index.html">merged report</a>` : ''}</p>`,
  })

  // What a test touched, by half, read from its stores; its untouched server
  // files count as zeros.
  const touchedHalves = (sources, testId, zeros) => {
    const touched = loadTouchedHalves(sources, testId)
    const server = withZeros(remap(touched.server), zeros.map)
    const browser = remap(touched.browser)
    let total = server
    if (browser.files().length) {
      total = libCoverage.createCoverageMap(copyOf(server))
      total.merge(withZeros(libCoverage.createCoverageMap(copyOf(browser)), zeros.map))
    }
    return { total, server, browser }
  }

  // Files count as uncovered for a test that did not touch them: the
  // server files of the stores it is in (as a zero-filled export has them).
  const zerosByStores = new Map()
  const zerosOf = (dirsOfTest) => {
    const key = dirsOfTest.join('\0')
    if (!zerosByStores.has(key)) zerosByStores.set(key, zeroFiles(remap(zeroServerFiles(dirsOfTest))))
    return zerosByStores.get(key)
  }

  // Rows of tests in one store, computed there in one pass (no path map:
  // that can join paths, which needs Istanbul's merge).
  const storeSummaries = new Map()
  if (!mapPath) {
    for (const dir of storeDirs) {
      const byTest = new Map()
      for (const s of exported(() => store.testSummaries(dir))) if (s.exact) byTest.set(s.test, s)
      storeSummaries.set(dir, byTest)
    }
  }
  const summaryOf = (sources, testId) =>
    sources.length === 1 && typeof sources[0] !== 'string' ? storeSummaries.get(sources[0].store)?.get(testId) || null : null

  const rows = []
  // "unique": lines only this test covers (the startup bucket counts as a covering row).
  const coveredByRow = []
  // What per-test JSON files (older versions) hold: for the merged map, and
  // a store of their own for the per-line lists.
  const legacy = { total: libCoverage.createCoverageMap({}), server: libCoverage.createCoverageMap({}), browser: libCoverage.createCoverageMap({}) }
  const legacyTests = []
  for (const [testId, sources] of scan.tests) {
    const name = safeName(testId)
    let halves
    let zeros = null
    const computed = summaryOf(sources, testId)
    if (computed) {
      zeros = zerosOf([sources[0].store])
      const row = { test: testId, merged: false, safeName: name, inputFiles: 1, ...summarizeTotals(computed.total, zeros) }
      row.server = summarizeTotals(computed.server, zeros)
      row.browser = summarizeTotals(computed.browser)
      if (perTest) {
        if (ownReporters.length) {
          // Each path one unit: both halves summed by unit in one export are its map.
          const map = libCoverage.createCoverageMap(exported(() => store.exportCoverage(sources[0].store, [testId], { allFiles: false })) || {})
          writeReports(map, path.join(outDir, 'tests', name), ownReporters, { ...reportOpts, html: testHtml(testId) })
        }
        if (testViews) viewFiles.set(testId, computed.total)
        row.reportDir = `tests/${name}`
      }
      coveredByRow.push(computed.lines)
      rows.push(row)
      continue
    }
    if (sources.every((s) => typeof s !== 'string')) {
      zeros = zerosOf(sources.map((s) => s.store))
      halves = touchedHalves(sources, testId, zeros)
    } else {
      halves = loadTestHalves(sources, testId)
      if (mapPath) for (const k of ['total', 'server', 'browser']) halves[k] = remap(halves[k])
      // The merged map has the store rows of this test already: add its files only.
      const files = sources.filter((s) => typeof s === 'string')
      for (const file of files) {
        const coverage = remap(libCoverage.createCoverageMap(readCoverageFile(file).coverage))
        legacy.total.merge(copyOf(coverage))
        legacy.server.merge(coverage)
      }
      legacyTests.push([testId, files])
    }
    const map = halves.total
    const row = { test: testId, merged: false, safeName: name, inputFiles: sources.length, ...summarize(map, zeros) }
    row.server = summarize(halves.server, zeros)
    row.browser = summarize(halves.browser)
    if (perTest) {
      if (ownReporters.length) writeReports(map, path.join(outDir, 'tests', name), ownReporters, { ...reportOpts, html: testHtml(testId) })
      if (testViews) viewFiles.set(testId, fileTotals(map))
      row.reportDir = `tests/${name}`
    }
    coveredByRow.push(coveredLines(map))
    rows.push(row)
  }
  uniqueLines(coveredByRow).forEach((n, i) => (rows[i].unique = n))

  // The merged map: every store at once (its counts summed in Rust), plus the per-test files.
  const all = loadStoresCoverage(storeDirs)
  for (const k of ['total', 'server', 'browser']) {
    all[k] = remap(all[k])
    all[k].merge(legacy[k])
  }
  const mergedRow = { test: MERGED_LABEL, merged: true, tests: rows.length, inputFiles: scan.files, ...summarize(all.total) }
  mergedRow.server = summarize(all.server)
  mergedRow.browser = summarize(all.browser)
  const mergedPages = new Map()
  if (writeMerged) {
    const lineTests = reporters.includes('html') ? lineTestsReader(storeDirs, legacyTests, path.join(outDir, LINES_STORE), mapPath) : null
    try {
      const html = {
        reportName: 'merged',
        lineTests: lineTests && lineTests.of,
        testPage: pageOf,
        headingOf: perTest ? (up) => testsLink(up, rows.length) : null,
        pages: mergedPages,
      }
      writeReports(all.total, path.join(outDir, 'merged'), reporters, { ...reportOpts, html })
    } finally {
      if (lineTests) lineTests.close()
    }
    mergedRow.reportDir = 'merged'
  }
  rows.push(mergedRow)
  for (const [testId, files] of viewFiles) {
    const row = rows.find((r) => r.test === testId)
    const dir = path.join(outDir, 'tests', row.safeName)
    fs.mkdirSync(dir, { recursive: true })
    fs.writeFileSync(path.join(dir, 'index.html'), testViewHtml(testId, row, files, mergedPages))
  }
  if (testPages) fs.writeFileSync(path.join(outDir, TESTS_INDEX), testsIndexHtml(rows, { merged: writeMerged && reporters.includes('html') }))

  const table = formatTable(rows)
  const markdown = formatMarkdown(rows)
  fs.writeFileSync(path.join(outDir, 'summary.json'), JSON.stringify(rows, null, 2) + '\n')
  fs.writeFileSync(path.join(outDir, 'summary.md'), markdown)
  return { outDir, rows, table, markdown, skipped: scan.skipped }
}

// A store call, its errors as ReportError.
function exported(call) {
  try {
    return call()
  } catch (err) {
    throw new ReportError(err.message)
  }
}

const testsLink = (up, n) =>
  `<p class="quiet cov-als-tests-link"><a href="${up}${TESTS_INDEX}">${n} ${n === 1 ? 'test' : 'tests'}</a>: each test's own report</p>`

/**
 * The per-line tests of the merged report's files, from the run stores (the
 * store's per-line query, lineTests), by report path. Tests read from
 * per-test JSON files are put into a store of their own under `scratch` first.
 */
function lineTestsReader(storeDirs, legacyTests, scratch, mapPath) {
  const dirs = [...storeDirs]
  if (legacyTests.length) {
    for (const [testId, files] of legacyTests) {
      for (const file of files) store.writeTestCoverage(scratch, testId, readCoverageFile(file).coverage, 'server')
    }
    dirs.push(scratch)
  }
  // Report path -> the (store, stored path) pairs feeding it.
  const feeds = new Map()
  for (const dir of dirs) {
    for (const stored of store.storedPaths(dir)) {
      const shown = mapPath ? mapPath(stored) : stored
      if (!feeds.has(shown)) feeds.set(shown, [])
      feeds.get(shown).push([dir, stored])
    }
  }
  return {
    of(file) {
      const from = feeds.get(file) || []
      // One source (the usual case): its lines go into the data file as the store wrote them.
      if (from.length === 1) return store.lineTests(from[0][0], from[0][1], { raw: true })
      const parts = from.map(([dir, stored]) => store.lineTests(dir, stored)).filter(Boolean)
      return parts.length ? mergeLineTests(parts) : null
    },
    close() {
      if (legacyTests.length) {
        store.removeStore(scratch)
        fs.rmSync(scratch, { recursive: true, force: true })
      }
    },
  }
}

// [path, totals] of each file of a coverage map, as the store's test summaries give them.
function fileTotals(map) {
  return map.files().map((file) => {
    const fc = map.fileCoverageFor(file)
    const s = fc.toSummary()
    const touched = [fc.s, fc.f, fc.b].some((hits) => Object.values(hits).some((v) => (Array.isArray(v) ? v.some((n) => n > 0) : v > 0)))
    const t = (k) => [s[k].total, s[k].covered]
    return [file, [...t('statements'), ...t('branches'), ...t('functions'), ...t('lines'), touched ? 1 : 0]]
  })
}

// istanbul's percentage: floored to 2 decimals, 100 when there is nothing to cover.
const pctOf = (covered, total) => `${(total > 0 ? Math.floor((1000 * 100 * covered) / total / 10) / 100 : 100).toFixed(2)}%`

/** tests/<safe name>/index.html when the merged html is written: the test's
 * files with its totals, each linked to the merged page of the file viewed
 * as this test (`?test=<id>`, see assets/cov-als-line-tests.js). */
function testViewHtml(testId, row, files, pages) {
  const query = `?test=${encodeURIComponent(testId)}`
  const body = [...files]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([file, t]) => {
      const page = pages.get(file)
      const name = page
        ? `<a href="${escapeHtml(`../../merged/${page.split('/').map(encodeURIComponent).join('/')}${query}`)}">${escapeHtml(file)}</a>`
        : escapeHtml(file)
      const cells = [0, 2, 4, 6].map((i) => `${pctOf(t[i + 1], t[i])} (${t[i + 1]}/${t[i]})`)
      return `<tr><td class="file">${name}</td>${cells.map((c) => `<td class="pct">${c}</td>`).join('')}</tr>`
    })
    .join('\n')
  const total = ['statements', 'branches', 'functions', 'lines'].map((k) => pctCell(row[k])).join(' · ')
  return summaryPage({
    title: `${escapeHtml(testId)}: coverage`,
    css: '../_assets/base.css',
    intro: `<h1>Test <strong class="cov-als-test-id">${escapeHtml(testId)}</strong></h1>
<p class="quiet"><a href="../index.html">all tests</a> · <a href="../../merged/index.html">merged report</a> · statements, branches, functions, lines: ${total} (${row.files} files, ${row.filesTouched} touched)</p>
<p class="quiet">The files this test touched. Each opens the merged report's page of the file, marked with the lines this test ran.</p>`,
    columns: ['file', 'statements', 'branches', 'functions', 'lines'],
    body,
  })
}

/** A page of one summary table in Istanbul's html style (columns after the first are percentages). */
function summaryPage({ title, css, intro, columns, body }) {
  const head = columns.map((c, i) => `<th class="${i ? 'pct' : 'file'}">${c}</th>`).join('')
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8" />
<title>${title}</title>
<link rel="stylesheet" href="${css}" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
</head>
<body>
<div class="wrapper"><div class="pad1">
${intro}
<table class="coverage-summary">
<thead><tr>${head}</tr></thead>
<tbody>
${body}
</tbody>
</table>
</div></div>
</body>
</html>
`
}

const pctCell = (m) => (m.pct === null ? '-' : `${m.pct.toFixed(2)}%`)

/** tests/index.html: every test with its summary, linked to its report. */
function testsIndexHtml(rows, { merged }) {
  const body = rows
    .map((r) => {
      const name = r.merged ? escapeHtml(r.test) : `<a href="${escapeHtml(encodeURIComponent(r.safeName))}/index.html">${escapeHtml(r.test)}</a>`
      const cells = [r.files, ...['statements', 'branches', 'functions', 'lines'].map((k) => pctCell(r[k])), r.merged ? '' : r.unique]
      const cls = r.merged ? ' class="cov-als-merged"' : ''
      return `<tr${cls}><td class="file">${r.merged && merged ? `<a href="../merged/index.html">${name}</a>` : name}</td>${cells.map((c) => `<td class="pct">${c}</td>`).join('')}</tr>`
    })
    .join('\n')
  return summaryPage({
    title: 'Tests: per-test coverage',
    css: '_assets/base.css',
    intro: `<h1>${rows.length - 1} tests</h1>
<p class="quiet">Each test's own coverage report${merged ? '; <a href="../merged/index.html">merged report</a>' : ''}. "unique": lines no other test covers.</p>`,
    columns: ['test', 'files', 'statements', 'branches', 'functions', 'lines', 'unique'],
    body,
  })
}

/**
 * `cov-als merge`: merge the run stores and per-test files of several
 * directories into the run store of `<out>`, and with nyc also write
 * `<out>/.nyc_output/<safeName(testId)>.json` (plain coverage maps).
 * @returns {{ outDir: string, tests: number, inputFiles: number, nycDir: string | null, skipped: string[] }}
 */
function merge(opts) {
  const { dirs, out, nyc = false, skipInvalid = false, warn = () => {} } = opts
  if (!out) throw new ReportError('merge needs --out <dir>', { badOption: true })
  const scan = scanInputs(dirs, { skipInvalid, warn })
  const outDir = path.resolve(out)
  ensureOutDir(outDir, scan.dirs, 'output')
  const nycDir = path.join(outDir, NYC_DIR)
  if (exists(outDir)) {
    const old = jsonFilesIn(outDir)
    if (exists(path.join(outDir, MERGE_MARKER))) {
      for (const file of old) fs.rmSync(file, { force: true })
      store.removeStore(outDir)
      fs.rmSync(nycDir, { recursive: true, force: true })
    } else if (old.length > 0 || store.hasStore(outDir) || exists(nycDir)) {
      throw new ReportError(
        `refusing to write into ${outDir}: it already holds coverage files that cov-als merge did not write ` +
          '(they would be mixed with the merged ones); use an empty or new directory',
      )
    }
  }
  writeMarker(outDir, MERGE_MARKER, 'Written by `cov-als merge`; cov-als.db and .nyc_output/ are replaced on each run.\n')
  try {
    for (const dir of scan.dirs) if (store.hasStore(dir)) store.mergeStores(outDir, dir)
    for (const [testId, sources] of scan.tests) {
      for (const source of sources) {
        if (typeof source === 'string') store.writeTestCoverage(outDir, testId, readCoverageFile(source).coverage, 'server')
      }
    }
  } catch (err) {
    if (err instanceof ReportError) throw err
    throw new ReportError(err.message)
  }
  if (nyc) {
    fs.mkdirSync(nycDir, { recursive: true })
    for (const testId of scan.tests.keys()) {
      fs.writeFileSync(path.join(nycDir, `${safeName(testId)}.json`), JSON.stringify(store.readTestCoverage(outDir, testId)))
    }
  }
  return { outDir, tests: scan.tests.size, inputFiles: scan.files, nycDir: nyc ? nycDir : null, skipped: scan.skipped }
}

module.exports = {
  report,
  merge,
  ReportError,
  readCoverageFile,
  scanInputs,
  loadTestCoverage,
  summarize,
  formatTable,
  formatMarkdown,
  writeReports,
  defaultReportDir,
  REPORTERS: write.REPORTERS,
  DEFAULT_REPORTERS,
  DEFAULT_PER_TEST_REPORTERS,
  MERGED_LABEL,
}
