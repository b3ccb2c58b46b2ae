'use strict'
// Nothing lost at shutdown: on normal exit, SIGINT and SIGTERM this process's
// unflushed counts of every test (the startup bucket too) go into the run
// store in outDir, the live arena (if any) is closed and its files removed,
// then the signal's own behaviour goes on.

const { flushTestCoverage } = require('../store')

// In a live run (arenas), what this process still holds goes into the store
// with its arena's closing: its own tables only. Not a flush of every test
// `cov.tests()` lists: there that is every process of the run, and an exiting
// process (a cluster worker, the short-lived workers `next dev` starts for
// dynamic routes) would take the counts a live server is still counting for
// its tests, which that server's flush then answers without (issue 22).
// Without arenas, every test with counts in this process is flushed.
function writePending(cov, outDir) {
  if (cov.live.active) return closeLive(cov)
  const written = []
  for (const testId of cov.tests()) {
    let result
    try {
      result = flushTestCoverage(cov, outDir, testId, { touchedOnly: true })
    } catch (err) {
      result = { error: err.message }
    }
    if (result.error) process.emitWarning(`cov-als-native: could not write pending coverage to ${outDir}: ${result.error}`, 'CovAlsWarning')
    else written.push(testId)
  }
  return written
}

// Report this process's unflushed counts, record its arena closed, remove its files.
function closeLive(cov) {
  try {
    const closed = cov.live.close()
    if (closed && closed.problems.length) process.emitWarning(`cov-als-native: on exit: ${closed.problems.join('; ')}`, 'CovAlsWarning')
    return closed
  } catch (err) {
    process.emitWarning(
      `cov-als-native: could not write pending coverage nor close the live arena (recover it with cov-als recover): ${err.message}`,
      'CovAlsWarning',
    )
    return null
  }
}

function install(cov, config) {
  process.on('exit', () => writePending(cov, config.outDir))
  for (const signal of ['SIGINT', 'SIGTERM']) {
    const onSignal = () => {
      writePending(cov, config.outDir)
      // Only we listened: re-raise so the process dies as it would have.
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, onSignal)
        process.kill(process.pid, signal)
      }
    }
    process.on(signal, onSignal)
  }
}

module.exports = { install, writePending }
