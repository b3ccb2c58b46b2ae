#!/usr/bin/env node
'use strict'
// `npm run demo`: per-test server-side coverage of a Next.js App Router app.
//   1. `next build` (Turbopack; `--webpack` for webpack), without the preload;
//   2. `next start` on 127.0.0.1 with the preload in that process only;
//   3. warm-up: every route and one server action once, without a test id
//      (module initialisation goes to the "startup" bucket, not to the first
//      test that happens to need a module);
//   4. the Playwright suite (4 workers, desktop + mobile) in headless Chromium,
//      each test flushing its own report;
//   5. SIGTERM to the server (it writes the startup bucket), then
//      `cov-als report`: per-test and merged html/lcov, and the summary table.
//
// Usage: node examples/next-rsc/run.js [--webpack] [--no-build | --build-only] [--out DIR] [--dist-dir D]
//   --webpack     build with webpack into .next-webpack (default: Turbopack, .next)
//   --no-build    reuse the existing build
//   --build-only  build, and stop there
//   --out DIR     output directory (default: coverage/next-rsc/<builder>)
//   --dist-dir D  Next's build directory, one of .next, .next-webpack (the
//                 defaults), .next-test, .next-test-webpack (__test__ uses
//                 these, so the tests and the demo do not share a build)
// Exit code 0 only if the build, the server, the suite and the report all pass.

const { spawn } = require('node:child_process')
const fs = require('node:fs')
const http = require('node:http')
const net = require('node:net')
const path = require('node:path')

const APP = __dirname
const REPO = path.resolve(APP, '../..')
const NEXT_BIN = path.join(REPO, 'node_modules/next/dist/bin/next')
const PLAYWRIGHT_CLI = path.join(REPO, 'node_modules/@playwright/test/cli.js')
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
// .next-standalone*: the `output: 'standalone'` builds of __test__/standalone.test.js.
const DIST_DIRS = ['.next', '.next-webpack', '.next-test', '.next-test-webpack', '.next-standalone', '.next-standalone-webpack']

// Every route of the app, requested once without a test id before the suite,
// and a server action called once (the first action loads the actions
// loader module): module initialisation is then charged to "startup".
const WARM_UP = [
  '/',
  '/?sort=price',
  '/products/shoes',
  '/products/socks',
  '/products/unicorn',
  '/search',
  '/search?q=ha',
  '/cart',
  '/about',
  '/api/stock/shoes',
  '/api/stock/unicorn',
]
const WARM_UP_ACTIONS = [{ page: '/cart', exportedName: 'getQuote', args: ['socks', 1] }]

function parseArgs(argv) {
  const opts = { builder: 'turbopack', build: true, buildOnly: false, out: null, distDir: null }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--webpack') opts.builder = 'webpack'
    else if (a === '--turbopack') opts.builder = 'turbopack'
    else if (a === '--no-build') opts.build = false
    else if (a === '--build-only') opts.buildOnly = true
    else if (a === '--out') opts.out = path.resolve(argv[++i])
    else if (a === '--dist-dir') opts.distDir = argv[++i]
    else if (a === '-h' || a === '--help') {
      console.log(
        fs
          .readFileSync(__filename, 'utf8')
          .split('\n')
          .slice(2, 22)
          .map((l) => l.replace(/^\/\/ ?/, ''))
          .join('\n'),
      )
      process.exit(0)
    } else throw new Error(`unknown argument ${a} (see --help)`)
  }
  if (opts.buildOnly && !opts.build) throw new Error('--build-only and --no-build exclude each other')
  opts.distDir = opts.distDir || (opts.builder === 'webpack' ? '.next-webpack' : '.next')
  // tsconfig.json lists the types of exactly these (else next build edits it).
  if (!DIST_DIRS.includes(opts.distDir)) throw new Error(`--dist-dir must be one of ${DIST_DIRS.join(', ')}`)
  opts.out = opts.out || path.join(REPO, 'coverage/next-rsc', opts.builder)
  return opts
}

function log(message) {
  console.log(`next-rsc: ${message}`)
}

/** Environment of every child: no inherited preload, no telemetry (no network). */
function childEnv(extra) {
  const env = { ...process.env, NODE_OPTIONS: '', NEXT_TELEMETRY_DISABLED: '1', ...extra }
  for (const k of Object.keys(env)) if (k.startsWith('COV_ALS') && !(k in extra)) delete env[k]
  return env
}

function run(cmd, args, options) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: 'inherit', ...options })
    child.on('error', reject)
    child.on('exit', (code, signal) => resolve(signal ? 128 : code))
  })
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

function get(url, headers = {}) {
  return send('GET', url, headers)
}

function send(method, url, headers = {}, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode, body }))
    })
    req.on('error', reject)
    req.setTimeout(30000, () => req.destroy(new Error(`timeout: ${method} ${url}`)))
    req.end(body)
  })
}

