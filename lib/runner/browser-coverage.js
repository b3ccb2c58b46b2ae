'use strict'
// The browser half of a test's coverage, collected by the Playwright fixture
// for every page of the test's browser context (popups and new pages too):
//   - `window.__coverage__` of Istanbul-instrumented bundles (any browser),
//     taken before each navigation away (`pagehide`) and at teardown;
//   - V8 JS coverage (Chromium only), converted to Istanbul with
//     v8-to-istanbul through the bundles' source maps.
// Both are kept to the project's own sources (the include/exclude rules of
// the server side, applied to the original files), and a file that
// `window.__coverage__` covers is not counted again from V8.

const fs = require('node:fs')
const path = require('node:path')
const { pathToFileURL } = require('node:url')
const V8ToIstanbul = require('v8-to-istanbul')
const { FlattenMap } = require('@jridgewell/trace-mapping')
const { createCoverageMap } = require('istanbul-lib-coverage')
const { matcher } = require('../glob')
const { relativeBelow, cachedIsFile } = require('../paths')
const { mapUrlOf, normalizeSources } = require('../source-maps')
const { sourceMapAdvice } = require('./bundler-advice')
const { holdsNoProjectCode, devServerOf, noSourceMapMessage } = require('./no-source-map')

const BINDING = '__covAlsCoverage'
const TAKE = '__covAlsTakeCoverage'

// Runs in every frame before the page's scripts. take() hands the counters
// over and zeroes them, so each hit is handed over once: before the document
// goes away (beforeunload is what Chromium still delivers to a binding while
// navigating; pagehide for the others) and when the fixture takes them at teardown.
const INIT_SCRIPT = `(() => {
  const zero = (hits) => {
    // In place: instrumented code may hold on to the arrays.
    for (const k in hits) {
      if (Array.isArray(hits[k])) hits[k].fill(0)
      else hits[k] = 0
    }
  }
  const take = () => {
    const coverage = globalThis.__coverage__
    if (!coverage || typeof coverage !== 'object') return null
    const json = JSON.stringify(coverage)
    for (const k in coverage) {
      const fc = coverage[k]
      if (fc && typeof fc === 'object') for (const h of ['s', 'f', 'b', 'bT']) if (fc[h]) zero(fc[h])
    }
    return json
  }
  Object.defineProperty(globalThis, ${JSON.stringify(TAKE)}, { value: take })
  const hand = () => {
    if (typeof globalThis.${BINDING} !== 'function') return
    const json = take()
    if (json !== null) globalThis.${BINDING}(json)
  }
  addEventListener('beforeunload', hand)
  addEventListener('pagehide', hand)
})()`

/**
 * Whether V8 coverage can be collected, and the warning to give when not.
 * @param {string} browserName 'chromium' | 'firefox' | 'webkit'
 * @param {boolean} wanted the covBrowserV8 option
 */
function v8Decision(browserName, wanted) {
  if (!wanted) return { v8: false, warning: null }
  if (browserName === 'chromium') return { v8: true, warning: null }
  return {
    v8: false,
    warning: `V8 coverage needs Chromium; in ${browserName} the browser half comes from window.__coverage__ (Istanbul-instrumented bundles) only, the server half as always`,
  }
}

// Warnings given once per process (a Playwright worker runs many tests).
const warnedOnce = new Set()
function warnOnce(key, message, warn) {
  if (warnedOnce.has(key)) return
  warnedOnce.add(key)
  warn(message)
}

/** Which original files are the project's: include/exclude relative to root, and a real file. */
function reportedSources({ root, include, exclude }) {
  const reported = matcher(include, exclude)
  const isFile = cachedIsFile()
  return (file) => {
    if (typeof file !== 'string' || !path.isAbsolute(file)) return false
    const rel = relativeBelow(root, file)
    return rel !== null && reported(rel) && isFile(file)
  }
}

/**
 * Collects the browser half of one test. `attach(page)` for every page of the
 * context (the fixture calls it from `context.on('page')`), `collect()` once
 * at teardown. Problems are reported through `warn` and never throw.
 */
