/** Istanbul file coverage, as in coverage-final.json. */
export interface FileCoverageData {
  path: string
  statementMap: Record<string, Range>
  fnMap: Record<string, { name: string; decl: Range; loc: Range; line: number }>
  branchMap: Record<string, { loc: Range; type: string; locations: Array<Range | { start: {}; end: {} }>; line: number }>
  s: Record<string, number>
  f: Record<string, number>
  b: Record<string, number[]>
  /** Truthy counts of logical-expression operands (with `reportLogic`). */
  bT?: Record<string, number[]>
  /** Carried when `composeSourceMap: false` was given with an input map. */
  inputSourceMap?: object
  _coverageSchema: string
  hash: string
}

export interface Range {
  start: { line: number; column: number }
  end: { line: number; column: number }
}

/** An Istanbul coverage map: one entry per (original) file path. */
export type CoverageMap = Record<string, FileCoverageData>

export interface InstrumentOptions {
  /** How to parse: decided from the content by default ("unambiguous"). "commonjs" allows a top-level `return`. */
  sourceType?: 'unambiguous' | 'module' | 'script' | 'commonjs'
  /** Shorthand for sourceType "module" (true) or "script" (false), as in istanbul-lib-instrument. */
  esModules?: boolean
  /** Also count truthy evaluations of logical-expression operands (`bT`). */
  reportLogic?: boolean
  /** Class method names to leave uncounted. */
  ignoreClassMethods?: string[]
  /** Source map from the original sources to `code` (object or JSON text). */
  inputSourceMap?: object | string
  /**
   * true (default): fold the input map into the coverage, so reports name the
   * original files and positions. false: keep generated positions and carry
   * the map on the file coverage, as istanbul-lib-instrument does.
   */
  composeSourceMap?: boolean
  /** Return a source map from the instrumented output back to `code`. */
  sourceMap?: boolean
  /**
   * Emit the browser form: counters in Istanbul's global `__coverage__[filename]`
   * (`s`/`f`/`b`), as babel-plugin-istanbul does, instead of this process's
   * per-test tables; nothing is registered (`fileId` is null). An input map is
   * carried as `inputSourceMap`, never composed.
   */
  browser?: boolean
  /**
   * The `fileId` of an earlier version of the same module (a dev server's hot
   * update): each report that version fed is merged with the new one when their
   * maps agree, and otherwise replaced by it (its old counts drop out).
   */
  supersedes?: number
  /**
   * Check that the output keeps every token of `code`, unchanged and in order
   * (inserted code only adds tokens); a change throws an `InstrumentError`
   * with code `COV_ALS_TOKEN_CHANGED`. Costs two more parses. Default false.
   */
  checkTokens?: boolean
}

export interface InstrumentResult {
  code: string
  /** Source map of the output (with `sourceMap: true`). */
  map?: object
  /** Registry id of the file; null when an `istanbul ignore file` hint left it alone. */
  fileId: number | null
}

/**
 * Thrown by `instrument`: `COV_ALS_PARSE_ERROR` for input that does not parse,
 * `COV_ALS_SOURCE_MAP_ERROR` for an unusable `inputSourceMap`,
 * `COV_ALS_TOKEN_CHANGED` when `checkTokens` finds the output would change a token.
 */
export declare class InstrumentError extends SyntaxError {
  readonly code: 'COV_ALS_PARSE_ERROR' | 'COV_ALS_SOURCE_MAP_ERROR' | 'COV_ALS_TOKEN_CHANGED'
  readonly file: string
  /** 1-based line and 0-based column of the first syntax error or changed token. */
  readonly line: number
  readonly column: number
  readonly reason: string
}

/** Id of the bucket that counts code run outside any test context. */
export declare const STARTUP_ID: 'startup'

/** How every instrumented file's header starts: marks code instrumented by us. */
export declare const HEADER_MARKER: string

