'use strict'
// The logic behind the `cov-als` command line (bin/cov-als.js): read the
// per-test coverage files a cov-als-native server writes, merge them by test
// id, and write Istanbul reports plus a per-test summary table.
//
// Input: a directory of `*.json` files (top level only, dot files ignored).
// Each file is either the wrapper the server writes,
//   { "testId": "<test id>", "coverage": { "<abs path>": <FileCoverage data> } }
// or a plain Istanbul coverage map, whose test id is then the file name
// without `.json`. Files with the same test id (several server processes, CI
// shards, repeated flushes) are merged with istanbul-lib-coverage, so their
// counts add up.
//
// Everything here is synchronous and reports problems as CliError (exit 1) or
// UsageError (exit 2); main() turns them into messages and an exit code.

const fs = require('node:fs')
const path = require('node:path')
const libCoverage = require('istanbul-lib-coverage')
const libReport = require('istanbul-lib-report')
const istanbulReports = require('istanbul-reports')
const { safeName } = require('./safe-name.js')
const { parsePathMap, createPathMapper, remapCoverageMap } = require('./path-map.js')
const store = require('./store.js')

const { CliError, UsageError, parse } = require('./cli/errors.js')
const exportCommand = require('./cli/export.js')
const whichCommand = require('./cli/which.js')
const impactCommand = require('./cli/impact.js')
const redundantCommand = require('./cli/redundant.js')

const REPORTERS = ['clover', 'cobertura', 'html', 'html-spa', 'json', 'json-summary', 'lcov', 'lcovonly', 'none', 'teamcity', 'text', 'text-summary']
const CONSOLE_REPORTER_FILES = { text: 'text.txt', 'text-summary': 'text-summary.txt', teamcity: 'teamcity.txt' }
const DEFAULT_REPORTERS = ['html', 'lcovonly', 'json', 'json-summary']
const DEFAULT_PER_TEST_REPORTERS = ['lcovonly', 'json-summary']
const DEFAULT_REPORT_DIR_NAME = 'coverage-report'
const MERGED_LABEL = 'all tests (merged)'
const { STARTUP_ID } = require('../index.js')
const METRICS = ['statements', 'branches', 'functions', 'lines']
// Marker files: a directory holding one was written by this tool, so its
// generated content may be replaced on the next run.
const REPORT_MARKER = '.cov-als-report'
const MERGE_MARKER = '.cov-als-merge'
const NYC_DIR = '.nyc_output'

