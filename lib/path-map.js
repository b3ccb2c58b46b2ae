'use strict'
// `pathMap`: rewrite build-time or runtime path prefixes to the reporting
// host's (`/app` -> the checkout), so that coverage collected in a container
// or a copied tree names the files reports can read.

const fs = require('node:fs')
const path = require('node:path')
const libCoverage = require('istanbul-lib-coverage')

/**
 * Parse a pathMap: an object `{ "/app": "/home/ci/repo" }`, an array of
 * `[from, to]` pairs, or the environment form `"/app=/home/ci/repo,/b=/c"`.
 * Returns `[[from, to]]` with `to` resolved against `cwd`, longest `from` first.
 */
function parsePathMap(value, cwd = process.cwd()) {
  let pairs
  if (Array.isArray(value)) pairs = value.flatMap((v) => (typeof v === 'string' ? splitPairs(v) : [v]))
  else if (value && typeof value === 'object') pairs = Object.entries(value)
  else pairs = splitPairs(String(value))
  return pairs
    .map((pair) => {
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string' || !pair[1]) {
        throw new Error(`expected [from, to] path pairs, got ${JSON.stringify(pair)}`)
      }
      if (!path.isAbsolute(pair[0])) throw new Error(`a pathMap prefix must be absolute, got ${JSON.stringify(pair[0])}`)
      return [trimSlash(path.normalize(pair[0])), trimSlash(path.resolve(cwd, pair[1]))]
    })
    .sort((a, b) => b[0].length - a[0].length)
}

// "/app=/repo,/b=/c" -> [['/app', '/repo'], ['/b', '/c']]
function splitPairs(text) {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const eq = entry.indexOf('=')
      if (eq <= 0) throw new Error(`expected from=to pairs separated by commas, got ${JSON.stringify(entry)}`)
      return [entry.slice(0, eq), entry.slice(eq + 1)]
    })
}

function trimSlash(p) {
  return p.length > 1 ? p.replace(/\/+$/, '') : p
}

/** `(p) => p` with its longest matching prefix (whole path segments) replaced. */
function createPathMapper(entries) {
  if (!entries || entries.length === 0) return (p) => p
  return (p) => {
    if (typeof p !== 'string') return p
    for (const [from, to] of entries) {
      if (p === from) return to
      if (p.startsWith(from === '/' ? '/' : from + '/')) return to + p.slice(from === '/' ? 0 : from.length)
    }
    return p
  }
}

/**
 * Remap an Istanbul coverage map (or its JSON data): file keys, `path`
 * fields and the sources of embedded input source maps. Two files mapped
 * onto one path are merged. Mapped paths that do not exist are kept, with
 * one warning. Returns a new CoverageMap.
 */
function remapCoverageMap(coverage, mapPath, { warn = () => {} } = {}) {
  const data = typeof coverage.toJSON === 'function' ? coverage.toJSON() : coverage
  const out = libCoverage.createCoverageMap({})
  const missing = []
  for (const [key, fc] of Object.entries(data)) {
    const file = { ...(fc.data || fc) }
    const from = file.path || key
    file.path = mapPath(from)
    if (file.path !== from && !fs.existsSync(file.path)) missing.push(file.path)
    if (file.inputSourceMap && Array.isArray(file.inputSourceMap.sources)) {
      file.inputSourceMap = { ...file.inputSourceMap, sources: file.inputSourceMap.sources.map(mapPath) }
    }
    out.addFileCoverage(file)
  }
  // One warning per mapper, however many maps (tests) it remaps.
  if (missing.length && !warnedMappers.has(mapPath)) {
    warnedMappers.add(mapPath)
    warn(missingWarning(missing))
  }
  return out
}

const warnedMappers = new WeakSet()

function missingWarning(paths) {
  const more = paths.length > 1 ? ` (and ${paths.length - 1} more)` : ''
  return `pathMap maps onto files that do not exist: ${paths[0]}${more}; their entries are kept under the mapped paths`
}

module.exports = { parsePathMap, createPathMapper, remapCoverageMap, missingWarning }
