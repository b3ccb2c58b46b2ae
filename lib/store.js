'use strict'
// The run store (docs/run-store.md): one SQLite database, `<outDir>/cov-als.db`,
// holding each file's maps once and per test only the counters it hit, in
// two halves ('server', 'browser'). This module is its JS face; the work is
// in the addon (crates/cov_core/src/store).

const fs = require('node:fs')
const path = require('node:path')
const native = require('./native')
const { toNativeId, fromNativeId } = require('./test-id')

// The file name is the addon's, which builds the same path (cov_core::store::path_in).
const STORE_FILE = native.STORE_FILE
const PARTS = ['server', 'browser']

// The store's native face, by database path: test ids cross as native ids
// both ways. (A flush belongs to the server runtime, which forgets the
// test's tables with it: lib/server/runtime.js.)
const byPath = {
  record: (db, testId, part, json) => native.storeRecordIstanbul(db, toNativeId(testId), part, json),
  export: (db, testIds, part, allUnits) => native.storeExport(db, testIds ? testIds.map(toNativeId) : null, part || null, allUnits),
  tests: (db) => native.storeTests(db).map(fromNativeId),
  merge: (into, from) => native.storeMerge(into, from),
  close: (db) => native.storeClose(db),
  which: (db, file, from, to, spans = false) => {
    const json = native.storeWhich(db, file, from, to, spans)
    return json === null ? null : JSON.parse(json).map((c) => ({ ...c, test: fromNativeId(c.test) }))
  },
  // { tests: [id...], lines: JSON text of [[line, [[test index, halves, statements, branches, functions, hits]...]]...] } or null.
  lineTests: (db, file) => {
    const answer = native.storeLineTests(db, file)
    return answer === null ? null : { tests: answer.tests.map(fromNativeId), lines: answer.lines }
  },
  paths: (db) => native.storePaths(db),
  // [{ test, exact, server, browser, total: [[path, [9 totals]]...], lines: [[path, [line...]]...] }] (cov_core::store::summary).
  testSummaries: (db) => JSON.parse(native.storeTestSummaries(db)).map((s) => ({ ...s, test: fromNativeId(s.test) })),
  redundant: (db, ignore) => JSON.parse(native.storeRedundant(db, ignore.map(toNativeId))).map((r) => ({ ...r, test: fromNativeId(r.test) })),
}

function storePath(outDir) {
  return path.join(path.resolve(outDir), STORE_FILE)
}

function hasStore(outDir) {
  return fs.existsSync(storePath(outDir))
}

function checkPart(part) {
  if (!PARTS.includes(part)) throw new TypeError(`cov-als-native: part must be 'server' or 'browser', got ${JSON.stringify(part)}`)
}

/** Record a test's Istanbul coverage map (JSON text or object) as one half
 * of that test, adding to what is recorded; returns the store file. */
function writeTestCoverage(outDir, testId, coverage, part = 'server') {
  checkPart(part)
  const json = typeof coverage === 'string' ? coverage : JSON.stringify(coverage)
  fs.mkdirSync(outDir, { recursive: true })
  const db = storePath(outDir)
  byPath.record(db, testId, part, json)
  return db
}

/** Flush a test's live counters (of runtime `cov`) into the store. Returns
 * { coverage: JSON text, file, error } (error: why the store was not written). */
function flushTestCoverage(cov, outDir, testId, { touchedOnly = false } = {}) {
  const db = storePath(outDir)
  try {
    fs.mkdirSync(outDir, { recursive: true })
  } catch {
    // Opening the store then fails with the reason, reported as `error`.
  }
  const { coverage, error } = cov.store.flush(db, testId, touchedOnly)
  return { coverage, file: error ? null : db, error: error || null }
}

// Merge the store's file coverages (one per unit) into one map: the same
// path from several units or halves merges by location, as Istanbul does.
function toCoverageMap(fileCoverages) {
  const out = {}
  let merged = null
  for (const fc of fileCoverages) {
    if (!(fc.path in out)) {
      out[fc.path] = fc
      continue
    }
    merged ||= require('istanbul-lib-coverage').createCoverageMap({})
    if (!merged.data[fc.path]) merged.addFileCoverage(out[fc.path])
    merged.addFileCoverage(fc)
    out[fc.path] = merged.fileCoverageFor(fc.path).toJSON()
  }
  return out
}

