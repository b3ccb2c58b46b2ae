'use strict'
// `cov-als-native/vite`: instruments a Vite app's own modules with our
// instrumenter. Server modules (SSR environments of the dev server, run by
// Vite's module runner in this process, where Node's module hooks never see
// them) are counted per test; client modules count into the page's
// `window.__coverage__` (one page = one test). Off unless coverage is on: the
// server half with the preload's switch (COV_ALS=1, COV_ALS_OUT_DIR or
// `enabled` in cov-als.config.json), the client half with COV_ALS_CLIENT=1, as
// the webpack/Turbopack loader. Server modules of a build (`vite build
// --ssr`, React Router's server build) are left alone: code instrumented in
// the build process could not be registered in the server's, so production
// servers get the preload, which instruments the built bundle through its
// source map. See docs/vite.md.

const fs = require('node:fs')
const path = require('node:path')
const Module = require('node:module')
const config = require('../config')
const { clientCoverageOn } = require('../config')
const { instrument, HEADER_MARKER } = require('../instrument')
const { matcher } = require('../glob')
const { relativeBelow, cachedIsFile } = require('../paths')
const { normalizeSources } = require('../source-maps')

// Script modules instrumented on their own source, before any transform
// (`enforce: 'pre'`): our parser takes TS/TSX/JSX, so positions are the
// original's and both halves get the same maps.
const SCRIPT = /\.(?:[cm]?[jt]sx?)$/
// Single-file components: only their compiled JS can be instrumented, after
// the framework's plugin (`enforce: 'post'`), through its source map.
const COMPONENT = /\.(?:svelte|vue|astro|mdx?)$/
// Module ids that are not the file's own code: Vite's asset and worker
// queries, and every other query (CSS blocks of components, `?raw`).
const QUERY = /\?/
const VIRTUAL = /^(?:\0|virtual:|\/@id\/|\/@fs\/__)/

function preloadActive() {
  return Boolean(Module.prototype._compile[Symbol.for('cov-als-native.cjs-hook')])
}

/** Whether a transform runs for a server environment (SSR, RSC, ...). */
function isServerEnvironment(ctx, options) {
  const env = ctx && ctx.environment
  if (env && env.config && env.config.consumer) return env.config.consumer === 'server'
  return Boolean(options && options.ssr)
}

/** Whether the environment's modules run in this process (Vite's module runner), so their files can be registered here. */
function runsInThisProcess(ctx) {
  const env = ctx && ctx.environment
  // Vite's RunnableDevEnvironment has a `runner`; workerd-style environments do not.
  return !env || env.mode !== 'dev' || 'runner' in env
}

/**
 * The plugin. `options` (all optional): `server` / `client` (booleans, force a
 * half on or off; default: the switches above), `cwd` (where
 * cov-als.config.json is read; default Vite's root), `warn` (receives each
 * warning; default process.emitWarning).
 */