// ---------------------------------------------------------------- input

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v)
const hasOwn = (o, k) => Object.prototype.hasOwnProperty.call(o, k)
const isCount = (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0

function looksLikeFileCoverage(v) {
  return isObject(v) && typeof v.path === 'string' && isObject(v.statementMap) && isObject(v.s)
}

// Why `fc` is not usable Istanbul file coverage data, or null if it is.
function fileCoverageProblem(key, fc) {
  const where = `coverage entry ${JSON.stringify(key)}`
  if (!isObject(fc)) return `${where} is not an object`
  if (typeof fc.path !== 'string' || fc.path === '') return `${where} has no "path"`
  for (const prop of ['statementMap', 'fnMap', 'branchMap', 's', 'f', 'b']) {
    if (!isObject(fc[prop])) return `${where} has no "${prop}" object`
  }
  for (const [hits, map] of [
    ['s', 'statementMap'],
    ['f', 'fnMap'],
  ]) {
    for (const [k, v] of Object.entries(fc[hits])) {
      if (!isCount(v)) return `${where}: ${hits}[${JSON.stringify(k)}] is not a count`
      if (!hasOwn(fc[map], k)) return `${where}: ${hits}[${JSON.stringify(k)}] has no ${map} entry`
    }
  }
  for (const hits of ['b', 'bT']) {
    if (hits === 'bT' && fc.bT === undefined) continue
    if (!isObject(fc[hits])) return `${where}: "${hits}" is not an object`
    for (const [k, v] of Object.entries(fc[hits])) {
      if (!Array.isArray(v) || !v.every(isCount)) return `${where}: ${hits}[${JSON.stringify(k)}] is not an array of counts`
      if (!hasOwn(fc.branchMap, k)) return `${where}: ${hits}[${JSON.stringify(k)}] has no branchMap entry`
    }
  }
  return null
}

/**
 * Read one per-test coverage file.
 * @returns {{ testId: string, coverage: object }} coverage is a plain Istanbul coverage map
 * @throws {CliError} naming the file when it cannot be read or is not coverage
 */
function readCoverageFile(file) {
  let text
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${err.message}`)
  }
  let json
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new CliError(`invalid JSON in ${file}: ${err.message}`)
  }
  if (!isObject(json)) throw new CliError(`${file}: expected a JSON object (a coverage map or { testId, coverage })`)

  let testId = path.basename(file).replace(/\.json$/i, '')
  let coverage = json
  if (isObject(json.coverage) && !looksLikeFileCoverage(json.coverage)) {
    // The wrapper the server writes.
    if (hasOwn(json, 'testId')) {
      if (typeof json.testId !== 'string' || json.testId === '') {
        throw new CliError(`${file}: "testId" must be a non-empty string`)
      }
      testId = json.testId
    }
    coverage = json.coverage
  } else if (hasOwn(json, 'testId') && typeof json.testId === 'string') {
    throw new CliError(`${file}: has a "testId" but no "coverage" object`)
  }
  for (const [key, fc] of Object.entries(coverage)) {
    const problem = fileCoverageProblem(key, fc)
    if (problem) throw new CliError(`${file}: not Istanbul coverage: ${problem}`)
  }
  // The half of the test the file holds (the fixture writes 'browser').
  const part = json.part === 'browser' ? 'browser' : 'server'
  return { testId, part, coverage }
}

function checkInputDirs(dirs) {
  if (dirs.length === 0) throw new UsageError('no input directory given')
  const seen = new Set()
  const out = []
  for (const dir of dirs) {
    const abs = path.resolve(dir)
    let stat
    try {
      stat = fs.statSync(abs)
    } catch (err) {
      if (err.code === 'ENOENT') throw new CliError(`input directory not found: ${dir}`)
      throw new CliError(`cannot access input directory ${dir}: ${err.message}`)
    }
    if (!stat.isDirectory()) throw new CliError(`not a directory: ${dir}`)
    if (seen.has(abs)) continue // the same directory twice would count everything twice
    seen.add(abs)
    out.push(abs)
  }
  return out
}

function jsonFilesIn(dir) {
  let entries
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true })
  } catch (err) {
    throw new CliError(`cannot list ${dir}: ${err.message}`)
  }
  return entries
    .filter((e) => e.name.toLowerCase().endsWith('.json') && !e.name.startsWith('.'))
    .map((e) => path.join(dir, e.name))
    .filter((file) => {
      try {
        return fs.statSync(file).isFile()
      } catch {
        return false
      }
    })
    .sort()
}

// `startup` first, then by test id (code unit order, so it does not depend on the locale).
function compareTestIds(a, b) {
  if (a === b) return 0
  if (a === STARTUP_ID) return -1
  if (b === STARTUP_ID) return 1
  return a < b ? -1 : 1
}

/**
 * Find the coverage files of some input directories and group them by test id.
 * Every file is parsed and checked here, so that nothing is written when one
 * is bad (unless skipInvalid: then it is left out with a warning).
 * @returns {{ dirs: string[], tests: Map<string, string[]>, files: number, skipped: string[] }}
 */
function scanInputs(dirs, { skipInvalid = false, warn = () => {} } = {}) {
  const absDirs = checkInputDirs(dirs)
  const byId = new Map()
  const skipped = []
  let files = 0
  const add = (testId, source) => {
    files++
    if (!byId.has(testId)) byId.set(testId, [])
    byId.get(testId).push(source)
  }
  for (const dir of absDirs) {
    if (store.hasStore(dir)) {
      let ids
      try {
        ids = store.listTests(dir)
      } catch (err) {
        throw new CliError(err.message)
      }
      for (const testId of ids) add(testId, { store: dir })
    }
    for (const file of jsonFilesIn(dir)) {
      let testId
      try {
        testId = readCoverageFile(file).testId
      } catch (err) {
        if (skipInvalid && err instanceof CliError) {
          warn(`skipping ${err.message}`)
          skipped.push(file)
          continue
        }
        throw err
      }
      add(testId, file)
    }
  }
  if (files === 0) {
    const where = absDirs.map((d) => path.relative(process.cwd(), d) || '.').join(', ')
    throw new CliError(`no run store (${store.STORE_FILE}) and no ${skipped.length ? 'valid ' : ''}coverage files (*.json) found in ${where}`)
  }
  const tests = new Map([...byId.entries()].sort(([a], [b]) => compareTestIds(a, b)))
  return { dirs: absDirs, tests, files, skipped }
}

/**
 * The coverage of one test by half: its sources (run stores, per-test JSON
 * files, which count as the server half) merged with istanbul-lib-coverage
 * (counts of the same file add up). Read afresh, so that only one test's
 * coverage needs to be in memory at a time.
 * @returns {{ total: CoverageMap, server: CoverageMap, browser: CoverageMap }}
 */
function loadTestHalves(sources, testId) {
  const halves = { server: libCoverage.createCoverageMap({}), browser: libCoverage.createCoverageMap({}) }
  for (const source of sources) {
    if (typeof source === 'string') {
      halves.server.merge(readCoverageFile(source).coverage)
      continue
    }
    for (const part of store.PARTS) {
      let coverage
      try {
        coverage = store.exportCoverage(source.store, [testId], { part })
      } catch (err) {
        throw new CliError(err.message)
      }
      if (coverage) halves[part].merge(coverage)
    }
  }
  // merge() adopts the file coverage objects it is given: merge copies.
  const total = libCoverage.createCoverageMap(copyOf(halves.server))
  total.merge(copyOf(halves.browser))
  return { total, ...halves }
}

const copyOf = (map) => JSON.parse(JSON.stringify(map))

function loadTestCoverage(sources, testId) {
  return loadTestHalves(sources, testId).total
}

// ---------------------------------------------------------------- summary

function metric(m) {
  return { total: m.total, covered: m.covered, skipped: m.skipped, pct: typeof m.pct === 'number' ? m.pct : null }
}

/**
 * Totals of a coverage map, as istanbul computes them (pct floored to two
 * decimals, 100 when there is nothing to cover in a file, null when the map
 * has no files at all).
 */
function summarize(map) {
  const s = map.getCoverageSummary()
  const row = { files: map.files().length, filesTouched: 0 }
  for (const file of map.files()) {
    const fc = map.fileCoverageFor(file)
    const touched = (hits) => Object.values(hits).some((v) => (Array.isArray(v) ? v.some((n) => n > 0) : v > 0))
    if (touched(fc.s) || touched(fc.f) || touched(fc.b)) row.filesTouched++
  }
  for (const key of METRICS) row[key] = metric(s[key])
  return row
}

// "file:line" of every line with a count, Istanbul's line coverage.
function coveredLines(map) {
  const out = []
  for (const file of map.files()) {
    const lines = map.fileCoverageFor(file).getLineCoverage()
    for (const [line, n] of Object.entries(lines)) if (n > 0) out.push(`${file}:${line}`)
  }
  return out
}

// Test ids may hold control characters; show them escaped.
function printable(s) {
  // oxlint-disable-next-line no-control-regex -- escaping control characters is the point
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    const code = c.charCodeAt(0)
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
  })
}

// Terminal columns of a string: wide East Asian characters and emoji take
// two, combining marks none.
function displayWidth(s) {
  let w = 0
  for (const ch of s) {
    const c = ch.codePointAt(0)
    if ((c >= 0x300 && c <= 0x36f) || (c >= 0x200b && c <= 0x200f) || c === 0xfe0f) continue
    if (
      (c >= 0x1100 && c <= 0x115f) ||
      (c >= 0x2e80 && c <= 0xa4cf) ||
      (c >= 0xac00 && c <= 0xd7a3) ||
      (c >= 0xf900 && c <= 0xfaff) ||
      (c >= 0xfe30 && c <= 0xfe4f) ||
      (c >= 0xff00 && c <= 0xff60) ||
      (c >= 0xffe0 && c <= 0xffe6) ||
      (c >= 0x1f300 && c <= 0x1faff) ||
      (c >= 0x20000 && c <= 0x3fffd)
    ) {
      w += 2
    } else {
      w += 1
    }
  }
  return w
}

function truncate(s, width) {
  if (displayWidth(s) <= width) return s
  let out = ''
  for (const ch of s) {
    if (displayWidth(out + ch) > width - 1) break
    out += ch
  }
  return out + '…'
}

const formatPct = (m) => (m.pct === null ? '-' : `${m.pct.toFixed(2)}%`)
const MAX_TEST_COLUMN = 60

/** The summary as an aligned text table (one row per test, then the merged row). */
function formatTable(rows) {
  const header = ['test', 'files', 'statements', 'branches', 'functions', 'lines', 'server lines', 'browser lines', 'unique']
  const half = (h) => (h && h.files > 0 ? formatPct(h.lines) : '-')
  const cells = rows.map((r) => [
    truncate(printable(r.test), MAX_TEST_COLUMN),
    String(r.files),
    ...METRICS.map((k) => formatPct(r[k])),
    half(r.server),
    half(r.browser),
    r.merged ? '' : String(r.unique ?? ''),
  ])
  const widths = header.map((h, i) => Math.max(displayWidth(h), ...cells.map((c) => displayWidth(c[i]))))
  const pad = (s, w, right) => {
    const fill = ' '.repeat(Math.max(0, w - displayWidth(s)))
    return right ? fill + s : s + fill
  }
  const line = (c) =>
    c
      .map((s, i) => pad(s, widths[i], i > 0))
      .join('  ')
      .trimEnd()
  const rule = widths.map((w) => '-'.repeat(w)).join('  ')
  const out = [line(header), rule]
  cells.forEach((c, i) => {
    if (rows[i].merged) out.push(rule)
    out.push(line(c))
  })
  return out.join('\n') + '\n'
}

function markdownCell(s) {
  return printable(s).replace(/[\\`*_{}[\]<>|]/g, (c) => `\\${c}`)
}

