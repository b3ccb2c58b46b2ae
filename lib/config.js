'use strict'
// Configuration of the preload and the HTTP integration: defaults, then an
// optional JSON config file, then environment variables (highest priority).

const fs = require('node:fs')
const path = require('node:path')
const { parsePathMap } = require('./path-map')
const control = require('./control')

const TOOL_CONFIGS =
  '**/{next,vite,vitest,tailwind,postcss,webpack,rollup,babel,jest,playwright,svelte,astro,nuxt,remix,react-router}.config.{js,cjs,mjs,ts,cts,mts}'

// name -> [env var, default, parse]. The README's option table mirrors this.
const OPTIONS = {
  enabled: ['COV_ALS', false, parseBool],
  root: ['COV_ALS_ROOT', (cwd) => cwd, String],
  outDir: ['COV_ALS_OUT_DIR', '.cov-als', String],
  include: ['COV_ALS_INCLUDE', ['**'], parseList],
  // Bundle output (.next) is excluded from reports, not from instrumentation:
  // its chunks are instrumented for the original files their maps name.
  // next.config.compiled.js: Next 16 compiles next.config.ts to it in memory
  // (no such file on disk). Build tools' configs (as nyc leaves out babel's,
  // jest's, webpack's) run once as the dev server starts: no code under test.
  exclude: ['COV_ALS_EXCLUDE', ['**/node_modules/**', '**/.git/**', '**/.next/**', '**/next.config.compiled.js', TOOL_CONFIGS], parseList],
  header: ['COV_ALS_HEADER', control.TEST_ID_HEADER, lowerCase],
  flushHeader: ['COV_ALS_FLUSH_HEADER', 'x-cov-flush', lowerCase],
  controlPath: [control.CONTROL_PATH_ENV, control.CONTROL_PATH, String],
  token: [control.TOKEN_ENV, '', String],
  sourceMaps: ['COV_ALS_SOURCE_MAPS', true, parseBool],
  // Where else to look for the maps of loaded files (relative to root).
  sourceMapDirs: ['COV_ALS_SOURCE_MAP_DIRS', [], parseList],
  // Build-time or runtime path prefixes -> the reporting host's.
  pathMap: ['COV_ALS_PATH_MAP', [], parsePathMap],
  reportLogic: ['COV_ALS_REPORT_LOGIC', false, parseBool],
  // Check each file's instrumented code keeps every token of the original
  // (two more parses a file); a file that would change loads uninstrumented, with a warning.
  checkTokens: ['COV_ALS_CHECK_TOKENS', false, parseBool],
  esm: ['COV_ALS_ESM', true, parseBool],
  http: ['COV_ALS_HTTP', true, parseBool],
  writeOnExit: ['COV_ALS_WRITE_ON_EXIT', true, parseBool],
  // Counter tables in memory-mapped files under <outDir>/live/: recoverable
  // after a SIGKILL, and gathered by a flush in any process of the run.
  live: ['COV_ALS_LIVE', true, parseBool],
  debug: ['COV_ALS_DEBUG', false, parseBool],
  // Outgoing requests made inside a test carry its id (lib/server/propagation.js),
  // only to these hosts: `loopback`, `self` (this machine), names, `*.suffix`.
  propagate: ['COV_ALS_PROPAGATE', true, parseBool],
  propagateHosts: ['COV_ALS_PROPAGATE_HOSTS', ['loopback', 'self'], parseHostList],
  // Where a module's top-level code (and what it calls) counts when a test's
  // request loads it: 'startup' (the same whichever test loads it first) or 'test'.
  moduleInit: ['COV_ALS_MODULE_INIT', 'startup', parseModuleInit],
}

// The browser half of build plugins (lib/build/): instrumenting client
// modules for window.__coverage__ is a choice of its own, off by default.
const CLIENT_ENV = 'COV_ALS_CLIENT'

function clientCoverageOn(env = process.env) {
  const v = env[CLIENT_ENV]
  return v !== undefined && ['1', 'true', 'yes', 'on'].includes(String(v).trim().toLowerCase())
}

function parseModuleInit(v) {
  const s = String(v).trim().toLowerCase()
  if (s === 'startup' || s === 'test') return s
  throw new Error(`expected "startup" or "test", got ${JSON.stringify(v)}`)
}

