'use strict'
// Per-test coverage files under outDir, one test's halves:
//   server:  `<outDir>/<safe-name>.json`, written by the server process
//   browser: `<outDir>/<safe-name>.browser-<pid>.json`, one per writing
//            process (each Playwright worker), so that writers never share a file
// each holding `{ "testId", "part", "coverage": <Istanbul coverage map> }`.
// A second write of the same (test, part) from the same process merges in.
// This is the file-based form of the store contract (docs/run-store.md):
// readers go through readTestCoverage/listTests, never through the files.

const fs = require('node:fs')
const path = require('node:path')
const { safeName } = require('./safe-name')

const PARTS = ['server', 'browser']

function fileFor(outDir, testId, part = 'server') {
  const suffix = part === 'browser' ? `.browser-${process.pid}` : ''
  return path.join(outDir, `${safeName(testId)}${suffix}.json`)
}

function checkPart(part) {
  if (!PARTS.includes(part)) throw new TypeError(`cov-als-native store: part must be 'server' or 'browser', got ${JSON.stringify(part)}`)
}

/** Write (or merge into) this test's file for `part`; returns its path.
 * Synchronous, so concurrent writes of one id in this process cannot interleave. */
function writeTestCoverage(outDir, testId, coverage, part = 'server') {
  checkPart(part)
  fs.mkdirSync(outDir, { recursive: true })
  const file = fileFor(outDir, testId, part)
  const json = typeof coverage === 'string' ? coverage : JSON.stringify(coverage)
  let body
  if (fs.existsSync(file)) {
    const { createCoverageMap } = require('istanbul-lib-coverage')
    const previous = JSON.parse(fs.readFileSync(file, 'utf8'))
    const merged = createCoverageMap(previous.coverage || {})
    merged.merge(JSON.parse(json))
    body = JSON.stringify({ testId, part, coverage: merged.toJSON() })
  } else {
    body = `{"testId":${JSON.stringify(testId)},"part":"${part}","coverage":${json}}`
  }
  // Write then rename: a reader never sees half a file.
  const tmp = `${file}.${process.pid}.tmp`
  fs.writeFileSync(tmp, body)
  fs.renameSync(tmp, file)
  return file
}

/** Every coverage document under outDir (top level, *.json). */
function documents(outDir) {
  let names
  try {
    names = fs.readdirSync(outDir)
  } catch (err) {
    if (err.code === 'ENOENT') return []
    throw err
  }
  const docs = []
  for (const name of names.sort()) {
    if (!name.endsWith('.json') || name.startsWith('.')) continue
    const doc = JSON.parse(fs.readFileSync(path.join(outDir, name), 'utf8'))
    if (doc && typeof doc.testId === 'string' && doc.coverage) docs.push({ testId: doc.testId, part: doc.part || 'server', coverage: doc.coverage })
  }
  return docs
}

/** A test's coverage map (both halves merged by file path, or one `part`); null when unknown. */
function readTestCoverage(outDir, testId, { part } = {}) {
  if (part !== undefined) checkPart(part)
  const { createCoverageMap } = require('istanbul-lib-coverage')
  const docs = documents(outDir).filter((d) => d.testId === testId)
  if (docs.length === 0) return null
  const map = createCoverageMap({})
  for (const d of docs) if (part === undefined || d.part === part) map.merge(d.coverage)
  // A plain object, as coverage-final.json parses.
  return { ...map.toJSON() }
}

/** Test ids recorded under outDir, sorted. */
function listTests(outDir) {
  return [...new Set(documents(outDir).map((d) => d.testId))].sort()
}

module.exports = { writeTestCoverage, readTestCoverage, listTests, fileFor, PARTS }