/** The summary as a Markdown table. */
function formatMarkdown(rows) {
  const out = ['| test | files | statements % | branches % | functions % | lines % |', '| :--- | ---: | ---: | ---: | ---: | ---: |']
  for (const r of rows) {
    const name = r.merged ? `**${markdownCell(r.test)}**` : markdownCell(r.test)
    out.push(`| ${name} | ${r.files} | ${METRICS.map((k) => formatPct(r[k])).join(' | ')} |`)
  }
  return out.join('\n') + '\n'
}

// ---------------------------------------------------------------- output

function parseCliPathMap(values) {
  try {
    return parsePathMap(values)
  } catch (err) {
    throw new UsageError(`--path-map: ${err.message}`)
  }
}

function parseReporters(values, optionName) {
  const names = []
  for (const value of values) {
    for (const raw of value.split(',')) {
      const name = raw.trim()
      if (!name) continue
      if (name === 'text-lcov') throw new UsageError(`${optionName}: "text-lcov" prints to stdout; use "lcovonly" (writes lcov.info)`)
      if (!REPORTERS.includes(name)) {
        throw new UsageError(`${optionName}: unknown reporter "${name}" (known: ${REPORTERS.join(', ')})`)
      }
      if (!names.includes(name)) names.push(name)
    }
  }
  if (names.length === 0) throw new UsageError(`${optionName}: no reporter named`)
  return names
}

