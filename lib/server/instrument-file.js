'use strict'
// Decide which files to instrument and instrument them with their source
// maps. Fails open: any error loads the file as it was, with one warning.

const fs = require('node:fs')
const path = require('node:path')
const { matcher } = require('../glob')
const { relativeBelow, cachedIsFile } = require('../paths')
const { findSourceMap, normalizeSources } = require('../source-maps')
const { createPathMapper, missingWarning } = require('../path-map')

// How our own header starts (cov.HEADER_MARKER, defined in crates/cov_core/src/instrument/emit.rs).
// The header's function takes parameters in the server form, none in the browser's.
const instrumentedPattern = (marker) => new RegExp(marker.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&') + 'function __cov_[0-9a-z]+\\(')

// The package's root (this file is in lib/server/).
const PACKAGE_DIR = path.resolve(__dirname, '../..')

// Our own runtime must never count itself.
function isOwnFile(filename) {
  return path.dirname(filename) === PACKAGE_DIR || [path.join(PACKAGE_DIR, 'lib'), path.join(PACKAGE_DIR, 'bin')].some((d) => filename.startsWith(d + path.sep))
}

// include/exclude describe the files that appear in reports. A loaded file
// is instrumented when it matches them itself, or when its source map names
// original files that match (a bundle chunk under .next/server reports the
// app/*.tsx it was built from). Original sources are kept only when they are
// real files below the root and match: bundler-internal and virtual modules
// (`webpack:///?a1f4`, Turbopack proxies) and dependencies drop out.
// With a pathMap, files and sources are named by their mapped paths, and
// include/exclude apply to those (relative to the mapped root).
function createFileInstrumenter(cov, config, warn = (msg) => process.emitWarning(msg, 'CovAlsWarning')) {
  const reported = matcher(config.include, config.exclude)
  const INSTRUMENTED = instrumentedPattern(cov.HEADER_MARKER)
  const mapPath = createPathMapper(config.pathMap)
  const reportRoot = mapPath(config.root)
  const warned = new Set()
  const missingMapped = []
  // Files (as loaded) given instrumented code: lib/server/crash-note.js names them.
  const instrumented = new Set()
  // Files that failed to instrument (e.g. they do not parse) and load as written.
  const asWritten = new Set()

  function warnOnce(key, message) {
    if (warned.has(key)) return
    warned.add(key)
    warn(`cov-als-native: ${message}`)
  }

  // Path relative to `root` with `/` separators, or null outside it.
  function relative(filename, root = config.root) {
    return relativeBelow(root, filename)
  }

  // Whether a file (its mapped path) appears in reports.
  function isReportedPath(mapped) {
    const rel = relative(mapped, reportRoot)
    return rel !== null && reported(rel)
  }

  const exists = cachedIsFile()

  // A source as reports name it, or '' when it is not reported: it must be
  // a real file here or at its mapped path. A mapped path that exists
  // nowhere (reports made elsewhere) is kept when it looks like a file, not
  // a bundler's virtual module, with one warning for all such paths.
  function reportedSource(source) {
    if (!source || !path.isAbsolute(source)) return ''
    const mapped = mapPath(source)
    if (!isReportedPath(mapped)) return ''
    if (exists(mapped)) return mapped
    if (mapped === source) return ''
    if (!exists(source) && /[\s?#[\]()]/.test(path.basename(source))) return ''
    noteMissingMapped(mapped)
    return mapped
  }

  function noteMissingMapped(mapped) {
    if (missingMapped.includes(mapped)) return
    missingMapped.push(mapped)
    // One warning, after the first file's sources are all seen.
    if (missingMapped.length === 1) queueMicrotask(() => warnOnce('pathMap#missing', missingWarning(missingMapped)))
  }

  /** Whether a file being loaded may be instrumented (decided finally by `instrument`). */
  function shouldInstrument(filename) {
    if (!path.isAbsolute(filename) || isOwnFile(filename)) return false
    return relative(filename) !== null
  }

  function readMap(code, filename) {
    try {
      const rejected = []
      const found = findSourceMap(code, filename, { mapDirs: config.sourceMapDirs, reject: (file, why) => rejected.push(`${file}: ${why}`) })
      if (!found) {
        if (rejected.length) warnOnce(`${filename}#map`, `not using the source map found for ${filename}: ${rejected.join('; ')}`)
        return undefined
      }
      const map = normalizeSources(found.map, found.mapFile, config.root)
      return withSourceTexts(keepReportedSources(map))
    } catch (err) {
      warnOnce(`${filename}#map`, `ignoring the unreadable source map of ${filename}: ${err.message}`)
      return undefined
    }
  }

  // Blank out sources that are not reported ('' sources are dropped).
  function keepReportedSources(map) {
    if (Array.isArray(map.sections)) return { ...map, sections: map.sections.map((s) => ({ ...s, map: keepReportedSources(s.map) })) }
    return { ...map, sources: map.sources.map(reportedSource) }
  }

  // The text of each reported source, from the file where the map has none
  // (tsx, esbuild with sourcesContent off): composition needs the original
  // lines' lengths to drop the bundler's generated code past their ends.
  function withSourceTexts(map) {
    if (Array.isArray(map.sections)) return { ...map, sections: map.sections.map((s) => ({ ...s, map: withSourceTexts(s.map) })) }
    const have = Array.isArray(map.sourcesContent) ? map.sourcesContent : []
    if (map.sources.every((source, i) => !source || typeof have[i] === 'string')) return map
    return { ...map, sourcesContent: map.sources.map((source, i) => (typeof have[i] === 'string' ? have[i] : source ? readText(source) : null)) }
  }

  function readText(file) {
    try {
      return fs.readFileSync(file, 'utf8')
    } catch {
      return null
    }
  }

  function namesReportedSource(map) {
    if (Array.isArray(map.sections)) return map.sections.some((s) => namesReportedSource(s.map))
    return map.sources.some(Boolean)
  }

  function instrument(code, filename, sourceType) {
    // Already instrumented (e.g. by a bundler plugin run under the preload).
    if (INSTRUMENTED.test(code.slice(0, 4096))) return code
    const rel = relative(filename)
    const key = mapPath(filename)
    const direct = rel !== null && isReportedPath(key)
    if (direct && key !== filename && !exists(key)) noteMissingMapped(key)
    // Dependencies count only when included: do not even read their maps.
    if (!direct && (rel === null || /(^|\/)node_modules\//.test(rel))) return code
    const inputSourceMap = config.sourceMaps ? readMap(code, filename) : undefined
    if (inputSourceMap ? !namesReportedSource(inputSourceMap) && !direct : !direct) return code
    const options = { sourceType, reportLogic: config.reportLogic, checkTokens: config.checkTokens }
    try {
      const out = cov.instrument(code, key, { ...options, inputSourceMap }).code
      instrumented.add(filename)
      return out
    } catch (err) {
      if (inputSourceMap && err.code === 'COV_ALS_SOURCE_MAP_ERROR') {
        // A map we cannot use must not cost the file its coverage.
        warnOnce(`${filename}#map`, `ignoring the source map of ${filename}: ${err.message}`)
        if (direct) {
          try {
            const out = cov.instrument(code, key, options).code
            instrumented.add(filename)
            return out
          } catch {}
        }
      }
      warnOnce(filename, `loading ${filename} uninstrumented: ${err.message}`)
      asWritten.add(filename)
      return code
    }
  }

  return {
    shouldInstrument,
    instrument,
    wasInstrumented: (filename) => instrumented.has(filename),
    loadedAsWritten: (filename) => asWritten.has(filename),
    // Whether a loaded file is one that reports name (what the hooks thread,
    // whose instrumented set this thread cannot see, instruments).
    isReported: (filename) => !isOwnFile(filename) && isReportedPath(mapPath(filename)),
  }
}

module.exports = { createFileInstrumenter }