/** Instrument JavaScript and register it; the output counts into the current test's tables. */
export declare function instrument(code: string, filename: string, options?: InstrumentOptions): InstrumentResult

/** Run `fn` (and everything it starts, across awaits) inside the test context `testId`. */
export declare function run<A extends unknown[], R>(testId: string, fn: (...args: A) => R, ...args: A): R

/** This test's coverage of every instrumented file; the counts are then marked flushed. Never throws for an unknown id. */
export declare function flush(testId: string): CoverageMap
/** `flush` as JSON text, serialized by the native side. */
export declare function flushJson(testId: string): string
/** Like `flush`, without marking anything flushed. */
export declare function peek(testId: string): CoverageMap
export declare function peekJson(testId: string): string
/** Drop this test's unflushed counts. */
export declare function reset(testId: string): void
/** Ids of tests with unflushed counts (the startup bucket included). */
export declare function tests(): string[]

/** What recovering (or closing) one live arena did (docs/crash-safety.md). */
export interface LiveRecovered {
  arena: string
  /** Tests that got counts, and how many counts. */
  tests: number
  counts: number
  tables: number
  /** Torn or unreadable parts of the arena, named. */
  problems: string[]
  /** Why the arena was left alone (its process still runs, already recovered, another version). */
  skipped?: string | null
}

/** Crash-safe counter tables in memory-mapped files under `<outDir>/live/` (the preload opens them). */
export declare const live: {
  /** Put new tables into an arena under outDir; call before instrumenting any file. */
  open(outDir: string): { dir?: string | null; error?: string | null }
  /** Report what this process's arena still holds, record it closed, delete its files. */
  close(): LiveRecovered | null
  /** Recover the arenas of dead processes under outDir (all with `force`) into its run store. */
  recover(outDir: string, force?: boolean): LiveRecovered[]
  readonly active: boolean
}
/**
 * The run store's native face, by database path (cov-als-native/store wraps
 * it by outDir and is the API to use; docs/run-store.md).
 */
export declare const store: {
  /** Flush a test into the store at `db`: the coverage as JSON text, or why the store was not written. */
  flush(db: string, testId: string, touchedOnly?: boolean): { coverage: string; error?: string | null; warning?: string | null }
  /** Record an Istanbul map (JSON text) as one half of a test. */
  record(db: string, testId: string, part: 'server' | 'browser', json: string): void
  /** JSON text of the file coverages of some tests (all when null); null when a named test is unknown. */
  export(db: string, testIds: string[] | null, part?: 'server' | 'browser' | null, allUnits?: boolean): string | null
  tests(db: string): string[]
  merge(into: string, from: string): void
  close(db: string): void
  which(db: string, file: string, from: number, to: number, spans?: boolean): Array<{ test: string; server?: object; browser?: object }> | null
  lineTests(db: string, file: string): { tests: string[]; lines: string } | null
  paths(db: string): string[]
  redundant(db: string, ignore: string[]): Array<{ test: string; counters: number }>
}
/** The test id of the current async context, if any. */
export declare function currentTestId(): string | undefined
/** Run `fn` outside any test: its counts go to the startup bucket. */
export declare function runUnattributed<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): R
/**
 * Where module initialisation (a file's synchronous top-level code and what it
 * calls) counts: 'startup' (the same whichever test loads the module first)
 * or 'test' (the test in whose context it runs). The preload sets it from the
 * `moduleInit` option (default 'startup'); the runtime alone starts with 'test'.
 */
export declare function setModuleInit(where: 'startup' | 'test'): void
/** Run `evaluate` (a loader evaluating one module): module initialisations it leaves open (a throw, a top-level `return`) end with it. */
export declare function initialising<R>(evaluate: () => R): R
/** `fn` bound to the current test context (work queued outside the request's async chain, e.g. by a pool). */
export declare function bind<F extends (...args: any[]) => any>(fn: F): F
/** Expose the runtime to a `vm` context so instrumented code can run in it. */
export declare function exposeTo<T extends object>(context: T): T
