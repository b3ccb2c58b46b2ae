'use strict'
// Summaries of coverage maps: istanbul's totals per metric, and the covered
// lines (for the "unique" column).

const libCoverage = require('istanbul-lib-coverage')

const METRICS = ['statements', 'branches', 'functions', 'lines']
const MERGED_LABEL = 'all tests (merged)'

function metric(m) {
  return { total: m.total, covered: m.covered, skipped: m.skipped, pct: typeof m.pct === 'number' ? m.pct : null }
}

/**
 * Totals of a coverage map, as istanbul computes them (pct floored to two
 * decimals, 100 when there is nothing to cover in a file, null when the map
 * has no files at all). `zeros` (zeroFiles()): files the map lacks that count
 * as uncovered (a test's untouched server files), as if the map held them
 * with zero counts.
 */
function summarize(map, zeros = null) {
  const s = map.getCoverageSummary()
  const row = { files: map.files().length, filesTouched: 0 }
  for (const file of map.files()) {
    const fc = map.fileCoverageFor(file)
    const touched = (hits) => Object.values(hits).some((v) => (Array.isArray(v) ? v.some((n) => n > 0) : v > 0))
    if (touched(fc.s) || touched(fc.f) || touched(fc.b)) row.filesTouched++
  }
  return finish(row, s, map.files(), zeros)
}

const totalsOf = (total, covered) => ({ total, covered, skipped: 0 })

/**
 * summarize() from per-file totals computed by the store (lib/store.js
 * testSummaries: [path, [statements total, covered, branches total, covered,
 * functions total, covered, lines total, covered, touched]]), without the
 * coverage map: the same sums, through istanbul's CoverageSummary.
 */
function summarizeTotals(files, zeros = null) {
  const s = libCoverage.createCoverageSummary()
  const row = { files: files.length, filesTouched: 0 }
  for (const [, t] of files) {
    s.merge({ statements: totalsOf(t[0], t[1]), branches: totalsOf(t[2], t[3]), functions: totalsOf(t[4], t[5]), lines: totalsOf(t[6], t[7]) })
    if (t[8]) row.filesTouched++
  }
  return finish(
    row,
    s,
    files.map(([file]) => file),
    zeros,
  )
}

// The zero files' totals less those of the files the map has: what merging
// each missing file's summary gives, in O(files of the map).
function finish(row, s, files, zeros) {
  if (zeros) {
    const rest = copyOf(zeros.total)
    let missing = zeros.summaries.size
    for (const file of files) {
      const summary = zeros.summaries.get(file)
      if (!summary) continue
      missing--
      for (const key of SUMMARY_KEYS) {
        if (!summary.data[key]) continue
        rest[key].total -= summary.data[key].total
        rest[key].covered -= summary.data[key].covered
        rest[key].skipped -= summary.data[key].skipped
      }
    }
    if (missing > 0) s.merge(rest)
    row.files += missing
  }
  for (const key of METRICS) row[key] = metric(s[key])
  return row
}

const SUMMARY_KEYS = [...METRICS, 'branchesTrue']
const copyOf = (o) => JSON.parse(JSON.stringify(o))

/** Files with zero counts (a CoverageMap), their summaries and the sum of
 * those, for summarize(). */
function zeroFiles(map) {
  const summaries = new Map(map.files().map((f) => [f, map.fileCoverageFor(f).toSummary()]))
  const total = Object.fromEntries(SUMMARY_KEYS.map((k) => [k, { total: 0, covered: 0, skipped: 0 }]))
  for (const summary of summaries.values()) {
    for (const key of SUMMARY_KEYS) {
      if (!summary.data[key]) continue
      total[key].total += summary.data[key].total
      total[key].covered += summary.data[key].covered
      total[key].skipped += summary.data[key].skipped
    }
  }
  return { map, summaries, total }
}

// [file, lines] of every file with a covered line: the lines with a count,
// Istanbul's line coverage.
function coveredLines(map) {
  const out = []
  for (const file of map.files()) {
    const lines = []
    for (const [line, n] of Object.entries(map.fileCoverageFor(file).getLineCoverage())) if (n > 0) lines.push(Number(line))
    if (lines.length) out.push([file, lines])
  }
  return out
}

/** The "unique" column: per row (coveredLines of each), the lines no other row covers. */
function uniqueLines(coveredByRow) {
  const rowsOf = new Map() // file -> line -> number of rows covering it
  for (const covered of coveredByRow) {
    for (const [file, lines] of covered) {
      if (!rowsOf.has(file)) rowsOf.set(file, new Map())
      const at = rowsOf.get(file)
      for (const line of lines) at.set(line, (at.get(line) || 0) + 1)
    }
  }
  return coveredByRow.map((covered) => {
    let n = 0
    for (const [file, lines] of covered) {
      const at = rowsOf.get(file)
      for (const line of lines) if (at.get(line) === 1) n++
    }
    return n
  })
}

module.exports = { METRICS, MERGED_LABEL, metric, summarize, summarizeTotals, zeroFiles, coveredLines, uniqueLines }
