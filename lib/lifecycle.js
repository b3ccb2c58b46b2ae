'use strict'
// Nothing lost at shutdown: on normal exit, SIGINT and SIGTERM every test
// with unflushed counts (the startup bucket too) is flushed into the run
// store in outDir, the live arena (if any) is closed and its files removed,
// then the signal's own behaviour goes on.

const { flushTestCoverage } = require('./store')

function writePending(cov, outDir) {
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
  closeLive(cov)
  return written
}

// After the write-on-exit: what the arena still holds goes into the store
// with the arena's closing, then its files go.
function closeLive(cov) {
  if (!cov.live.active) return
  try {
    cov.live.close()
  } catch (err) {
    process.emitWarning(`cov-als-native: could not close the live arena (recover it with cov-als recover): ${err.message}`, 'CovAlsWarning')
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