/** Write the given istanbul-reports reporters for `map` into `dir`. */
function writeReports(map, dir, reporters, { projectRoot } = {}) {
  const context = libReport.createContext({ dir, coverageMap: map, defaultSummarizer: 'nested' })
  for (const name of reporters) {
    if (name === 'none') continue
    const opts = {}
    if (CONSOLE_REPORTER_FILES[name]) opts.file = CONSOLE_REPORTER_FILES[name]
    if (projectRoot) opts.projectRoot = projectRoot
    istanbulReports.create(name, opts).execute(context)
  }
}

function exists(p) {
  try {
    fs.lstatSync(p)
    return true
  } catch {
    return false
  }
}

function ensureOutDir(outDir, inputDirs, what) {
  if (inputDirs.includes(outDir)) {
    throw new UsageError(`the ${what} directory must not be an input directory: ${outDir}`)
  }
  if (exists(outDir) && !fs.statSync(outDir).isDirectory()) throw new CliError(`${what} path is not a directory: ${outDir}`)
}

function writeMarker(dir, marker, text) {
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(path.join(dir, marker), text)
}

/** Default report directory: `coverage-report` next to the first input directory. */
function defaultReportDir(firstInputDir) {
  return path.join(path.dirname(path.resolve(firstInputDir)), DEFAULT_REPORT_DIR_NAME)
}

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
  if (!out) throw new UsageError('merge needs --out <dir>')
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
      throw new CliError(
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
    if (err instanceof CliError) throw err
    throw new CliError(err.message)
  }
  if (nyc) {
    fs.mkdirSync(nycDir, { recursive: true })
    for (const testId of scan.tests.keys()) {
      fs.writeFileSync(path.join(nycDir, `${safeName(testId)}.json`), JSON.stringify(store.readTestCoverage(outDir, testId)))
    }
  }
  return { outDir, tests: scan.tests.size, inputFiles: scan.files, nycDir: nyc ? nycDir : null, skipped: scan.skipped }
}

