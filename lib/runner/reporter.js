'use strict'
// The Playwright reporter of `cov-als-native/reporter`.
// At the end of `npx playwright test` it flushes what is still pending on the
// server (when the server still runs: with a webServer, the global teardown
// of cov-als-native/global-setup already did, before the server was killed),
// then writes per-test and merged Istanbul reports with `cov-als report` and
// prints the per-test summary table (server / browser / total lines).
//
// Options (an unknown key is a warning naming these):
//   outDir     the per-test coverage directory, the server's COV_ALS_OUT_DIR
//              (default: where the fixture wrote, from the tests'
//              annotations; else COV_ALS_OUT_DIR)
//   out        report directory (default: coverage-report next to outDir)
//   reporters  Istanbul reporters of the merged report (cov-als report's default)
//   perTest    also write one report per test (default false: the merged
//              report only; its line lists still name the tests)
//   perTestReporters  their reporters (default html, lcovonly, json-summary;
//              setting it turns perTest on)
//   flush      flush pending tests at the end (default true)

const fs = require('node:fs')
const path = require('node:path')
const { OUT_DIR_ANNOTATION } = require('./fixture')
const { flushPending } = require('./global-setup')
const { optionsOf } = require('./options')
const { NO_SOURCE_MAP_ANNOTATION, noSourceMapSummary } = require('./no-source-map')

const OPTIONS = ['outDir', 'out', 'reporters', 'perTest', 'perTestReporters', 'flush']

class CovAlsReporter {
  constructor(options = {}) {
    // (Playwright adds configDir and _-prefixed keys of its own.)
    const unknown = Object.keys(options).filter((k) => !OPTIONS.includes(k) && k !== 'configDir' && !k.startsWith('_'))
    // A warning, not an error: a key a later Playwright passes to every reporter must not stop the run.
    if (unknown.length) console.warn(`cov-als-native/reporter: unknown option ${unknown.join(', ')} ignored (the options are ${OPTIONS.join(', ')})`)
    this.options = options
    this.outDirs = new Set()
    this.config = null
    // Errors outside the tests (a global setup or webServer that failed): why no test wrote coverage.
    this.errors = []
    this.testsEnded = 0
    // Tests that did not run (skipped, or never started after a failed setup project).
    this.testsSkipped = 0
    // Browser scripts without a source map, from every test of every worker: one summary at the end.
    this.noSourceMap = []
  }

  printsToStdio() {
    return false
  }

  onBegin(config) {
    this.config = config
  }

  onError(error) {
    this.errors.push(String(error.message || error.value || 'unknown error').split('\n')[0])
  }

  onTestEnd(test, result) {
    this.testsEnded++
    if (result.status === 'skipped') this.testsSkipped++
    for (const a of [...(test.annotations || []), ...(result.annotations || [])]) {
      if (a.type === OUT_DIR_ANNOTATION && a.description) this.outDirs.add(a.description)
      if (a.type === NO_SOURCE_MAP_ANNOTATION && a.description) {
        try {
          this.noSourceMap.push(JSON.parse(a.description))
        } catch {
          // An annotation of another version's format: not ours to read.
        }
      }
    }
  }

  async onEnd() {
    for (const line of noSourceMapSummary(this.noSourceMap)) console.warn(line)
    const configDir = this.config && this.config.configFile ? path.dirname(this.config.configFile) : process.cwd()
    if (this.options.flush !== false && this.config) {
      // Quiet when the server is gone: the global teardown flushed before that.
      await flushPending(optionsOf(this.config), () => {})
    }
    let dirs = this.options.outDir ? [path.resolve(configDir, this.options.outDir)] : [...this.outDirs]
    if (dirs.length === 0 && process.env.COV_ALS_OUT_DIR) dirs.push(path.resolve(configDir, process.env.COV_ALS_OUT_DIR))
    const missing = dirs.filter((d) => !fs.existsSync(d))
    if (missing.length) console.warn(`cov-als-native/reporter: no coverage was written to ${missing.join(', ')}`)
    dirs = dirs.filter((d) => fs.existsSync(d))
    if (dirs.length === 0) {
      console.warn(`cov-als-native/reporter: no coverage was written: ${this.whyNoCoverage()}`)
      return
    }
    const { report } = require('../report/index.js')
    // What a killed server left (Playwright's webServer teardown is a SIGKILL).
    for (const dir of dirs) {
      require('../arenas').recoverBeforeReport(dir, {
        log: (m) => console.log(`cov-als-native: ${m}`),
        warn: (m) => console.warn(`cov-als-native/reporter: ${m}`),
      })
    }
    try {
      const result = report({
        dirs,
        out: this.options.out && path.resolve(configDir, this.options.out),
        ...(this.options.reporters ? { reporters: this.options.reporters } : {}),
        ...(this.options.perTestReporters ? { perTestReporters: this.options.perTestReporters } : {}),
        // Per-test pages are opt-in: at a hundred tests they weigh far more than the merged report.
        perTest: this.options.perTest ?? Boolean(this.options.perTestReporters),
        projectRoot: configDir,
        warn: (m) => console.warn(`cov-als-native/reporter: ${m}`),
      })
      const rel = (p) => path.relative(process.cwd(), p) || '.'
      console.log(`\ncov-als-native: per-test coverage (${dirs.map(rel).join(', ')})\n`)
      console.log(result.table)
      console.log(`cov-als-native: reports in ${rel(result.outDir)} (merged/index.html)`)
    } catch (err) {
      console.error(`cov-als-native/reporter: ${err.message}`)
    }
  }

  whyNoCoverage() {
    if (this.errors.some((e) => /config\.webServer/.test(e))) {
      return `the webServer did not start (${this.errors[0]}); its [WebServer] lines above show its stderr, where cov-als-native's preload says why it exited`
    }
    if (this.errors.length) return `the run failed outside the tests (${this.errors[0]})`
    if (this.testsEnded === this.testsSkipped) return this.testsSkipped ? `no test ran (${this.testsSkipped} skipped or not run)` : 'no test ran'
    const ran = this.testsEnded - this.testsSkipped
    // A failed setup project leaves its dependants unrun: its own specs may not use the fixture.
    const unrun = this.testsSkipped ? `; ${this.testsSkipped} did not run (skipped, or after a failed setup project they depend on)` : ''
    return (
      `none of the ${ran} test(s) that ran told where its coverage went${unrun}. ` +
      "Import test from 'cov-als-native/playwright' in the specs, or set this reporter's option outDir to the server's COV_ALS_OUT_DIR"
    )
  }
}

module.exports = CovAlsReporter
