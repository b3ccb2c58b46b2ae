'use strict'
// Next.js middleware runs in Next's edge sandbox: its chunks are evaluated
// with vm.runInContext, which no module hook sees, and the maps Turbopack
// writes for them name the sources two folders short. A field trial (a
// Next 16 app with a login middleware, docs/field-trials.md) found
// middleware.ts in no report at all. Here a real Next app with a login gate
// in middleware.ts, under `next start` and `next dev`: each test's report
// has the middleware with the branch its request took, and no location of a
// route handler lies past the end of its line.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { spawn, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { freePort } = require('./support/server')
const { readTestCoverage } = require('../lib/store')

const REPO = path.resolve(__dirname, '..')
const APP = path.join(__dirname, 'fixtures/next-middleware')
const NEXT_BIN = path.join(REPO, 'node_modules/next/dist/bin/next')
const MIDDLEWARE = path.join(APP, 'middleware.ts')

function childEnv(extra) {
  const env = { ...process.env, NODE_OPTIONS: '', NEXT_TELEMETRY_DISABLED: '1' }
  for (const k of Object.keys(env)) if (k.startsWith('COV_ALS')) delete env[k]
  return { ...env, ...extra }
}

let tmp
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-next-middleware-'))
})
after(() => fs.rmSync(tmp, { recursive: true, force: true }))

async function startServer(command, distDir, outDir) {
  const port = await freePort()
  const child = spawn(process.execPath, ['--require', path.join(REPO, 'register.js'), NEXT_BIN, command, '-p', String(port), '-H', '127.0.0.1'], {
    cwd: APP,
    env: childEnv({ NEXT_DIST_DIR: distDir, COV_ALS: '1', COV_ALS_OUT_DIR: outDir }),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (d) => (output += d))
  child.stderr.on('data', (d) => (output += d))
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 120000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next ${command} exited with ${child.exitCode}:\n${output}`)
    const res = await fetch(`${url}/__cov/tests`).catch(() => null)
    if (res && res.status === 200) break
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`next ${command} did not come up:\n${output}`)
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  return {
    url,
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', resolve)
        child.kill('SIGTERM')
      }),
  }
}

// /private as test `testId`, signed in or not; then that test's flush.
async function privatePage(server, testId, signedIn) {
  const headers = { 'x-cov-test-id': testId, ...(signedIn && { cookie: 'session=ok' }) }
  const res = await fetch(`${server.url}/private`, { headers, redirect: 'manual', signal: AbortSignal.timeout(120000) })
  await res.arrayBuffer()
  const flushed = await fetch(`${server.url}/__cov/flush`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ testId }),
  })
  assert.equal(flushed.status, 200)
  return res.status
}

// The arms of the middleware's gate ([redirect, pass]; an `if`, or the
// conditional a production build makes of it, inlining signedIn()) and
// whether the middleware function ran.
function middlewareOf(outDir, testId) {
  const fc = readTestCoverage(outDir, testId, { part: 'server' })?.[MIDDLEWARE]
  assert.ok(fc, `middleware.ts is in the report of "${testId}"`)
  const gate = Object.keys(fc.branchMap).find((k) => fc.branchMap[k].loc.start.line === 9)
  assert.ok(gate !== undefined, `the gate's if: ${JSON.stringify(fc.branchMap)}`)
  const ran = Object.keys(fc.fnMap).some((k) => fc.fnMap[k].loc.start.line === 8 && fc.f[k] === 1)
  return { ran, gate: fc.b[gate] }
}

// Every location of every file lies on its lines: Turbopack's import bindings
// and export registrations have no segment of their own and used to map past
// the end of the line they follow (11:134-11:219 on a 34-character line).
function checkLocations(coverage) {
  const route = path.join(APP, 'app/api/hello/route.ts')
  assert.ok(coverage && coverage[route], 'the route handler is in the report')
  assert.equal(coverage[route].f[Object.keys(coverage[route].fnMap).find((k) => coverage[route].fnMap[k].loc.start.line === 3)], 1, 'GET ran')
  const outside = []
  for (const [file, fc] of Object.entries(coverage)) {
    const lines = fs.readFileSync(file, 'utf8').split('\n')
    const check = (what, loc) => {
      if (!loc || loc.start.line === undefined) return
      if (loc.start.column >= lines[loc.start.line - 1].length || loc.end.column > lines[loc.end.line - 1].length)
        outside.push(`${path.relative(APP, file)} ${what} ${loc.start.line}:${loc.start.column}-${loc.end.line}:${loc.end.column}`)
    }
    for (const [k, loc] of Object.entries(fc.statementMap)) check(`statement ${k}`, loc)
    for (const [k, b] of Object.entries(fc.branchMap)) b.locations.forEach((loc, i) => check(`branch ${k}.${i}`, loc))
  }
  assert.deepEqual(outside, [])
}

async function checkGate(command, distDir) {
  const outDir = path.join(tmp, command)
  const server = await startServer(command, distDir, outDir)
  try {
    assert.equal(await privatePage(server, `${command} signed out`, false), 307, 'the gate redirects')
    assert.equal(await privatePage(server, `${command} signed in`, true), 200, 'the gate lets a session through')
    const hello = await fetch(`${server.url}/api/hello?name=x`, { headers: { 'x-cov-test-id': `${command} route` }, signal: AbortSignal.timeout(120000) })
    assert.deepEqual(await hello.json(), { text: 'hello x' })
    await fetch(`${server.url}/__cov/flush`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ testId: `${command} route` }),
    })
  } finally {
    await server.stop()
  }
  assert.deepEqual(middlewareOf(outDir, `${command} signed out`), { ran: true, gate: [1, 0] }, server.output())
  checkLocations(readTestCoverage(outDir, `${command} route`, { part: 'server' }))
  assert.deepEqual(middlewareOf(outDir, `${command} signed in`), { ran: true, gate: [0, 1] }, server.output())
}

test('next start: middleware.ts counts for the test whose request ran it', async () => {
  const build = spawnSync(process.execPath, [NEXT_BIN, 'build'], {
    cwd: APP,
    env: childEnv({ NEXT_DIST_DIR: '.next-test' }),
    encoding: 'utf8',
    timeout: 600000,
  })
  assert.equal(build.status, 0, `next build failed:\n${build.stdout}\n${build.stderr}`)
  await checkGate('start', '.next-test')
})

test('next dev: middleware.ts counts for the test whose request ran it', async () => {
  await checkGate('dev', '.next-dev-test')
})