// ---------------------------------------------------------------- command line

const HELP = `Usage: cov-als <command> [options]

Reports for the run store a cov-als-native server writes (<dir>/cov-als.db:
each file's maps once, per test only its non-zero counters, server and
browser halves). Per-test JSON files ({ "testId", "coverage" } or a plain
Istanbul coverage map named <test id>.json) are read too, as server halves.
The same test id from several directories (server processes, CI shards) is
merged: counts add up.

Commands:
  report <dir...>          Merged and per-test Istanbul reports + summary table
  merge <dir...> --out <d> Merge several directories by test id into one
  export <dir...>          Istanbul JSON of some tests (or all), keys sorted
  which <file>[:<l>[-<l>]] <dir...>
                           The tests that cover those lines (--json for tools)
  impact <dir...> --git <base> | --diff <patch> | --changed <file>:<lines>
                           The tests a change touches, with Playwright arguments
  redundant <dir>          Tests whose coverage other tests already give
  help [command]           Show help

Run "cov-als help report" or "cov-als help merge" for their options.

Exit status: 0 success, 1 bad input or I/O error, 2 bad usage.
`

const HELP_REPORT = `Usage: cov-als report <dir...> [options]

Reads the run store (cov-als.db) and every *.json at the top level of each
<dir>, merges them by test id and writes:
  <out>/merged/             all tests merged (reporters: --reporters)
  <out>/tests/<safe-name>/  one report per test (reporters: --per-test-reporters)
  <out>/summary.json        one row per test + a final "all tests (merged)" row:
                            files, filesTouched (files with a count > 0) and
                            {total, covered, skipped, pct} of statements,
                            branches, functions, lines; server and browser:
                            the same per half; unique: lines no other row
                            covers (what only this test adds)
  <out>/summary.md          the same table in Markdown
and prints the summary table to stdout. The startup bucket (test id
"startup": module loading, work outside any test) is a row of its own and is
part of the merged report.

Options:
  -o, --out <dir>             Report directory
                              (default: coverage-report next to the first <dir>)
  -r, --reporters <list>      Merged report reporters, comma separated
                              (default: ${DEFAULT_REPORTERS.join(',')})
      --per-test              Write per-test reports (the default)
      --no-per-test           Do not write per-test reports
      --per-test-reporters <list>
                              Per-test reporters (default: ${DEFAULT_PER_TEST_REPORTERS.join(',')};
                              html works too, but is heavy for hundreds of tests)
      --no-merged             Do not write the merged report (its summary row is
                              still printed)
      --skip-invalid          Skip unreadable or invalid files with a warning
                              (default: stop at the first one)
      --project-root <dir>    lcov/cobertura paths are relative to it (default: cwd)
      --path-map <from=to>    Rewrite the path prefix <from> to <to> (repeatable;
                              for data collected in a container or another tree)
  -h, --help                  Show this help

Reporters: ${REPORTERS.join(', ')}
(text, text-summary and teamcity write text.txt, text-summary.txt, teamcity.txt)

Per-test directories are named by safe name: a slug of the test id plus a hash
(see summary.json for the mapping). A report directory written by cov-als
(it holds ${REPORT_MARKER}) has its merged/, tests/ and summary.* replaced on
each run. Percentages are istanbul's: floored to 2 decimals, 100 when a metric
has nothing to cover, "-" (null) for a test without any file.
`

