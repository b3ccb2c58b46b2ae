import type { CoverageMap } from '../index'

/** The halves a test's coverage is recorded in. */
export type Part = 'server' | 'browser'

/** Counts of one half of a test on a range of lines (whichTests). */
export interface HalfHits {
  statements: number
  branches: number
  functions: number
  /** Lines of the range whose statements ran, ascending. */
  lines: number[]
  /** Sum of the counts of those statements. */
  hits: number
}

/** The run store's file name, under outDir. */
export declare const STORE_FILE: 'cov-als.db'
export declare const PARTS: Part[]
/** The store file of outDir. */
export declare function storePath(outDir: string): string
export declare function hasStore(outDir: string): boolean
/** Record a test's Istanbul coverage map (object or JSON text) as one half of it; returns the store file. */
export declare function writeTestCoverage(outDir: string, testId: string, coverage: CoverageMap | string, part?: Part): string
/** Flush a test's live counters (of the runtime `cov`) into the store. */
export declare function flushTestCoverage(
  cov: typeof import('../index'),
  outDir: string,
  testId: string,
  options?: { touchedOnly?: boolean },
): { coverage: string; file: string | null; error: string | null }
/** The store's file coverages merged into one map. */
export declare function toCoverageMap(fileCoverages: Array<CoverageMap[string]>): CoverageMap
/** Coverage of some tests (all when testIds is null), one half or both; null when a named test is unknown. */
export declare function exportCoverage(outDir: string, testIds: string[] | null, options?: { part?: Part | null; allFiles?: boolean }): CoverageMap | null
/** A test's recorded coverage (both halves, or one), or null. */
export declare function readTestCoverage(outDir: string, testId: string, options?: { part?: Part }): CoverageMap | null
/** Test ids recorded under outDir, sorted. */
export declare function listTests(outDir: string): string[]
/** Add the store of fromDir into the store of intoDir (CI shards). */
export declare function mergeStores(intoDir: string, fromDir: string): void
/** Paths of the files the store knows, sorted. */
export declare function storedPaths(outDir: string): string[]
/** The tests that hit `file` on lines from..to; null when the store does not know the file. */
export declare function whichTests(
  outDir: string,
  file: string,
  from?: number,
  to?: number,
  options?: { spans?: boolean },
): Array<{ test: string; server?: HalfHits; browser?: HalfHits }> | null
/** Every line of `file` some test hit, with those tests (`lines` as JSON text with `raw`); null when unknown. */
export declare function lineTests(
  outDir: string,
  file: string,
  options?: { raw?: boolean },
): { tests: string[]; lines: Array<[number, Array<[number, number, number, number, number, number]>]> | string } | null
/** Tests whose every hit counter another test hit too. */
export declare function redundantTests(outDir: string, options?: { ignore?: string[] }): Array<{ test: string; counters: number }>
/** Close this process's connection to the store of outDir. */
export declare function closeStore(outDir: string): void
/** Delete the store of outDir. */
export declare function removeStore(outDir: string): void
