'use strict'
// Compatibility facade: what lib/reports.js exported before the split into
// lib/report/ (the report model: read, summarize, format, write) and lib/cli/
// (one module per command, main.js the dispatch). New code requires those.

const model = require('./report/index.js')
const { main } = require('./cli/main.js')
const { parseReporters } = require('./cli/report.js')
const { CliError, UsageError } = require('./cli/errors.js')

module.exports = {
  main,
  report: model.report,
  merge: model.merge,
  readCoverageFile: model.readCoverageFile,
  scanInputs: model.scanInputs,
  loadTestCoverage: model.loadTestCoverage,
  summarize: model.summarize,
  formatTable: model.formatTable,
  formatMarkdown: model.formatMarkdown,
  parseReporters,
  writeReports: model.writeReports,
  defaultReportDir: model.defaultReportDir,
  ReportError: model.ReportError,
  CliError,
  UsageError,
  REPORTERS: model.REPORTERS,
  DEFAULT_REPORTERS: model.DEFAULT_REPORTERS,
  DEFAULT_PER_TEST_REPORTERS: model.DEFAULT_PER_TEST_REPORTERS,
  MERGED_LABEL: model.MERGED_LABEL,
}