const HELP_MERGE = `Usage: cov-als merge <dir...> --out <dir> [options]

Merges the run stores (and per-test JSON files) of several directories
(server processes, CI shards) into one run store, <out>/cov-als.db: maps are
kept once, counts of the same test id add up. "cov-als report <out>" and
"cov-als export <out>" work on the result.

Options:
  -o, --out <dir>     Output directory (required). Must not be an input
                      directory; must not hold a run store or *.json files
                      unless an earlier "cov-als merge" wrote it (then they
                      are replaced).
      --nyc           Also write <out>/.nyc_output/<safe-name>.json, one plain
                      Istanbul coverage map per test, for
                      "nyc report --temp-dir <out>/.nyc_output" (nyc leaves out
                      files outside its --cwd, so run it from the project root)
      --skip-invalid  Skip unreadable or invalid files with a warning
  -h, --help          Show this help
`

function runReport(args, io) {
  const { values, positionals } = parse(args, {
    out: { type: 'string', short: 'o' },
    reporters: { type: 'string', short: 'r', multiple: true },
    'per-test': { type: 'boolean' },
    'no-per-test': { type: 'boolean' },
    'per-test-reporters': { type: 'string', multiple: true },
    'no-merged': { type: 'boolean' },
    'skip-invalid': { type: 'boolean' },
    'project-root': { type: 'string' },
    'path-map': { type: 'string', multiple: true },
    help: { type: 'boolean', short: 'h' },
  })
  if (values.help) {
    io.stdout.write(HELP_REPORT)
    return 0
  }
  if (positionals.length === 0) throw new UsageError('report needs at least one input directory')
  if (values['per-test'] && values['no-per-test']) throw new UsageError('--per-test and --no-per-test contradict each other')
  if (values['no-per-test'] && values['per-test-reporters']) {
    throw new UsageError('--per-test-reporters and --no-per-test contradict each other')
  }
  if (values['no-merged'] && values.reporters) throw new UsageError('--reporters and --no-merged contradict each other')
  const result = report({
    dirs: positionals,
    out: values.out,
    reporters: values.reporters ? parseReporters(values.reporters, '--reporters') : undefined,
    merged: !values['no-merged'],
    perTest: !values['no-per-test'],
    perTestReporters: values['per-test-reporters'] ? parseReporters(values['per-test-reporters'], '--per-test-reporters') : undefined,
    skipInvalid: Boolean(values['skip-invalid']),
    projectRoot: values['project-root'],
    pathMap: values['path-map'] && parseCliPathMap(values['path-map']),
    warn: io.warn,
  })
  io.stdout.write(result.table)
  io.stdout.write(`\nReport: ${result.outDir}\n`)
  return 0
}

