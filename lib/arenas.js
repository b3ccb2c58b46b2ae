'use strict'
// Crash-safe counters (docs/crash-safety.md): the preload puts this process's
// counter tables into a memory-mapped arena under <outDir>/live/, and what a
// killed process left there is recovered into the run store, exactly once,
// by `cov-als recover`, `cov-als report` and the Playwright reporter.

const fs = require('node:fs')
const path = require('node:path')
const native = require('./native')

// Where the addon puts the arenas under outDir (cov_core::live::LIVE_DIR).
const { LIVE_DIR } = native

/** Count into an arena under config.outDir; on failure (read-only or full
 * disk) one warning, and tables stay in memory as without arenas. */
function open(cov, config) {
  let opened
  try {
    fs.mkdirSync(config.outDir, { recursive: true })
    opened = cov.live.open(config.outDir)
  } catch (err) {
    opened = { dir: null, error: `cannot create ${config.outDir}: ${err.message}` }
  }
  if (opened.error) {
    process.emitWarning(`cov-als-native: counters are not crash-safe: ${opened.error}; coverage still flushes over HTTP`, 'CovAlsWarning')
  }
  return opened
}

/** Whether outDir holds arenas (of live or dead processes). */
function hasArenas(outDir) {
  try {
    return fs.readdirSync(path.join(outDir, LIVE_DIR)).length > 0
  } catch {
    return false
  }
}

/** Recover the arenas of dead processes under outDir (all with `force`):
 * [{ arena, tests, counts, tables, problems, skipped }]. */
function recover(outDir, { force = false } = {}) {
  if (!hasArenas(outDir)) return []
  return native.liveRecover(path.resolve(outDir), force)
}

/** One line on what `recover` did, or null when there was nothing to do. */
function describe(outDir, results) {
  const done = results.filter((r) => !r.skipped)
  const skipped = results.filter((r) => r.skipped)
  if (results.length === 0) return null
  const parts = []
  if (done.length) {
    const tests = done.reduce((n, r) => n + r.tests, 0)
    const counts = done.reduce((n, r) => n + r.counts, 0)
    parts.push(`recovered ${counts} count(s) of ${tests} test(s) from ${done.length} dead process(es) in ${path.join(outDir, LIVE_DIR)}`)
  }
  for (const r of skipped) parts.push(`left ${r.arena}: ${r.skipped}`)
  for (const r of done) for (const p of r.problems) parts.push(`not recoverable: ${p}`)
  return parts.join('; ')
}

/** Recover before reporting; say how much through `log` (problems through `warn`). */
function recoverBeforeReport(outDir, { log = console.log, warn = console.warn } = {}) {
  let results
  try {
    results = recover(outDir)
  } catch (err) {
    warn(`could not recover the live arenas of ${outDir}: ${err.message}`)
    return []
  }
  const line = describe(
    outDir,
    results.filter((r) => !r.skipped || !/still runs/.test(r.skipped)),
  )
  if (line) (results.some((r) => r.problems.length || (r.skipped && !/still runs/.test(r.skipped))) ? warn : log)(line)
  return results
}

module.exports = { open, recover, describe, recoverBeforeReport, hasArenas, LIVE_DIR }
