'use strict'
// Summaries of coverage maps: istanbul's totals per metric, and the covered
// lines (for the "unique" column).

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
  if (zeros) {
    for (const [file, summary] of zeros.summaries) {
      if (map.data[file]) continue
      s.merge(summary)
      row.files++
    }
  }
  for (const key of METRICS) row[key] = metric(s[key])
  return row
}

/** Files with zero counts (a CoverageMap) and their summaries, for summarize(). */
function zeroFiles(map) {
  return { map, summaries: new Map(map.files().map((f) => [f, map.fileCoverageFor(f).toSummary()])) }
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

module.exports = { METRICS, MERGED_LABEL, metric, summarize, zeroFiles, coveredLines }
