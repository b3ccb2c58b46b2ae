'use strict'
// Nothing lost at shutdown: on normal exit, SIGINT and SIGTERM every test
// with unflushed counts (the startup bucket too) is written to outDir, then
// the signal's own behaviour goes on.

const { writeTestCoverage } = require('./store')

function writePending(cov, outDir) {
  const written = []
  for (const testId of cov.tests()) {
    try {
      written.push(writeTestCoverage(outDir, testId, cov.flushJson(testId)))
    } catch (err) {
      process.emitWarning(`cov-als-native: could not write pending coverage to ${outDir}: ${err.message}`, 'CovAlsWarning')
    }
  }
  return written
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
