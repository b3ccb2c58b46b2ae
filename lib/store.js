'use strict'
// Per-test coverage files: `<outDir>/<safe-name>.json` holding
// `{ "testId": ..., "coverage": <Istanbul coverage map> }`. A second flush of
// the same id (another Playwright project, a retry, a late hit) merges in.

const fs = require('node:fs')
const path = require('node:path')
const { safeName } = require('./safe-name')

function fileFor(outDir, testId) {
  return path.join(outDir, `${safeName(testId)}.json`)
}

/** Write (or merge into) this test's file; returns its path. Synchronous, so
 * concurrent flushes of one id in this process cannot interleave. */
function writeTestCoverage(outDir, testId, coverageJson) {
  fs.mkdirSync(outDir, { recursive: true })
  const file = fileFor(outDir, testId)
  let body
  if (fs.existsSync(file)) {
    const { createCoverageMap } = require('istanbul-lib-coverage')
    const previous = JSON.parse(fs.readFileSync(file, 'utf8'))
    const merged = createCoverageMap(previous.coverage || {})
    merged.merge(JSON.parse(coverageJson))
    body = JSON.stringify({ testId, coverage: merged.toJSON() })
  } else {
    body = `{"testId":${JSON.stringify(testId)},"coverage":${coverageJson}}`
  }
  // Write then rename: a reader never sees half a file.
  const tmp = `${file}.${process.pid}.tmp`
  fs.writeFileSync(tmp, body)
  fs.renameSync(tmp, file)
  return file
}

module.exports = { writeTestCoverage, fileFor }