function covAlsVite(options = {}) {
  if (options === null || typeof options !== 'object') throw new TypeError('cov-als-native/vite: options must be an object')
  const known = ['server', 'client', 'cwd', 'warn']
  const unknown = Object.keys(options).filter((k) => !known.includes(k))
  if (unknown.length) throw new TypeError(`cov-als-native/vite: unknown option(s) ${unknown.join(', ')}; known: ${known.join(', ')}`)
  for (const [name, type] of [
    ['server', 'boolean'],
    ['client', 'boolean'],
    ['cwd', 'string'],
    ['warn', 'function'],
  ])
    if (options[name] !== undefined && typeof options[name] !== type)
      throw new TypeError(`cov-als-native/vite: option ${name} must be a ${type}, got ${JSON.stringify(options[name])}`)

  const state = {
    command: 'serve',
    selection: null,
    cov: null,
    warned: new Set(),
    // Per (environment, file): the last source seen and what it gave, so an
    // unchanged module is not registered again, and an edited one supersedes it.
    versions: new Map(),
  }
  const warn = options.warn || ((msg) => process.emitWarning(msg, 'CovAlsWarning'))
  const warnOnce = (key, msg) => {
    if (state.warned.has(key)) return
    state.warned.add(key)
    warn(`cov-als-native/vite: ${msg}`)
  }

  function selection(root) {
    if (state.selection) return state.selection
    const c = config.load(process.env, options.cwd || root || process.cwd())
    const serverOn = options.server ?? c.enabled
    const clientOn = options.client ?? clientCoverageOn()
    state.selection = {
      config: c,
      serverOn,
      clientOn,
      reported: matcher(c.include, c.exclude),
      exists: cachedIsFile(),
    }
    return state.selection
  }

  // The server runtime of this process, installed once SSR code is instrumented here (a dev server).
  function runtime() {
    return (state.cov = state.cov || require('../server/runtime').installRuntime())
  }

  /** Path relative to root when `file` appears in reports, else null. */
  function reportedRel(sel, file) {
    const rel = relativeBelow(sel.config.root, file)
    return rel !== null && sel.reported(rel) && sel.exists(file) ? rel : null
  }

  // The file a module id names, or null for what is not a project file.
  function fileOf(id) {
    if (VIRTUAL.test(id) || QUERY.test(id)) return null
    return path.isAbsolute(id) ? id : null
  }

  function instrumentModule(ctx, code, id, { server, component }) {
    const sel = state.selection
    const file = fileOf(id)
    if (!file || reportedRel(sel, file) === null) return null
    // Already instrumented (the preload, or this plugin in an earlier pass).
    if (code.slice(0, 4096).includes(HEADER_MARKER)) return null
    // Server modules run in this process, counting into its runtime.
    if (server) runtime()
    const key = `${ctx.environment ? ctx.environment.name : server ? 'ssr' : 'client'}\n${file}`
    const last = state.versions.get(key)
    if (last && last.code === code) return last.result

    // Where an earlier plugin changed the module (or a component was
    // compiled), positions go back to the file through the combined map.
    let inputSourceMap
    if (component || code !== readFile(file)) {
      if (!server) {
        // The browser form cannot carry positions through a map: the module is left out (V8 still covers it in Chromium).
        if (component)
          warnOnce(
            'client-components',
            'components (.svelte, .vue, .astro, .mdx) are not instrumented for the browser half; in Chromium, V8 coverage covers them through their source maps',
          )
        else
          warnOnce(
            `client-map:${file}`,
            `${file} left out of the browser half: an earlier plugin changed it, so its positions are not the file's (put covAls() first in plugins)`,
          )
        return null
      }
      inputSourceMap = combinedMap(ctx, sel, file)
      if (!inputSourceMap) {
        warnOnce(`map:${file}`, `${file} left uninstrumented: no source map back to the file`)
        return null
      }
    }
    let out
    try {
      out = instrument(code, file, {
        sourceType: 'module',
        reportLogic: sel.config.reportLogic,
        checkTokens: sel.config.checkTokens,
        sourceMap: true,
        browser: !server,
        ...(inputSourceMap && { inputSourceMap }),
        ...(server && last && last.fileId !== null && { supersedes: last.fileId }),
      })
    } catch (err) {
      // Fail open: the module is served as it was.
      warnOnce(file, `${file} left uninstrumented: ${err.message}`)
      return null
    }
    const result = { code: out.code, map: out.map }
    if (sel.config.debug && server && last && last.fileId !== null && out.fileId !== null)
      warn(`cov-als-native/vite: ${file}: a new version (file id ${out.fileId}) supersedes file id ${last.fileId}`)
    state.versions.set(key, { code, result, fileId: out.fileId })
    return result
  }

  function readFile(file) {
    try {
      return fs.readFileSync(file, 'utf8')
    } catch {
      return null
    }
  }

  // The map from the code a transform is given back to the file, with
  // absolute sources; only the project's reported files stay named.
  function combinedMap(ctx, sel, file) {
    let map
    try {
      map = typeof ctx.getCombinedSourcemap === 'function' ? ctx.getCombinedSourcemap() : null
    } catch {
      map = null
    }
    if (!map || !map.mappings) return null
    const plain = JSON.parse(JSON.stringify(map))
    const normalized = normalizeSources(plain, file, sel.config.root)
    normalized.sources = normalized.sources.map((s) => (s && reportedRel(sel, s) !== null ? s : ''))
    return normalized.sources.some(Boolean) ? normalized : null
  }

  // Whether this transform is ours to do, and in which form.
  function formFor(ctx, options) {
    const sel = state.selection
    if (!sel) return null
    const server = isServerEnvironment(ctx, options)
    if (server) {
      // Server builds: the preload instruments the built bundle (see above).
      if (!sel.serverOn || state.command !== 'serve') return null
      if (!runsInThisProcess(ctx)) {
        warnOnce(`env:${ctx.environment.name}`, `the "${ctx.environment.name}" environment runs outside this process: its modules are not instrumented`)
        return null
      }
      return { server: true }
    }
    return sel.clientOn ? { server: false } : null
  }

  const base = {
    configResolved(resolved) {
      state.command = resolved.command
      const sel = selection(resolved.root)
      if (sel.serverOn && resolved.command === 'serve' && !preloadActive()) {
        // Without the preload nothing scopes requests to tests or answers
        // flushes: do what the preload does for HTTP in this process.
        const { scopeFor } = require('../server/integration')
        if (sel.config.http) require('../server/http').patchServers(scopeFor().scope)
        if (sel.config.writeOnExit) require('../server/lifecycle').install(runtime(), sel.config)
      }
      if (sel.config.debug && (sel.serverOn || sel.clientOn))
        warn(
          `cov-als-native/vite: ${resolved.command}: server half ${sel.serverOn && resolved.command === 'serve' ? 'on' : 'off'}, client half ${sel.clientOn ? 'on' : 'off'}`,
        )
    },
  }

  return [
    {
      name: 'cov-als-native:scripts',
      enforce: 'pre',
      ...base,
      transform(code, id, transformOptions) {
        if (!SCRIPT.test(id)) return null
        const form = formFor(this, transformOptions)
        return form && instrumentModule(this, code, id, { ...form, component: false })
      },
    },
    {
      name: 'cov-als-native:components',
      enforce: 'post',
      transform(code, id, transformOptions) {
        if (!COMPONENT.test(id)) return null
        const form = formFor(this, transformOptions)
        return form && instrumentModule(this, code, id, { ...form, component: true })
      },
    },
  ]
}

module.exports = { covAlsVite }