function runMerge(args, io) {
  const { values, positionals } = parse(args, {
    out: { type: 'string', short: 'o' },
    nyc: { type: 'boolean' },
    'skip-invalid': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  })
  if (values.help) {
    io.stdout.write(HELP_MERGE)
    return 0
  }
  if (positionals.length === 0) throw new UsageError('merge needs at least one input directory')
  if (!values.out) throw new UsageError('merge needs --out <dir>')
  const result = merge({
    dirs: positionals,
    out: values.out,
    nyc: Boolean(values.nyc),
    skipInvalid: Boolean(values['skip-invalid']),
    warn: io.warn,
  })
  io.stdout.write(`Merged ${result.inputFiles} file(s) into ${result.tests} test(s): ${result.outDir}\n`)
  if (result.nycDir) io.stdout.write(`nyc: nyc report --temp-dir ${result.nycDir}\n`)
  return 0
}

/**
 * Run the command line. Returns the exit code; never calls process.exit.
 * @param {string[]} argv arguments after the script name
 * @param {{ stdout?: { write(s: string): void }, stderr?: { write(s: string): void } }} [streams]
 */
function main(argv, { stdout = process.stdout, stderr = process.stderr } = {}) {
  const io = { stdout, stderr, warn: (msg) => stderr.write(`cov-als: warning: ${printable(msg)}\n`) }
  const [command, ...rest] = argv
  try {
    switch (command) {
      case 'report':
        return runReport(rest, io)
      case 'merge':
        return runMerge(rest, io)
      case 'export':
        return exportCommand.run(rest, io)
      case 'which':
        return whichCommand.run(rest, io)
      case 'impact':
        return impactCommand.run(rest, io)
      case 'redundant':
        return redundantCommand.run(rest, io)
      case 'help':
      case '--help':
      case '-h':
        stdout.write(
          {
            report: HELP_REPORT,
            merge: HELP_MERGE,
            export: exportCommand.HELP,
            which: whichCommand.HELP,
            impact: impactCommand.HELP,
            redundant: redundantCommand.HELP,
          }[rest[0]] || HELP,
        )
        return 0
      case '--version':
      case '-v':
        stdout.write(`${require('../package.json').version}\n`)
        return 0
      case undefined:
        stderr.write(HELP)
        return 2
      default:
        throw new UsageError(`unknown command "${command}"`)
    }
  } catch (err) {
    if (err instanceof UsageError) {
      stderr.write(`cov-als: ${printable(err.message)}\nRun "cov-als --help" for usage.\n`)
      return err.exitCode
    }
    if (err instanceof CliError) {
      stderr.write(`cov-als: ${printable(err.message)}\n`)
      return err.exitCode
    }
    stderr.write(`cov-als: unexpected error: ${err && err.stack ? err.stack : err}\n`)
    return 1
  }
}

module.exports = {
  main,
  report,
  merge,
  readCoverageFile,
  scanInputs,
  loadTestCoverage,
  summarize,
  formatTable,
  formatMarkdown,
  parseReporters,
  writeReports,
  defaultReportDir,
  CliError,
  UsageError,
  REPORTERS,
  DEFAULT_REPORTERS,
  DEFAULT_PER_TEST_REPORTERS,
  MERGED_LABEL,
}
