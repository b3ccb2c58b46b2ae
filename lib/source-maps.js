'use strict'
// Finding and cleaning up the source map of a file about to be instrumented,
// so that coverage composes onto the original (TS/TSX) files, also when the
// build left the map elsewhere (hidden source maps, Next.js standalone).

const fs = require('node:fs')
const path = require('node:path')
const { fileURLToPath } = require('node:url')

const MAX_MAP_BYTES = 256 * 1024 * 1024
const URL_RE = /(?:\/\/|\/\*)[#@]\s*sourceMappingURL=([^\s*'"]+)\s*(?:\*\/)?\s*$/

/** The map URL of the last sourceMappingURL comment in `code`, if any. */
function mapUrlOf(code) {
  // The comment ends the code (blank lines aside). Found from the end, not
  // from a fixed tail: an inline map (Vite dev serves each module with one)
  // makes that last line longer than any tail.
  const at = code.lastIndexOf('sourceMappingURL=')
  if (at < 0) return null
  const start = code.slice(Math.max(0, at - 16), at).search(/(?:\/\/|\/\*)[#@]\s*$/)
  if (start < 0) return null
  const m = URL_RE.exec(code.slice(Math.max(0, at - 16) + start))
  return m && m.index === 0 ? m[1] : null
}

/** Read the map a file points at: `{ map, mapFile }` or null when it has none. Throws on unreadable maps. */
function readSourceMap(code, filename) {
  const url = mapUrlOf(code)
  if (!url) return null
  return readMapUrl(url, filename)
}

function readMapUrl(url, filename) {
  if (url.startsWith('data:')) {
    const comma = url.indexOf(',')
    const meta = url.slice(5, comma)
    const data = url.slice(comma + 1)
    const text = meta.endsWith(';base64') ? Buffer.from(data, 'base64').toString('utf8') : decodeURIComponent(data)
    return { map: JSON.parse(text), mapFile: filename }
  }
  const mapFile = url.startsWith('file:') ? fileURLToPath(url) : path.resolve(path.dirname(filename), decodeURIComponent(url.split(/[?#]/)[0]))
  if (!fs.existsSync(mapFile)) return null
  return readMapFile(mapFile)
}

function readMapFile(mapFile) {
  // Only regular files of sane size (not a FIFO or a device named by the comment).
  const stat = fs.statSync(mapFile)
  if (!stat.isFile()) throw new Error(`${mapFile} is not a regular file`)
  if (stat.size > MAX_MAP_BYTES) throw new Error(`${mapFile} is larger than ${MAX_MAP_BYTES} bytes`)
  return { map: JSON.parse(fs.readFileSync(mapFile, 'utf8')), mapFile }
}

function isFile(p) {
  try {
    return fs.statSync(p).isFile()
  } catch {
    return false
  }
}

function sameContent(file, code) {
  try {
    return fs.readFileSync(file, 'utf8') === code
  } catch {
    return false
  }
}

// Lines of generated code a map describes (`;` separates them), index maps
// by their last section's offset.
function generatedLines(map) {
  if (Array.isArray(map.sections)) {
    return map.sections.reduce((n, s) => Math.max(n, ((s.offset && s.offset.line) || 0) + generatedLines(s.map || {})), 0)
  }
  return typeof map.mappings === 'string' ? map.mappings.replace(/;+$/, '').split(';').length : 0
}

// Whether a map found by name alone (no chunk beside it to compare) can
// describe `code`: its `file`, when given, names the loaded file, and its
// mappings do not run past the code's last line.
function fitsCode(map, code, filename) {
  if (map.file && path.basename(String(map.file)) !== path.basename(filename)) return false
  return generatedLines(map) <= code.split('\n').length
}

/**
 * Where a Next.js standalone copy's file came from: for
 * `<app>/<dist>/standalone/<rel>/<dist>/server/x.js`, the build's own
 * `<app>/<dist>/server/x.js` (whose map the copy leaves behind), or null.
 */
function standaloneOrigin(filename) {
  const segs = filename.split(path.sep)
  for (let i = segs.length - 2; i >= 2; i--) {
    if (segs[i] !== 'standalone') continue
    const dist = segs[i - 1]
    for (let j = i + 1; j < segs.length - 2; j++) {
      if (segs[j] === dist && segs[j + 1] === 'server') return [...segs.slice(0, i), ...segs.slice(j + 1)].join(path.sep)
    }
  }
  return null
}

/**
 * Find the map of a loaded file: the map its sourceMappingURL comment names,
 * else where builds leave maps: the sibling `<file>.map` (hidden source
 * maps), the same chunk in the build a Next.js standalone copy was made from
 * (used only when that chunk's content equals the loaded file's), and
 * `<dir>/<trailing segments of the path>.map` in each of `mapDirs` (when a
 * chunk lies beside that map it must equal the loaded file; else the map
 * must fit it). Looked up per loaded file, nothing scanned ahead.
 * @param {(candidate: string, why: string) => void} [reject] told of each map found but not used
 * @returns {{ map: object, mapFile: string } | null}
 * Throws on unreadable maps.
 */
function findSourceMap(code, filename, { mapDirs = [], reject = () => {} } = {}) {
  const url = mapUrlOf(code)
  const named = url && readMapUrl(url, filename)
  if (named) return named
  const sibling = filename + '.map'
  if (isFile(sibling)) {
    const found = readMapFile(sibling)
    if (fitsCode(found.map, code, filename)) return found
    reject(sibling, `it does not describe ${filename} (another build?)`)
  }
  const origin = standaloneOrigin(filename)
  if (origin && isFile(origin)) {
    if (!sameContent(origin, code)) reject(origin, `${origin} differs from ${filename} (another build): its map is not used`)
    else {
      const originCode = fs.readFileSync(origin, 'utf8')
      const originUrl = mapUrlOf(originCode)
      const found = originUrl ? readMapUrl(originUrl, origin) : isFile(origin + '.map') ? readMapFile(origin + '.map') : null
      if (found) return found
    }
  }
  const segs = filename.split(path.sep).filter(Boolean)
  for (const dir of mapDirs) {
    for (let k = 1; k <= segs.length; k++) {
      const chunk = path.join(dir, ...segs.slice(segs.length - k))
      const mapFile = chunk + '.map'
      if (!isFile(mapFile)) continue
      if (isFile(chunk)) {
        if (sameContent(chunk, code)) return readMapFile(mapFile)
        reject(mapFile, `${chunk} beside it differs from ${filename} (another build)`)
        continue
      }
      const found = readMapFile(mapFile)
      if (fitsCode(found.map, code, filename)) return found
      reject(mapFile, `it does not describe ${filename} (another build?)`)
    }
  }
  return null
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
  const resolved = path.resolve(mapDir, safeDecode(s))
  return /^(?:\.\.\/)+/.test(s) && !fs.existsSync(resolved) ? climbedSource(s, mapDir, root) || resolved : resolved
}

// Turbopack's edge chunks (Next middleware) climb two folders short: their
// `../../../../../app/x.ts` is relative to the workspace root below the
// chunk's folder's ancestors. The path after the `../` run, below the
// nearest ancestor where it names a file of the project.
function climbedSource(source, mapDir, root) {
  const rest = safeDecode(source.replace(/^(?:\.\.\/)+/, ''))
  for (let dir = mapDir; ; dir = path.dirname(dir)) {
    const file = path.join(dir, rest)
    if ((file === root || file.startsWith(root + path.sep)) && fs.existsSync(file)) return file
    if (path.dirname(dir) === dir) return null
  }
}

function safeDecode(s) {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}

module.exports = { mapUrlOf, readSourceMap, findSourceMap, standaloneOrigin, normalizeSources, resolveSource }