class BrowserCoverageCollector {
  constructor({ context, browserName, v8, root, include, exclude, warn, noSourceMap }) {
    this.context = context
    this.warn = warn
    // A project script without a map, as (url, advice): the fixture records it
    // for the reporter's summary; alone, a warning once per process.
    this.noSourceMap = noSourceMap || ((url, advice) => warnOnce(`nomap:${url}`, noSourceMapMessage(url, advice), warn))
    this.decision = v8Decision(browserName, v8)
    if (this.decision.warning) warnOnce(`browser:${browserName}`, `cov-als-native: ${this.decision.warning}`, warn)
    this.root = root
    this.isReported = reportedSources({ root, include, exclude })
    this.istanbul = [] // window.__coverage__ maps (JSON text)
    this.v8Entries = [] // V8 script coverage entries
    this.pages = new Map() // page -> { v8: Promise | null, done }
  }

  /** Before any page exists: the binding and the init script, for every page and frame. */
  async install() {
    await this.context.exposeBinding(BINDING, (_source, json) => {
      if (typeof json === 'string') this.istanbul.push(json)
    })
    await this.context.addInitScript({ content: INIT_SCRIPT })
  }

  attach(page) {
    if (this.pages.has(page)) return
    const state = { v8: null, done: false, crashed: false }
    this.pages.set(page, state)
    if (this.decision.v8) {
      state.v8 = page.coverage.startJSCoverage({ resetOnNavigation: false, reportAnonymousScripts: false }).catch((err) => {
        this.warn(`cov-als-native: could not start V8 coverage of a page: ${err.message}`)
        state.v8 = null
      })
    }
    page.on('crash', () => {
      state.crashed = true
    })
    // A page closed by the test: take its coverage first (afterwards it is gone).
    const close = page.close.bind(page)
    page.close = async (options) => {
      await this.collectPage(page)
      return close(options)
    }
  }

  async collectPage(page) {
    const state = this.pages.get(page)
    if (!state || state.done) return
    state.done = true
    const url = safeUrl(page)
    if (state.crashed || page.isClosed()) {
      this.warn(
        `cov-als-native: a page (${url}) ${state.crashed ? 'crashed' : 'was closed'} before its browser coverage was collected; what it ran after its last navigation is not in the report`,
      )
      return
    }
    for (const frame of page.frames()) {
      try {
        const json = await frame.evaluate(`globalThis.${TAKE} ? globalThis.${TAKE}() : null`)
        if (typeof json === 'string') this.istanbul.push(json)
      } catch (err) {
        if (frame === page.mainFrame()) this.warn(`cov-als-native: could not read window.__coverage__ of ${url}: ${firstLine(err)}`)
      }
    }
    if (state.v8) {
      try {
        await state.v8
        this.v8Entries.push(...(await page.coverage.stopJSCoverage()))
      } catch (err) {
        this.warn(`cov-als-native: could not read the V8 coverage of ${url}: ${firstLine(err)}`)
      }
    }
  }

  /** The test's browser coverage as an Istanbul coverage map object (maybe empty). */
  async collect({ fetchText = defaultFetchText } = {}) {
    for (const page of this.pages.keys()) await this.collectPage(page)
    const fromIstanbul = createCoverageMap({})
    for (const json of this.istanbul) {
      try {
        fromIstanbul.merge(this.keepOwn(JSON.parse(json)))
      } catch (err) {
        this.warn(`cov-als-native: window.__coverage__ is not Istanbul coverage (${err.message}); ignored`)
      }
    }
    const map = createCoverageMap({})
    map.merge(fromIstanbul)
    const fromV8 = await this.convertV8(fetchText)
    // A file instrumented for window.__coverage__ is also in V8's data: count it once.
    const taken = new Set(fromIstanbul.files())
    for (const file of fromV8.files()) if (!taken.has(file)) map.addFileCoverage(fromV8.fileCoverageFor(file))
    return map.toJSON()
  }

