'use strict'
// Finding and cleaning up the source map of a file about to be instrumented,
// so that coverage composes onto the original (TS/TSX) files.

const fs = require('node:fs')
const path = require('node:path')
const { fileURLToPath } = require('node:url')

const MAX_MAP_BYTES = 256 * 1024 * 1024
const URL_RE = /(?:\/\/|\/\*)[#@]\s*sourceMappingURL=([^\s*'"]+)\s*(?:\*\/)?\s*$/

/** The map URL of the last sourceMappingURL comment in `code`, if any. */
function mapUrlOf(code) {
  // The comment is at the end; don't scan megabytes of code for it.
  const tail = code.slice(-4096)
  const lines = tail.split(/\r?\n/)
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = URL_RE.exec(lines[i])
    if (m) return m[1]
    if (lines[i].trim() !== '') break
  }
  return null
}

/** Read the map a file points at: `{ map, mapFile }` or null when it has none. Throws on unreadable maps. */
function readSourceMap(code, filename) {
  const url = mapUrlOf(code)
  if (!url) return null
  if (url.startsWith('data:')) {
    const comma = url.indexOf(',')
    const meta = url.slice(5, comma)
    const data = url.slice(comma + 1)
    const text = meta.endsWith(';base64') ? Buffer.from(data, 'base64').toString('utf8') : decodeURIComponent(data)
    return { map: JSON.parse(text), mapFile: filename }
  }
  const mapFile = url.startsWith('file:') ? fileURLToPath(url) : path.resolve(path.dirname(filename), decodeURIComponent(url.split(/[?#]/)[0]))
  if (!fs.existsSync(mapFile)) return null
  // Only regular files of sane size (not a FIFO or a device named by the comment).
  const stat = fs.statSync(mapFile)
  if (!stat.isFile()) throw new Error(`${mapFile} is not a regular file`)
  if (stat.size > MAX_MAP_BYTES) throw new Error(`${mapFile} is larger than ${MAX_MAP_BYTES} bytes`)
  return { map: JSON.parse(fs.readFileSync(mapFile, 'utf8')), mapFile }
}

// Bundler internals that are not files of the project (also after a
// `webpack://<name>/` prefix is taken off).
const PSEUDO_SOURCE = /^(?:webpack\/(?:runtime|bootstrap)|\(webpack\)|\[turbopack\]|turbopack:\/\/\/\[turbopack\]|external |ignored\||node:|<)/

/**
 * Rewrite a map's sources to absolute paths (an empty string for sources that
 * are bundler internals, whose entries are then dropped), recursing into the
 * sections of an index map.
 */
function normalizeSources(map, mapFile, root) {
  if (Array.isArray(map.sections)) {
    return { ...map, sections: map.sections.map((s) => ({ ...s, map: normalizeSources(s.map, mapFile, root) })) }
  }
  const mapDir = path.dirname(mapFile)
  const sourceRoot = map.sourceRoot || ''
  const sources = (map.sources || []).map((source) => resolveSource(source, sourceRoot, mapDir, root))
  const out = { ...map, sources }
  delete out.sourceRoot
  return out
}

function resolveSource(source, sourceRoot, mapDir, root) {
  if (source == null) return ''
  let s = String(source)
  if (PSEUDO_SOURCE.test(s)) return ''
  if (sourceRoot && !/^[a-z]+:/i.test(s) && !s.startsWith('/')) s = sourceRoot.replace(/\/?$/, '/') + s
  // webpack://<name>/./app/page.tsx and turbopack:///[project]/app/page.tsx are project-relative.
  let m
  if ((m = /^webpack:\/\/[^/]*\/(.*)$/.exec(s))) return PSEUDO_SOURCE.test(m[1]) ? '' : path.resolve(root, safeDecode(m[1]))
  if ((m = /^turbopack:\/\/\/\[project\]\/(.*)$/.exec(s))) return path.resolve(root, safeDecode(m[1]))
  if (s.startsWith('file://')) return fileURLToPath(s)
  if (/^[a-z][a-z0-9+.-]*:/i.test(s)) return ''
  return path.resolve(mapDir, safeDecode(s))
}

function safeDecode(s) {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}

module.exports = { mapUrlOf, readSourceMap, normalizeSources, resolveSource }
