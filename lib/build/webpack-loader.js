'use strict'
// The webpack loader of `cov-als-native/loader` (Turbopack runs it too, through
// `turbopack.rules`) that instruments client modules in the browser form:
// Istanbul's global `window.__coverage__[path]`, with the same maps as the
// server side gives for the same source. It runs on the module's own source
// before the bundler's transform (it only inserts text: TS/TSX stays TS/TSX,
// positions are the original's). Off unless COV_ALS_CLIENT=1; server
// compilations are never instrumented (the preload covers the server).
// See docs/client-coverage.md.

const path = require('node:path')
const remapping = require('@jridgewell/remapping')
const config = require('../config')
const { clientCoverageOn, CLIENT_ENV } = config
const { matcher } = require('../glob')

// Next names its webpack compilations "server", "edge-server" and "client";
// other setups say it through the target. (Turbopack rules select the
// browser through their `condition` instead.)
function isServerCompilation(ctx) {
  const name = ctx._compiler && ctx._compiler.name
  if (name === 'server' || name === 'edge-server') return true
  const target = ctx.target
  return typeof target === 'string' && /node|electron-main/.test(target)
}

// One reading of cov-als.config.json/env per build directory.
const selections = new Map()
function selection(cwd) {
  let s = selections.get(cwd)
  if (!s) {
    const c = config.load(process.env, cwd)
    s = { root: c.root, reported: matcher(c.include, c.exclude), reportLogic: c.reportLogic }
    selections.set(cwd, s)
  }
  return s
}

function parseMap(map) {
  if (!map) return undefined
  return typeof map === 'string' ? JSON.parse(map) : map
}

module.exports = function covAlsLoader(source, inputMap) {
  if (!clientCoverageOn() || isServerCompilation(this)) return this.callback(null, source, inputMap)
  const file = this.resourcePath
  const { root, reported, reportLogic } = selection(this.rootContext || process.cwd())
  const rel = path.relative(root, file).split(path.sep).join('/')
  if (rel.startsWith('..') || path.isAbsolute(rel) || !reported(rel)) return this.callback(null, source, inputMap)
  const { instrument, HEADER_MARKER } = require('../instrument')
  if (source.slice(0, 4096).includes(HEADER_MARKER)) return this.callback(null, source, inputMap)
  const incoming = parseMap(inputMap)
  let out
  try {
    // An incoming map is carried on the coverage (as babel-plugin-istanbul does).
    out = instrument(source, file, { browser: true, reportLogic, sourceMap: true, inputSourceMap: incoming })
  } catch (err) {
    // Fail open, as the preload does: the module builds uninstrumented.
    this.emitWarning(new Error(`cov-als-native: ${file} left uninstrumented: ${err.message}`))
    return this.callback(null, source, inputMap)
  }
  // Our map goes from the output to `source`; through an incoming map, on to its sources.
  let traced = false
  const through = (s) => {
    if (traced || (s !== file && path.resolve(root, s) !== file)) return null
    traced = true
    return incoming
  }
  const map = incoming ? remapping(out.map, through) : out.map
  this.callback(null, out.code, map)
}

/**
 * `next dev --webpack` runs server code inside `eval()` strings (Next's
 * eval-source-map plugin), which no module hook sees: with server coverage
 * on (COV_ALS=1 or a COV_ALS_OUT_DIR, as for the preload), give the dev
 * server compilations source-map files instead, so the preload instruments
 * their chunks through the maps as it does `next build`'s. Call it from
 * next.config's `webpack(config, ctx)`; it changes nothing otherwise (a
 * build, the client compilation, coverage off). Returns `webpackConfig`.
 */
function serverDevSourceMaps(webpackConfig, ctx, env = process.env) {
  if (!ctx || !ctx.dev || !ctx.isServer || !config.load(env).enabled) return webpackConfig
  const plugins = webpackConfig.plugins || []
  const at = plugins.findIndex((p) => p && p.constructor && p.constructor.name === 'EvalSourceMapDevToolPlugin')
  if (at < 0) return webpackConfig
  const { SourceMapDevToolPlugin } = ctx.webpack
  const output = webpackConfig.output || {}
  plugins.splice(at, 1, new SourceMapDevToolPlugin({ filename: '[file].map', moduleFilenameTemplate: output.devtoolModuleFilenameTemplate }))
  return webpackConfig
}

module.exports.clientCoverageOn = clientCoverageOn
module.exports.serverDevSourceMaps = serverDevSourceMaps
module.exports.CLIENT_ENV = CLIENT_ENV
