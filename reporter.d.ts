import type { Reporter } from '@playwright/test/reporter'

/**
 * Playwright reporter: `reporter: [['list'], ['cov-als-native/reporter', options]]`.
 * At the end of the run it flushes pending tests, writes the merged report
 * (and per-test ones with `perTest`) and prints the per-test summary table.
 */
declare class CovAlsReporter implements Reporter {
  constructor(options?: CovAlsReporter.Options)
  printsToStdio(): boolean
}

declare namespace CovAlsReporter {
  /** Its options; an unknown key is an error naming these. */
  interface Options {
    /** The per-test coverage directory (the server's COV_ALS_OUT_DIR); default where the fixture wrote. */
    outDir?: string
    /** Report directory; default coverage-report next to outDir. */
    out?: string
    /** Istanbul reporters of the merged report. */
    reporters?: string[]
    /** Also write one report per test; default false. */
    perTest?: boolean
    /** Reporters of the per-test reports (turns perTest on); default html, lcovonly, json-summary. */
    perTestReporters?: string[]
    /** Flush pending tests at the end; default true. */
    flush?: boolean
  }
}

export = CovAlsReporter
