'use strict'
// Reading the inputs of a report: the run stores and per-test coverage files
// of some directories, grouped by test id, and the coverage of one test.
//
// A directory holds a run store (cov-als.db) and/or `*.json` files (top level
// only, dot files ignored). Each file is either the wrapper the server writes,
//   { "testId": "<test id>", "coverage": { "<abs path>": <FileCoverage data> } }
// or a plain Istanbul coverage map, whose test id is then the file name
// without `.json`. Files with the same test id (several server processes, CI
// shards, repeated flushes) are merged with istanbul-lib-coverage, so their
// counts add up.

const fs = require('node:fs')
const path = require('node:path')
const libCoverage = require('istanbul-lib-coverage')
const store = require('../store.js')
const { STARTUP_ID } = require('../native.js')
const { ReportError } = require('./errors.js')

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
 * @throws {ReportError} naming the file when it cannot be read or is not coverage
 */
function readCoverageFile(file) {
  let text
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (err) {
    throw new ReportError(`cannot read ${file}: ${err.message}`)
  }
  let json
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new ReportError(`invalid JSON in ${file}: ${err.message}`)
  }
  if (!isObject(json)) throw new ReportError(`${file}: expected a JSON object (a coverage map or { testId, coverage })`)

  let testId = path.basename(file).replace(/\.json$/i, '')
  let coverage = json
  if (isObject(json.coverage) && !looksLikeFileCoverage(json.coverage)) {
    // The wrapper the server writes.
    if (hasOwn(json, 'testId')) {
      if (typeof json.testId !== 'string' || json.testId === '') {
        throw new ReportError(`${file}: "testId" must be a non-empty string`)
      }
      testId = json.testId
    }
    coverage = json.coverage
  } else if (hasOwn(json, 'testId') && typeof json.testId === 'string') {
    throw new ReportError(`${file}: has a "testId" but no "coverage" object`)
  }
  for (const [key, fc] of Object.entries(coverage)) {
    const problem = fileCoverageProblem(key, fc)
    if (problem) throw new ReportError(`${file}: not Istanbul coverage: ${problem}`)
  }
  // The half of the test the file holds (the fixture writes 'browser').
  const part = json.part === 'browser' ? 'browser' : 'server'
  return { testId, part, coverage }
}

function checkInputDirs(dirs) {
  if (dirs.length === 0) throw new ReportError('no input directory given', { badOption: true })
  const seen = new Set()
  const out = []
  for (const dir of dirs) {
    const abs = path.resolve(dir)
    let stat
    try {
      stat = fs.statSync(abs)
    } catch (err) {
      if (err.code === 'ENOENT') throw new ReportError(`input directory not found: ${dir}`)
      throw new ReportError(`cannot access input directory ${dir}: ${err.message}`)
    }
    if (!stat.isDirectory()) throw new ReportError(`not a directory: ${dir}`)
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
    throw new ReportError(`cannot list ${dir}: ${err.message}`)
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
        throw new ReportError(err.message)
      }
      for (const testId of ids) add(testId, { store: dir })
    }
    for (const file of jsonFilesIn(dir)) {
      let testId
      try {
        testId = readCoverageFile(file).testId
      } catch (err) {
        if (skipInvalid && err instanceof ReportError) {
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
    throw new ReportError(`no run store (${store.STORE_FILE}) and no ${skipped.length ? 'valid ' : ''}coverage files (*.json) found in ${where}`)
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
        throw new ReportError(err.message)
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

const exported = (dir, testIds, opts) => {
  try {
    return store.exportCoverage(dir, testIds, opts)
  } catch (err) {
    throw new ReportError(err.message)
  }
}

/**
 * What one test touched, by half, read from run stores only: the files of
 * its own hits rows (no zero-filled files), so the cost is what it touched.
 * With zeroServerFiles() of the same stores, it gives what loadTestHalves
 * gives (see withZeros).
 * @param {{ store: string }[]} sources
 * @returns {{ server: CoverageMap, browser: CoverageMap }}
 */
function loadTouchedHalves(sources, testId) {
  const halves = { server: libCoverage.createCoverageMap({}), browser: libCoverage.createCoverageMap({}) }
  for (const source of sources) {
    for (const part of store.PARTS) {
      const coverage = exported(source.store, [testId], { part, allFiles: false })
      if (coverage) halves[part].merge(coverage)
    }
  }
  return halves
}

/** Every server file of some run stores with zero counts (what a test that
 * touched none of them has of them). */
function zeroServerFiles(dirs) {
  const map = libCoverage.createCoverageMap({})
  for (const dir of dirs) map.merge(exported(dir, [], { part: 'server' }) || {})
  return map
}

/** The coverage of everything recorded in some run stores, both halves and by half. */
function loadStoresCoverage(dirs) {
  const out = { total: libCoverage.createCoverageMap({}), server: libCoverage.createCoverageMap({}), browser: libCoverage.createCoverageMap({}) }
  for (const dir of dirs) {
    for (const part of store.PARTS) {
      const coverage = exported(dir, null, { part })
      if (!coverage) continue
      out.total.merge(copyOf(coverage))
      out[part].merge(coverage)
    }
  }
  return out
}

const sizes = (fc) => [fc.statementMap, fc.fnMap, fc.branchMap].map((m) => Object.keys(m).length).join()

/** `map` (adopted: its file coverages become the answer's) with, for each of
 * its files, that file's zero-count entries of `zeros` merged in: the units
 * of a path the test did not touch (a path's later chunks). A file holding as
 * many entries as its zero form already holds them all (a subset by location
 * of the same size), so only the others are merged. */
function withZeros(map, zeros) {
  for (const file of map.files()) {
    const zero = zeros.data[file]
    if (!zero || sizes(zero) === sizes(map.data[file])) continue
    const merged = libCoverage.createFileCoverage(copyOf(zero.toJSON()))
    merged.merge(map.data[file])
    map.data[file] = merged
  }
  return map
}

function loadTestCoverage(sources, testId) {
  return loadTestHalves(sources, testId).total
}

module.exports = {
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
}
