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
const { readCoverageFile, scanInputs, jsonFilesIn, loadTestHalves, loadTestCoverage, copyOf } = require('./read.js')
const { MERGED_LABEL, summarize, coveredLines } = require('./summary.js')
const { formatTable, formatMarkdown } = require('./table.js')
const write = require('./write.js')
const { DEFAULT_REPORTERS, DEFAULT_PER_TEST_REPORTERS, REPORT_MARKER, MERGE_MARKER, writeReports, exists, ensureOutDir, writeMarker, defaultReportDir } = write

const NYC_DIR = '.nyc_output'

/**
 * `cov-als report`: merged and per-test reports plus summary table.
 * @param {object} opts
 * @param {string[]} opts.dirs input directories
 * @param {string} [opts.out] report directory (default: defaultReportDir(dirs[0]))
 * @param {string[]} [opts.reporters] reporters of the merged report
 * @param {boolean} [opts.merged=true] write the merged report
 * @param {boolean} [opts.perTest=true] write one report per test
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
    perTest = true,
    perTestReporters = DEFAULT_PER_TEST_REPORTERS,
    skipInvalid = false,
    projectRoot,
    pathMap,
    warn = () => {},
  } = opts
  const mapPath = pathMap && pathMap.length ? createPathMapper(pathMap) : null
  const scan = scanInputs(dirs, { skipInvalid, warn })
  const outDir = path.resolve(opts.out ?? defaultReportDir(dirs[0]))
  ensureOutDir(outDir, scan.dirs, 'report')
  // Replace what an earlier run wrote (only when the marker shows it was us).
  if (exists(path.join(outDir, REPORT_MARKER))) {
    for (const name of ['merged', 'tests', 'summary.json', 'summary.md']) {
      fs.rmSync(path.join(outDir, name), { recursive: true, force: true })
    }
  }
  writeMarker(outDir, REPORT_MARKER, 'Written by `cov-als report`; merged/, tests/ and summary.* are replaced on each run.\n')

  const reportOpts = { projectRoot: projectRoot && path.resolve(projectRoot) }
  const all = libCoverage.createCoverageMap({})
  const rows = []
  // "unique": lines only this test covers (the startup bucket counts as a covering row).
  const coveringRows = new Map()
  const coveredByRow = []
  const allHalves = { server: libCoverage.createCoverageMap({}), browser: libCoverage.createCoverageMap({}) }
  for (const [testId, files] of scan.tests) {
    const halves = loadTestHalves(files, testId)
    if (mapPath) for (const k of ['total', 'server', 'browser']) halves[k] = remapCoverageMap(halves[k], mapPath, { warn })
    const map = halves.total
    const name = safeName(testId)
    const row = { test: testId, merged: false, safeName: name, inputFiles: files.length, ...summarize(map) }
    row.server = summarize(halves.server)
    row.browser = summarize(halves.browser)
    allHalves.server.merge(copyOf(halves.server))
    allHalves.browser.merge(copyOf(halves.browser))
    if (perTest) {
      writeReports(map, path.join(outDir, 'tests', name), perTestReporters, reportOpts)
      row.reportDir = `tests/${name}`
    }
    // Only after this test's reports: merge() keeps the map's file data and rewrites it later.
    all.merge(map)
    const covered = coveredLines(map)
    for (const key of covered) coveringRows.set(key, (coveringRows.get(key) || 0) + 1)
    coveredByRow.push(covered)
    rows.push(row)
  }
  rows.forEach((row, i) => (row.unique = coveredByRow[i].filter((key) => coveringRows.get(key) === 1).length))
  const mergedRow = { test: MERGED_LABEL, merged: true, tests: rows.length, inputFiles: scan.files, ...summarize(all) }
  mergedRow.server = summarize(allHalves.server)
  mergedRow.browser = summarize(allHalves.browser)
  if (writeMerged) {
    writeReports(all, path.join(outDir, 'merged'), reporters, reportOpts)
    mergedRow.reportDir = 'merged'
  }
  rows.push(mergedRow)

  const table = formatTable(rows)
  const markdown = formatMarkdown(rows)
  fs.writeFileSync(path.join(outDir, 'summary.json'), JSON.stringify(rows, null, 2) + '\n')
  fs.writeFileSync(path.join(outDir, 'summary.md'), markdown)
  return { outDir, rows, table, markdown, skipped: scan.skipped }
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
