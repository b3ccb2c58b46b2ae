'use strict'
// Writing reports: istanbul-reports reporters into a directory, and the
// marker files that let a later run replace what this tool wrote.

const fs = require('node:fs')
const path = require('node:path')
const libReport = require('istanbul-lib-report')
const istanbulReports = require('istanbul-reports')
const { ReportError } = require('./errors.js')
const { CovAlsHtmlReport } = require('./html.js')

const REPORTERS = ['clover', 'cobertura', 'html', 'html-spa', 'json', 'json-summary', 'lcov', 'lcovonly', 'none', 'teamcity', 'text', 'text-summary']
const CONSOLE_REPORTER_FILES = { text: 'text.txt', 'text-summary': 'text-summary.txt', teamcity: 'teamcity.txt' }
const DEFAULT_REPORTERS = ['html', 'lcovonly', 'json', 'json-summary']
const DEFAULT_PER_TEST_REPORTERS = ['html', 'lcovonly', 'json-summary']
const DEFAULT_REPORT_DIR_NAME = 'coverage-report'
// Marker files: a directory holding one was written by this tool, so its
// generated content may be replaced on the next run.
const REPORT_MARKER = '.cov-als-report'
const MERGE_MARKER = '.cov-als-merge'

/** Write the given istanbul-reports reporters for `map` into `dir`; `html`:
 * options of the html reporter's additions (html.js). */
function writeReports(map, dir, reporters, { projectRoot, html } = {}) {
  const context = libReport.createContext({ dir, coverageMap: map, defaultSummarizer: 'nested' })
  for (const name of reporters) {
    if (name === 'none') continue
    const opts = {}
    if (CONSOLE_REPORTER_FILES[name]) opts.file = CONSOLE_REPORTER_FILES[name]
    if (projectRoot) opts.projectRoot = projectRoot
    const reporter = name === 'html' ? new CovAlsHtmlReport({ ...opts, ...html }) : istanbulReports.create(name, opts)
    reporter.execute(context)
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
    throw new ReportError(`the ${what} directory must not be an input directory: ${outDir}`, { badOption: true })
  }
  if (exists(outDir) && !fs.statSync(outDir).isDirectory()) throw new ReportError(`${what} path is not a directory: ${outDir}`)
}

function writeMarker(dir, marker, text) {
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(path.join(dir, marker), text)
}

/** Default report directory: `coverage-report` next to the first input directory. */
function defaultReportDir(firstInputDir) {
  return path.join(path.dirname(path.resolve(firstInputDir)), DEFAULT_REPORT_DIR_NAME)
}

module.exports = {
  REPORTERS,
  DEFAULT_REPORTERS,
  DEFAULT_PER_TEST_REPORTERS,
  REPORT_MARKER,
  MERGE_MARKER,
  writeReports,
  exists,
  ensureOutDir,
  writeMarker,
  defaultReportDir,
}
