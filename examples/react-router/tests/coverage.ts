// Reading a test's own report (covPeek()) in the specs: files are keyed by
// their ORIGINAL absolute paths (app/**/*.tsx), never by bundles.
import fs from 'node:fs'
import path from 'node:path'

export const APP = path.resolve(__dirname, '..')

type Range = { start: { line: number; column: number }; end: { line: number; column: number } }
export type FileCoverage = {
  path: string
  statementMap: Record<string, Range>
  fnMap: Record<string, { name: string; loc: Range; decl: Range }>
  branchMap: Record<string, { type: string; loc: Range; locations: Range[] }>
  s: Record<string, number>
  f: Record<string, number>
  b: Record<string, number[]>
}
export type CoverageMap = Record<string, FileCoverage>

/** The report's entry for `rel` (e.g. 'app/routes/home.tsx'); throws when absent. */
export function file(coverage: CoverageMap, rel: string): FileCoverage {
  const key = path.join(APP, rel)
  const fc = coverage[key]
  if (!fc) {
    const app = Object.keys(coverage).filter((k) => k.startsWith(APP + path.sep) && !k.includes(`${path.sep}build`))
    throw new Error(`no coverage for ${key}; the report has ${app.join(', ')}`)
  }
  return fc
}

/**
 * Calls of the function(s) named `name` in the file. In the production server
 * bundle Rolldown renames clashing top-level names (`loader` -> `loader$2`),
 * and the preload names functions as the bundle does.
 */
export function calls(fc: FileCoverage, name: string): number {
  const ids = Object.keys(fc.fnMap).filter((k) => fc.fnMap[k].name === name || fc.fnMap[k].name.replace(/\$\d+$/, '') === name)
  if (ids.length === 0)
    throw new Error(
      `no function ${name} in ${fc.path}; have ${Object.values(fc.fnMap)
        .map((f) => f.name)
        .join(', ')}`,
    )
  return ids.reduce((sum, k) => sum + fc.f[k], 0)
}

const sources = new Map<string, string[]>()

/**
 * The line after the `// cov:<marker>` comment in the source file. (Markers
 * sit on a line of their own: see README "Trailing comments".)
 */
export function markerLine(rel: string, marker: string): number {
  if (!sources.has(rel)) sources.set(rel, fs.readFileSync(path.join(APP, rel), 'utf8').split('\n'))
  const lines = sources.get(rel)!
  const i = lines.findIndex((l) => l.trim() === `// cov:${marker}`)
  if (i < 0) throw new Error(`no marker cov:${marker} in ${rel}`)
  return i + 2
}

/** Istanbul's line count: the highest count of the statements starting on the line (null: no statement there). */
export function lineHits(fc: FileCoverage, line: number): number | null {
  let hits: number | null = null
  for (const [k, loc] of Object.entries(fc.statementMap)) {
    if (loc.start.line === line) hits = Math.max(hits ?? 0, fc.s[k])
  }
  return hits
}

/** Count of the statement(s) on the line of `// cov:<marker>` in `rel`. */
export function markerHits(coverage: CoverageMap, rel: string, marker: string): number {
  const line = markerLine(rel, marker)
  const hits = lineHits(file(coverage, rel), line)
  if (hits === null) throw new Error(`no statement on ${rel}:${line} (cov:${marker})`)
  return hits
}

/**
 * Counts of the two paths ([then, else]) of the `if` on the line after
 * `// cov:<marker>`: which branch the test took.
 */
export function ifBranch(coverage: CoverageMap, rel: string, marker: string): [number, number] {
  const line = markerLine(rel, marker)
  const fc = file(coverage, rel)
  const id = Object.keys(fc.branchMap).find((k) => fc.branchMap[k].type === 'if' && fc.branchMap[k].loc.start.line === line)
  if (id === undefined) throw new Error(`no if branch on ${rel}:${line} (cov:${marker})`)
  const [then, otherwise] = fc.b[id]
  return [then, otherwise]
}

/** The page's own window.__coverage__ (client modules instrumented by cov-als-native/vite). */
export async function browserCoverage(page: { evaluate: <T>(fn: () => T) => Promise<T> }): Promise<CoverageMap> {
  return page.evaluate(() => JSON.parse(JSON.stringify((globalThis as { __coverage__?: unknown }).__coverage__ || {})))
}

/** Wait until React has hydrated the page (root.tsx marks <body>). */
export async function hydrated(page: { waitForSelector: (s: string, o?: object) => Promise<unknown> }): Promise<void> {
  await page.waitForSelector('body[data-hydrated="yes"]', { state: 'attached' })
}