/** Istanbul coverage map of some tests (all when testIds is null) in one
 * half or both; `allFiles: false` leaves out the files they did not touch.
 * null when a named test is unknown. */
function exportCoverage(outDir, testIds, { part, allFiles = true } = {}) {
  if (part !== undefined && part !== null) checkPart(part)
  if (!hasStore(outDir)) return null
  const json = byPath.export(storePath(outDir), testIds, part, allFiles)
  return json === null ? null : toCoverageMap(JSON.parse(json))
}

/** A test's recorded coverage (both halves merged, or one with { part }), or
 * null. The server half holds every file the servers instrumented (zeros
 * included, as a flush answers); the browser half the files that test's own
 * pages loaded. */
function readTestCoverage(outDir, testId, { part } = {}) {
  return exportCoverage(outDir, [testId], { part })
}

/** Test ids recorded under outDir, sorted. */
function listTests(outDir) {
  if (!hasStore(outDir)) return []
  return byPath.tests(storePath(outDir)).sort()
}

/** Add the store of `fromDir` into the store of `intoDir` (CI shards). */
function mergeStores(intoDir, fromDir) {
  fs.mkdirSync(intoDir, { recursive: true })
  byPath.merge(storePath(intoDir), storePath(fromDir))
}

/** Paths of the files the store of `outDir` knows (their maps), sorted. */
function storedPaths(outDir) {
  return hasStore(outDir) ? byPath.paths(storePath(outDir)) : []
}

/** The tests that hit `file` (a stored path) on lines from..to: [{ test,
 * server?, browser? }] with { statements, branches, functions, lines, hits }
 * per half; null when the store does not know the file. Statements and
 * branch arms count on their start line, functions on the lines from their
 * declaration to the start of their body; with `spans`, entries count
 * wherever they overlap the range (a change inside a called function
 * touches it). */
function whichTests(outDir, file, from = 1, to = 0xffffffff, { spans = false } = {}) {
  if (!hasStore(outDir)) return null
  return byPath.which(storePath(outDir), file, from, to, spans)
}

/** Every line of `file` (a stored path) some test hit, with those tests:
 * { tests: [id...] sorted, lines: [[line, [[test index, halves (1 server,
 * 2 browser), statements, branches, functions, hits]...]]...] }; the same
 * rule as whichTests on one line. With `raw`, `lines` is that JSON text
 * (written into the HTML data files as it is). null when the store does not
 * know the file. */
function lineTests(outDir, file, { raw = false } = {}) {
  if (!hasStore(outDir)) return null
  const answer = byPath.lineTests(storePath(outDir), file)
  if (answer && !raw) answer.lines = JSON.parse(answer.lines)
  return answer
}

/** Every test's per-file Istanbul totals by half, from one pass in Rust
 * (cov_core::store::summary): [{ test, exact, server, browser, total: [[path,
 * [statements total, covered, branches total, covered, functions total,
 * covered, lines total, covered, touched]]...], lines: [[path, [covered
 * line...]]...] }]. `exact: false` (and no files): the test touched a path
 * whose totals need Istanbul's merge; compute that test from its export. */
function testSummaries(outDir) {
  if (!hasStore(outDir)) return []
  return byPath.testSummaries(storePath(outDir))
}

/** Tests whose every hit counter another test hit too: [{ test, counters }].
 * Ids in `ignore` (default: the startup bucket) neither count nor cover. */
function redundantTests(outDir, { ignore = [native.STARTUP_ID] } = {}) {
  if (!hasStore(outDir)) return []
  return byPath.redundant(storePath(outDir), ignore)
}

/** Close this process's connection to the store of `outDir` (its WAL is
 * checkpointed into cov-als.db when no other process holds it open). */
function closeStore(outDir) {
  byPath.close(storePath(outDir))
}

/** Delete the store of `outDir` (its WAL files too), closing this process's connection. */
function removeStore(outDir) {
  const db = storePath(outDir)
  closeStore(outDir)
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(db + suffix, { force: true })
}

module.exports = {
  byPath,
  toCoverageMap,
  storedPaths,
  whichTests,
  lineTests,
  testSummaries,
  redundantTests,
  closeStore,
  removeStore,
  STORE_FILE,
  PARTS,
  storePath,
  hasStore,
  writeTestCoverage,
  flushTestCoverage,
  readTestCoverage,
  exportCoverage,
  listTests,
  mergeStores,
}
