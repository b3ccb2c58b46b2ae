'use strict'
// Browser scripts that have no source map: their V8 coverage cannot be put on
// the project's files and is dropped. Which of them deserve a warning, and one
// summary for the whole run: Playwright starts a new worker process after every
// failed test, so a warning given once per process came back after each failure
// (docs/field-trials.md, next-todo 7). The fixture records each such script as
// an annotation of its test; the reporter prints them once, at the end.

const NO_SOURCE_MAP_ANNOTATION = 'cov-als-no-source-map'

// `(globalThis.TURBOPACK_CHUNK_LISTS ||= []).push({...})`, after comments if any:
// which chunks a page loads, no code of the app's.
const TURBOPACK_CHUNK_LIST = /^(?:\s|\/\/[^\n]*\n|\/\*[\s\S]*?\*\/)*\(\s*globalThis\.TURBOPACK_CHUNK_LISTS\b/

function pathnameOf(url) {
  try {
    return decodeURIComponent(new URL(url).pathname)
  } catch {
    return ''
  }
}

/**
 * Whether a script without a map holds no code of the project's, so that its
 * missing map is no news: dependencies (Vite's pre-bundled
 * `/node_modules/.vite/deps/...`, `/@fs/.../node_modules/...`), Turbopack's
 * own runtime and HMR client chunks (`[turbopack]_...`) and its chunk lists.
 */
function holdsNoProjectCode(url, source) {
  const file = pathnameOf(url)
  if (file.includes('/node_modules/')) return true
  if (/\/\[turbopack\]_[^/]*$/.test(file)) return true
  return TURBOPACK_CHUNK_LIST.test(source || '')
}

/**
 * The dev server that served a page's scripts ('vite' or 'next'), or null:
 * build settings (build.sourcemap, productionBrowserSourceMaps) do not apply to it.
 */
function devServerOf(urls) {
  for (const url of urls) {
    const file = pathnameOf(url)
    if (file === '/@vite/client') return 'vite'
    if (/\/\[turbopack\]_browser_dev_/.test(file) || /^\/_next\/static\/chunks\/(?:react-refresh|webpack)\.js$/.test(file)) return 'next'
  }
  return null
}

/** The warning for one script; `advice` (how to build with maps) may be null. */
function noSourceMapMessage(url, advice) {
  return `cov-als-native: ${url} has no source map; its browser coverage is dropped${advice ? ` (${advice})` : ''}`
}

/**
 * One line per distinct advice for every script recorded in `items`
 * ({ url, advice }, repeats allowed): "N scripts had no source map ...: a, b".
 */
function noSourceMapSummary(items) {
  const byAdvice = new Map()
  for (const { url, advice } of items) {
    const key = advice || ''
    if (!byAdvice.has(key)) byAdvice.set(key, new Set())
    byAdvice.get(key).add(url)
  }
  return [...byAdvice].map(([advice, urls]) => {
    const list = [...urls].sort()
    const shown = list.slice(0, 10).join(', ') + (list.length > 10 ? `, and ${list.length - 10} more` : '')
    const what = list.length === 1 ? '1 script had' : `${list.length} scripts had`
    return `cov-als-native: ${what} no source map; their browser coverage is dropped${advice ? ` (${advice})` : ''}: ${shown}`
  })
}

module.exports = { NO_SOURCE_MAP_ANNOTATION, holdsNoProjectCode, devServerOf, noSourceMapMessage, noSourceMapSummary }