/** `next start` with the preload, in this process only. Resolves once the control route answers. */
async function startServer({ distDir, testsDir }) {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const child = spawn(process.execPath, ['--require', path.join(REPO, 'register.js'), NEXT_BIN, 'start', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: APP,
    env: childEnv({ COV_ALS: '1', COV_ALS_OUT_DIR: testsDir, COV_ALS_ROOT: APP, NEXT_DIST_DIR: distDir }),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const keep = (d) => {
    output += d
    if (process.env.NEXT_RSC_VERBOSE) process.stderr.write(d)
  }
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal || code)))
  const deadline = Date.now() + 60000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited with ${child.exitCode}:\n${output}`)
    try {
      // Answered by the preload, not by Next: proves coverage is on.
      const res = await get(`${url}/__cov/tests`)
      if (res.status === 200 && /"tests"/.test(res.body)) break
      throw new Error(`GET /__cov/tests answered ${res.status} ${res.body.slice(0, 200)} (is the preload on?)`)
    } catch (err) {
      if (err.code !== 'ECONNREFUSED' || Date.now() > deadline) {
        child.kill('SIGKILL')
        throw new Error(`next start did not come up at ${url}: ${err.message}\n${output}`)
      }
      await new Promise((r) => setTimeout(r, 200))
    }
  }
  return {
    url,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode
      // SIGTERM: the preload writes whatever is unflushed (the startup bucket).
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 15000)
      const result = await exited
      clearTimeout(timer)
      return result
    },
  }
}

/** `next build` (no preload: NODE_OPTIONS is cleared, COV_ALS* variables are dropped). */
function build({ builder, distDir }) {
  log(`next build${builder === 'webpack' ? ' --webpack' : ''} into ${distDir} (no preload)`)
  return run(process.execPath, [NEXT_BIN, 'build', ...(builder === 'webpack' ? ['--webpack'] : [])], { cwd: APP, env: childEnv({ NEXT_DIST_DIR: distDir }) })
}

async function warmUp(url, distDir) {
  for (const route of WARM_UP) {
    const res = await get(url + route)
    if (res.status >= 500) throw new Error(`warm-up: GET ${route} answered ${res.status}`)
  }
  // A server action is a POST to its page with its id in `Next-Action` and
  // its arguments as JSON (what React's encodeReply sends for plain values).
  const manifest = JSON.parse(fs.readFileSync(path.join(APP, distDir, 'server/server-reference-manifest.json'), 'utf8'))
  for (const { page, exportedName, args } of WARM_UP_ACTIONS) {
    const id = Object.keys(manifest.node).find((k) => manifest.node[k].exportedName === exportedName)
    if (!id) throw new Error(`warm-up: no server action ${exportedName} in the server reference manifest`)
    const res = await send(
      'POST',
      url + page,
      { 'next-action': id, accept: 'text/x-component', 'content-type': 'text/plain;charset=UTF-8' },
      JSON.stringify(args),
    )
    if (res.status !== 200) throw new Error(`warm-up: server action ${exportedName} answered ${res.status}`)
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2))
  if (opts.buildOnly) {
    const code = await build(opts)
    if (code !== 0) throw new Error(`next build failed (exit ${code})`)
    return
  }
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's (apt-get install chromium) or set CHROMIUM_PATH`)
  if (!fs.readdirSync(REPO).some((f) => f.endsWith('.node'))) throw new Error('the native addon is not built: run `npm install` (or `npm run build`) first')
  // The output directory is emptied first: never the app, the repo or above.
  if (!path.relative(opts.out, APP).startsWith('..')) throw new Error(`--out ${opts.out} contains the app; choose an output directory of its own`)
  const testsDir = path.join(opts.out, 'tests')
  const reportDir = path.join(opts.out, 'report')
  fs.rmSync(opts.out, { recursive: true, force: true })
  fs.mkdirSync(testsDir, { recursive: true })
  const times = {}

  if (opts.build) {
    const t0 = Date.now()
    const code = await build(opts)
    times.build = Date.now() - t0
    if (code !== 0) throw new Error(`next build failed (exit ${code})`)
  } else if (!fs.existsSync(path.join(APP, opts.distDir, 'BUILD_ID'))) {
    throw new Error(`--no-build: there is no build in ${path.join(APP, opts.distDir)}`)
  }

  let t0 = Date.now()
  const server = await startServer({ distDir: opts.distDir, testsDir })
  times.start = Date.now() - t0
  let suiteCode
  try {
    log(`next start (${opts.builder} build) with coverage on at ${server.url}`)
    t0 = Date.now()
    await warmUp(server.url, opts.distDir)
    times.warmUp = Date.now() - t0
    log(`warmed up ${WARM_UP.length} routes and ${WARM_UP_ACTIONS.length} server action without a test id in ${times.warmUp} ms (counted as "startup")`)
    log('running the Playwright suite (4 workers, desktop + mobile)')
    t0 = Date.now()
    suiteCode = await run(process.execPath, [PLAYWRIGHT_CLI, 'test', '-c', path.join(APP, 'playwright.config.js')], {
      cwd: APP,
      env: childEnv({ SERVER_URL: server.url }),
    })
    times.suite = Date.now() - t0
  } finally {
    const stopped = await server.stop()
    // Next exits with 143 on SIGTERM, after the preload wrote its files.
    if (![0, 143, 'SIGTERM'].includes(stopped)) console.error(`next-rsc: next start ended with ${stopped}:\n${server.output()}`)
  }
  if (suiteCode !== 0) throw new Error(`the Playwright suite failed (exit ${suiteCode})`)

  const reportCode = await run(
    process.execPath,
    [path.join(REPO, 'bin/cov-als.js'), 'report', testsDir, '--out', reportDir, '--reporters', 'html,lcovonly,json-summary'],
    { cwd: REPO },
  )
  if (reportCode !== 0) throw new Error(`cov-als report failed (exit ${reportCode})`)
  const rel = (p) => path.relative(process.cwd(), p) || '.'
  log(`per-test coverage files in ${rel(testsDir)}/`)
  log(`merged HTML report at ${rel(path.join(reportDir, 'merged/index.html'))}`)
  log(
    `times (ms): ${Object.entries(times)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  )
  fs.writeFileSync(path.join(opts.out, 'times.json'), JSON.stringify({ builder: opts.builder, ...times }, null, 2) + '\n')
}

main().catch((err) => {
  console.error(`next-rsc: ${err.message}`)
  process.exitCode = 1
})
