#!/usr/bin/env node
'use strict'
// Builds the Next.js example, uninstrumented (NODE_OPTIONS cleared, no
// COV_ALS* variables). The suite itself is a stock `npx playwright test`
// (playwright.config.js: webServer with the preload, global setup, reporter).
//
// Usage: node examples/next-rsc/run.js [--webpack] [--standalone] [--dist-dir D]
//   --webpack     build with webpack into .next-webpack (default: Turbopack, .next)
//   --standalone  also the `output: 'standalone'` server (as NEXT_OUTPUT=standalone),
//                 with <D>/static copied into it for the browser
//   --dist-dir D  Next's build directory, one of .next, .next-webpack (the
//                 defaults), .next-test, .next-test-webpack (__test__ uses
//                 these, so the tests and the demo do not share a build)
// (--build-only is accepted and changes nothing: building is all it does.)
// Then: NEXT_BUILDER=webpack|turbopack [NEXT_STANDALONE=1] npx playwright test -c examples/next-rsc/playwright.config.js

const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const APP = __dirname
const NEXT_BIN = path.join(APP, '../../node_modules/next/dist/bin/next')
// .next-standalone*: the `output: 'standalone'` builds of bench/standalone.js.
const DIST_DIRS = ['.next', '.next-webpack', '.next-test', '.next-test-webpack', '.next-standalone', '.next-standalone-webpack']

function parseArgs(argv) {
  const opts = { builder: 'turbopack', distDir: null, standalone: false }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--webpack') opts.builder = 'webpack'
    else if (a === '--turbopack') opts.builder = 'turbopack'
    else if (a === '--standalone') opts.standalone = true
    else if (a === '--build-only') continue
    else if (a === '--dist-dir') opts.distDir = argv[++i]
    else if (a === '-h' || a === '--help') {
      console.log(
        fs
          .readFileSync(__filename, 'utf8')
          .split('\n')
          .slice(2, 16)
          .map((l) => l.replace(/^\/\/ ?/, ''))
          .join('\n'),
      )
      process.exit(0)
    } else throw new Error(`unknown argument ${a} (see --help)`)
  }
  opts.distDir = opts.distDir || (opts.builder === 'webpack' ? '.next-webpack' : '.next')
  // tsconfig.json lists the types of exactly these (else next build edits it).
  if (!DIST_DIRS.includes(opts.distDir)) throw new Error(`--dist-dir must be one of ${DIST_DIRS.join(', ')}`)
  return opts
}

function main() {
  const opts = parseArgs(process.argv.slice(2))
  const env = { ...process.env, NODE_OPTIONS: '', NEXT_TELEMETRY_DISABLED: '1', NEXT_DIST_DIR: opts.distDir }
  for (const k of Object.keys(env)) if (k.startsWith('COV_ALS')) delete env[k]
  if (env.NEXT_OUTPUT === 'standalone') opts.standalone = true
  if (opts.standalone) env.NEXT_OUTPUT = 'standalone'
  console.log(
    `next-rsc: next build${opts.builder === 'webpack' ? ' --webpack' : ''} into ${opts.distDir}${opts.standalone ? ' (+ standalone)' : ''} (no preload)`,
  )
  const t0 = Date.now()
  const run = spawnSync(process.execPath, [NEXT_BIN, 'build', ...(opts.builder === 'webpack' ? ['--webpack'] : [])], { cwd: APP, env, stdio: 'inherit' })
  if (run.status !== 0) throw new Error(`next build failed (${run.error ? run.error.message : `exit ${run.status}`})`)
  if (opts.standalone) copyStatic(opts.distDir)
  console.log(`next-rsc: built in ${Date.now() - t0} ms`)
}

/**
 * The standalone server serves neither <dist>/static (client JS and CSS) nor
 * public/ unless they are copied in, as Next's docs ask for Docker images:
 * without them pages render but never hydrate.
 */
function copyStatic(distDir) {
  const server = standaloneServer(distDir)
  const dest = path.dirname(server)
  fs.cpSync(path.join(APP, distDir, 'static'), path.join(dest, distDir, 'static'), { recursive: true })
  if (fs.existsSync(path.join(APP, 'public'))) fs.cpSync(path.join(APP, 'public'), path.join(dest, 'public'), { recursive: true })
  console.log(`next-rsc: standalone server ${path.relative(APP, server)} (static copied in)`)
}

/** `<dist>/standalone/<app relative to the tracing root>/server.js` (the tracing root is the repo, where the lockfile is). */
function standaloneServer(distDir) {
  const top = path.join(APP, distDir, 'standalone')
  for (const candidate of [path.join(top, path.relative(path.join(APP, '../..'), APP), 'server.js'), path.join(top, 'server.js')]) {
    if (fs.existsSync(candidate)) return candidate
  }
  throw new Error(`no standalone server.js under ${top}`)
}

module.exports = { standaloneServer }

if (require.main === module) {
  try {
    main()
  } catch (err) {
    console.error(`next-rsc: ${err.message}`)
    process.exitCode = 1
  }
}
