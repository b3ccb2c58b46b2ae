'use strict'
// The Next example (examples/next-rsc) built with `output: 'standalone'`,
// served by `next start` or by the standalone server.js, with the preload.
// Used by bench/standalone.js (the tests build through examples/next-rsc/run.js --standalone).

const { spawn, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const http = require('node:http')
const { freePort } = require('./server')
const path = require('node:path')

const REPO = path.resolve(__dirname, '../..')
const APP = path.join(REPO, 'examples/next-rsc')
const NEXT_BIN = path.join(REPO, 'node_modules/next/dist/bin/next')
const REGISTER = path.join(REPO, 'register.js')
// Dist dirs of standalone builds (listed in examples/next-rsc/run.js and tsconfig.json).
const DIST_DIR = { turbopack: '.next-standalone', webpack: '.next-standalone-webpack' }

/** Environment of a child: no inherited preload, coverage settings, or telemetry. */
function childEnv(extra) {
  const env = { ...process.env, NODE_OPTIONS: '', NEXT_TELEMETRY_DISABLED: '1' }
  for (const k of Object.keys(env)) if (k.startsWith('COV_ALS')) delete env[k]
  return { ...env, ...extra }
}

/** `next build` with `output: 'standalone'` (no preload). Throws on failure. */
function buildStandalone(builder) {
  const distDir = DIST_DIR[builder]
  const args = [NEXT_BIN, 'build', ...(builder === 'webpack' ? ['--webpack'] : [])]
  const r = spawnSync(process.execPath, args, {
    cwd: APP,
    env: childEnv({ NEXT_DIST_DIR: distDir, NEXT_OUTPUT: 'standalone' }),
    encoding: 'utf8',
    // Generous: on a loaded 2-core machine a webpack build alone takes minutes.
    timeout: 900000,
  })
  if (r.status !== 0) throw new Error(`next build (${builder}) failed: ${r.status}\n${r.stdout}\n${r.stderr}`)
  return distDir
}

/** The standalone server.js of a build: `<dist>/standalone/<app relative to the tracing root>/server.js`. */
function standaloneServer(distDir) {
  const top = path.join(APP, distDir, 'standalone')
  const nested = path.join(top, path.relative(REPO, APP), 'server.js')
  if (fs.existsSync(nested)) return nested
  if (fs.existsSync(path.join(top, 'server.js'))) return path.join(top, 'server.js')
  throw new Error(`no standalone server.js under ${top}`)
}

function send(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c) => (text += c))
      res.on('end', () => resolve({ status: res.statusCode, body: text }))
    })
    req.on('error', reject)
    req.setTimeout(30000, () => req.destroy(new Error(`timeout: ${method} ${url}`)))
    req.end(body)
  })
}

/**
 * Start the app: `mode` 'start' (`next start`) or 'standalone' (`node
 * server.js`), with the preload unless `preload: false`. Resolves once the
 * server answers `readyPath` (the preload's control route by default).
 */
async function startApp({ mode, distDir, preload = true, env = {}, readyPath = preload ? '/__cov/tests' : '/about' }) {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const pre = preload ? ['--require', REGISTER] : []
  const [args, cwd] =
    mode === 'standalone'
      ? [[...pre, standaloneServer(distDir)], path.dirname(standaloneServer(distDir))]
      : [[...pre, NEXT_BIN, 'start', '-p', String(port), '-H', '127.0.0.1'], APP]
  const started = process.hrtime.bigint()
  const child = spawn(process.execPath, args, {
    cwd,
    env: childEnv({ NEXT_DIST_DIR: distDir, NEXT_OUTPUT: 'standalone', PORT: String(port), HOSTNAME: '127.0.0.1', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (d) => (output += d))
  child.stderr.on('data', (d) => (output += d))
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal || code)))
  const deadline = Date.now() + 60000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${mode} server exited with ${child.exitCode}:\n${output}`)
    try {
      const res = await send(url + readyPath)
      if (res.status !== 200) throw new Error(`GET ${readyPath} answered ${res.status}: ${res.body.slice(0, 300)}`)
      break
    } catch (err) {
      if (err.code !== 'ECONNREFUSED' || Date.now() > deadline) {
        child.kill('SIGKILL')
        throw new Error(`${mode} server did not come up at ${url}: ${err.message}\n${output}`)
      }
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  const readyMs = Number(process.hrtime.bigint() - started) / 1e6
  return {
    url,
    readyMs,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), 15000)
        await exited
        clearTimeout(timer)
      }
    },
  }
}

/** The server action `exportedName` as a POST request (React's encodeReply of plain JSON args). */
function actionRequest(distDir, page, exportedName, args) {
  const manifest = JSON.parse(fs.readFileSync(path.join(APP, distDir, 'server/server-reference-manifest.json'), 'utf8'))
  const id = Object.keys(manifest.node).find((k) => manifest.node[k].exportedName === exportedName)
  if (!id) throw new Error(`no server action ${exportedName} in ${distDir}'s server reference manifest`)
  return {
    path: page,
    method: 'POST',
    headers: { 'next-action': id, accept: 'text/x-component', 'content-type': 'text/plain;charset=UTF-8' },
    body: JSON.stringify(args),
  }
}

// Issue 22's measure: 12 tests of two page or route requests each, over every
// dynamic kind of route (pages with params, search params, notFound(), a
// streamed <Suspense>, a route handler, a page with a client component).
const PAIRS = [
  ['/', '/products/shoes'],
  ['/?sort=price', '/api/stock/shoes'],
  ['/products/hat', '/search?q=so'],
  ['/products/nope', '/cart'],
  ['/api/stock/nope', '/search?q='],
  ['/about', '/products/socks'],
]
const CONCURRENT_TESTS = Array.from({ length: 12 }, (_, i) => ({ id: `test ${i}: ${PAIRS[i % PAIRS.length].join(' + ')}`, requests: PAIRS[i % PAIRS.length] }))
const WARM_UP = [...new Set(PAIRS.flat())]

module.exports = { APP, REPO, DIST_DIR, buildStandalone, standaloneServer, startApp, send, actionRequest, CONCURRENT_TESTS, WARM_UP }