  keepOwn(coverage) {
    const own = {}
    for (const [key, fc] of Object.entries(coverage || {})) {
      const file = fc && typeof fc.path === 'string' ? fc.path : key
      if (this.isReported(file)) own[file] = { ...fc, path: file }
    }
    return own
  }

  async convertV8(fetchText) {
    const out = createCoverageMap({})
    // In a dev server, build settings that add maps do not apply: no advice.
    const devServer = devServerOf(this.v8Entries.map((e) => e.url))
    const noMap = new Set()
    for (const entry of this.v8Entries) {
      if (!/^https?:/.test(entry.url) || !entry.source) continue
      const mapUrl = mapUrlOf(entry.source)
      // Dependencies served from node_modules (Vite dev's pre-bundled /node_modules/.vite/deps/),
      // Turbopack's runtime chunks and chunk lists hold no project code: their
      // missing or broken map is no reason to warn, nor to advise a build setting.
      const dependency = holdsNoProjectCode(entry.url, entry.source)
      if (!mapUrl) {
        const url = stripQuery(entry.url)
        const script = /\.[cm]?js(?:[?#]|$)/.test(entry.url)
        // A project file served as written (a static directory, no bundler) is its own map.
        const asWritten = !dependency && script ? this.fileServedAsWritten(entry) : null
        if (asWritten) {
          await this.convertEntry(entry, asWritten, {}, out)
          continue
        }
        // Inline <script>s of a document report the document's URL: not bundles.
        if (!dependency && script && !noMap.has(url)) {
          noMap.add(url)
          this.noSourceMap(url, devServer ? null : sourceMapAdvice(this.root).advice)
        }
        continue
      }
      let traceMap
      try {
        traceMap = await this.sourceMapOf(entry.url, mapUrl, fetchText)
      } catch (err) {
        if (dependency) continue
        warnOnce(
          `badmap:${stripQuery(entry.url)}`,
          `cov-als-native: the source map of ${stripQuery(entry.url)} is unusable (${err.message}); its browser coverage is dropped`,
          this.warn,
        )
        continue
      }
      if (!traceMap) continue
      await this.convertEntry(entry, path.join(this.root, '.cov-als-browser', new URL(entry.url).pathname), { sourceMap: { sourcemap: traceMap } }, out)
    }
    return out
  }

  // One script's V8 coverage into `out`, as `file` (through `sources`' map, if any).
  async convertEntry(entry, file, sources, out) {
    try {
      const converter = new V8ToIstanbul(file, 0, { source: entry.source, ...sources }, (f) => !this.isReported(f))
      await converter.load()
      converter.applyCoverage(entry.functions)
      const converted = converter.toIstanbul()
      for (const [name, fc] of Object.entries(converted)) if (this.isReported(name)) out.merge({ [name]: fc })
    } catch (err) {
      warnOnce(`convert:${stripQuery(entry.url)}`, `cov-als-native: could not convert the V8 coverage of ${stripQuery(entry.url)}: ${err.message}`, this.warn)
    }
  }

  /**
   * The project file a script without a map was served from unchanged, or
   * null: its URL path under the root or under one of the root's folders
   * (`express.static('public')` serves public/app.js as /app.js), a reported
   * file whose text is the script's, byte for byte.
   */
  fileServedAsWritten(entry) {
    let pathname
    try {
      pathname = decodeURIComponent(new URL(entry.url).pathname)
    } catch {
      return null
    }
    for (const dir of staticDirsOf(this.root)) {
      const file = path.join(dir, pathname)
      if (!file.startsWith(dir + path.sep) || !this.isReported(file)) continue
      try {
        if (fs.readFileSync(file, 'utf8') === entry.source) return file
      } catch {
        // Not there: the next folder.
      }
    }
    return null
  }

  /** The bundle's map with absolute source paths, or null when it holds none of the project's files. Cached per URL. */
  async sourceMapOf(scriptUrl, mapUrl, fetchText) {
    const url = new URL(mapUrl, scriptUrl).href
    // An inline map's sources depend on its script's URL: part of the key.
    const key = `${this.root}\n${url.startsWith('data:') ? `${scriptUrl}\n` : ''}${url}`
    if (!mapCache.has(key)) mapCache.set(key, this.loadSourceMap(url, fetchText, scriptUrl))
    return mapCache.get(key)
  }

  async loadSourceMap(url, fetchText, scriptUrl) {
    let text
    if (url.startsWith('data:')) {
      const comma = url.indexOf(',')
      const data = url.slice(comma + 1)
      text = url.slice(5, comma).endsWith(';base64') ? Buffer.from(data, 'base64').toString('utf8') : decodeURIComponent(data)
    } else {
      text = await fetchText(url)
    }
    // Sources relative to the map's URL: a server that serves the root at `/`.
    // An inline (data:) map's relative sources are relative to its script's
    // URL (Vite dev serves /app/root.tsx with sources ['root.tsx']).
    const base = url.startsWith('data:') ? scriptUrl : url
    const mapFile = path.join(this.root, decodeURIComponent(new URL(base).pathname))
    const map = normalizeSources(turbopackProjectSources(JSON.parse(text), this.root), mapFile, this.root)
    const flat = new FlattenMap(map)
    if (!flat.sources.some((s) => this.isReported(s))) return null
    // v8-to-istanbul needs every source's text: the project's from disk when the map has none.
    const contents = flat.sources.map((s, i) => {
      const have = flat.sourcesContent && flat.sourcesContent[i]
      if (typeof have === 'string') return have
      if (!this.isReported(s)) return ''
      return fs.readFileSync(s, 'utf8')
    })
    flat.sourcesContent = contents
    return flat
  }
}

const mapCache = new Map()

// The root and its own folders, where a server may serve static files from
// (not dependencies or hidden folders: .git, .next). Read once per root and
// worker, as each test's collector asks.
const staticDirs = new Map()
function staticDirsOf(root) {
  if (!staticDirs.has(root)) {
    let folders = []
    try {
      folders = fs
        .readdirSync(root, { withFileTypes: true })
        .filter((e) => e.isDirectory() && e.name !== 'node_modules' && !e.name.startsWith('.'))
        .map((e) => path.join(root, e.name))
    } catch {
      // No such root: only the root itself, where nothing will be found.
    }
    staticDirs.set(root, [root, ...folders])
  }
  return staticDirs.get(root)
}

// Turbopack's `[project]` is the workspace root (where the lockfile is),
// which may be above the app: `turbopack:///[project]/examples/app/page.tsx`.
// Point such sources at the file they name, below some ancestor of the root.
function turbopackProjectSources(map, root) {
  if (Array.isArray(map.sections)) return { ...map, sections: map.sections.map((sec) => ({ ...sec, map: turbopackProjectSources(sec.map, root) })) }
  if (!Array.isArray(map.sources)) return map
  const sources = map.sources.map((source) => {
    const m = typeof source === 'string' && /^turbopack:\/\/\/\[project\]\/(.*)$/.exec(source)
    if (!m || fs.existsSync(path.join(root, m[1]))) return source
    for (let dir = path.dirname(root); ; dir = path.dirname(dir)) {
      const file = path.join(dir, m[1])
      if (file.startsWith(root + path.sep) && fs.existsSync(file)) return pathToFileURL(file).href
      if (path.dirname(dir) === dir) return source
    }
  })
  return { ...map, sources }
}

async function defaultFetchText(url) {
  const res = await fetch(url, { signal: AbortSignal.timeout(30000) })
  if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`)
  return res.text()
}

function safeUrl(page) {
  try {
    return stripQuery(page.url())
  } catch {
    return 'a page'
  }
}

function stripQuery(url) {
  return String(url).replace(/[?#].*$/, '')
}

function firstLine(err) {
  return String(err && err.message ? err.message : err).split('\n')[0]
}

module.exports = { BrowserCoverageCollector, v8Decision, reportedSources, INIT_SCRIPT }