function parseBool(v) {
  if (typeof v === 'boolean') return v
  const s = String(v).trim().toLowerCase()
  if (['1', 'true', 'yes', 'on'].includes(s)) return true
  if (['0', 'false', 'no', 'off', ''].includes(s)) return false
  throw new Error(`expected a boolean (1/0/true/false), got ${JSON.stringify(v)}`)
}

function parseList(v) {
  if (Array.isArray(v)) return v.map(String)
  return String(v)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
}

function parseHostList(v) {
  const hosts = parseList(v).map((h) => h.toLowerCase())
  for (const h of hosts) {
    if (!/^(\*\.)?[a-z0-9_.:[\]-]+$/.test(h) || h.includes('*', 1)) {
      throw new Error(`expected host names or addresses (loopback, self, api.internal, *.svc.local), got ${JSON.stringify(h)}`)
    }
  }
  return hosts
}

function lowerCase(v) {
  return String(v).toLowerCase()
}

function readConfigFile(env, cwd) {
  const explicit = env.COV_ALS_CONFIG
  const file = path.resolve(cwd, explicit || 'cov-als.config.json')
  if (!fs.existsSync(file)) {
    if (explicit) throw new Error(`cov-als-native: COV_ALS_CONFIG names ${file}, which does not exist`)
    return { file: null, values: {} }
  }
  let values
  try {
    values = JSON.parse(fs.readFileSync(file, 'utf8'))
  } catch (err) {
    throw new Error(`cov-als-native: cannot read config file ${file}: ${err.message}`)
  }
  if (!values || typeof values !== 'object' || Array.isArray(values)) {
    throw new Error(`cov-als-native: config file ${file} must hold a JSON object`)
  }
  for (const key of Object.keys(values)) {
    if (!(key in OPTIONS)) throw new Error(`cov-als-native: unknown option "${key}" in ${file}; known: ${Object.keys(OPTIONS).join(', ')}`)
  }
  return { file, values }
}

/** Resolve the configuration from `env` (process.env) and the config file. */
function load(env = process.env, cwd = process.cwd()) {
  const { file, values } = readConfigFile(env, cwd)
  const config = { configFile: file }
  for (const [name, [envVar, fallback, parse]] of Object.entries(OPTIONS)) {
    let raw = typeof fallback === 'function' ? fallback(cwd) : fallback
    let from = 'default'
    if (name in values) [raw, from] = [values[name], file]
    if (env[envVar] !== undefined) [raw, from] = [env[envVar], envVar]
    try {
      config[name] = parse(raw, cwd)
    } catch (err) {
      throw new Error(`cov-als-native: option ${name} (from ${from}): ${err.message}`)
    }
  }
  // Setting an output directory through the environment also turns coverage on.
  if (env.COV_ALS === undefined && env.COV_ALS_OUT_DIR !== undefined && !('enabled' in values)) config.enabled = true
  // Node names modules by their real path: a root given through a symlink
  // must be compared in that form too.
  config.root = path.resolve(cwd, config.root)
  try {
    config.root = fs.realpathSync(config.root)
  } catch {
    // A root that does not exist (yet) is kept as given.
  }
  config.outDir = path.resolve(config.root, config.outDir)
  config.sourceMapDirs = config.sourceMapDirs.map((d) => path.resolve(config.root, d))
  return config
}

/**
 * Whether this process is a build tool that inherited the preload through
 * NODE_OPTIONS (`next build` and its workers, webpack, tsc, esbuild, ...):
 * those must not be instrumented.
 */
function isBuildTool(argv = process.argv, env = process.env) {
  if (env.NEXT_PHASE === 'phase-production-build') return true
  const script = path.basename(argv[1] || '')
  const args = argv.slice(2)
  if (/^(next|vite|nuxt|astro|remix|react-router)(\.c?js|\.mjs)?$/.test(script)) return args.includes('build')
  return /^(webpack|webpack-cli|tsc|esbuild|rollup|rolldown|turbo|swc)(\.c?js|\.mjs)?$/.test(script)
}

module.exports = { load, isBuildTool, clientCoverageOn, CLIENT_ENV, OPTIONS }
