'use strict'
// The preload against real servers (raw http, Express, Fastify) hit by
// concurrent tests: per-test attribution, ESM, source-mapped TypeScript,
// fail-open, control-request rules, and that nothing happens when off.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { readTestCoverage, listTests, storePath } = require('../lib/store')
const http = require('node:http')
const ts = require('typescript')
const { startServer, request, flush } = require('./support/server')
const { lineHits, fnHits, entryFor } = require('./support/coverage')

const FIXTURE = path.join(__dirname, 'fixtures/apps')
let root

// A private copy of the fixture app, with the TypeScript file compiled the
// way a build would: to ts-out/ with a source map next to it.
before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-apps-'))
  fs.cpSync(FIXTURE, root, { recursive: true })
  const src = fs.readFileSync(path.join(root, 'ts/greet.ts'), 'utf8')
  const out = ts.transpileModule(src, {
    fileName: 'greet.ts',
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, sourceMap: true },
  })
  fs.mkdirSync(path.join(root, 'ts-out'))
  const map = JSON.parse(out.sourceMapText)
  map.sources = ['../ts/greet.ts']
  fs.writeFileSync(path.join(root, 'ts-out/greet.js'), out.outputText.replace(/\/\/# sourceMappingURL=.*$/m, '//# sourceMappingURL=greet.js.map'))
  fs.writeFileSync(path.join(root, 'ts-out/greet.js.map'), JSON.stringify(map))
})

after(() => fs.rmSync(root, { recursive: true, force: true }))

// What test `i` sends: three quotes whose kinds and sizes differ per test.
function plan(i) {
  return [0, 1, 2].map((k) => ({ kind: (i + k) % 3 === 0 ? 'bulk' : 'retail', qty: ((i * 7 + k * 5) % 20) + 1 }))
}

function expected(requests) {
  return {
    quote: requests.length,
    bulk: requests.filter((r) => r.kind === 'bulk').length,
    retail: requests.filter((r) => r.kind !== 'bulk').length,
    discount: requests.filter((r) => r.qty > 10).length,
  }
}

function assertPricing(pricing, want, who) {
  assert.ok(pricing, `${who}: pricing.js in the report`)
  assert.equal(fnHits(pricing, 'quote'), want.quote, `${who}: quote() calls`)
  assert.equal(fnHits(pricing, 'discount'), want.discount, `${who}: discount() calls`)
  assert.equal(lineHits(pricing, 9), want.bulk, `${who}: bulk line`)
  assert.equal(lineHits(pricing, 11), want.retail, `${who}: retail line`)
}

test('raw http server: concurrent tests over shared keep-alive sockets get exact per-test reports', async () => {
  const outDir = path.join(root, 'out-raw')
  const server = await startServer('raw-http.js', { root, env: { COV_ALS: '1', COV_ALS_OUT_DIR: outDir } })
  // Few sockets, many tests: every socket carries requests of several tests.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 3 })
  try {
    const ids = Array.from({ length: 12 }, (_, i) => `raw test ${i} / "quoted" ✓`)
    await Promise.all(
      ids.map(async (id, i) => {
        for (const q of plan(i)) {
          const r = await request(server.port, { path: `/quote?kind=${q.kind}&qty=${q.qty}`, headers: { 'x-cov-test-id': encodeURIComponent(id) }, agent })
          assert.equal(r.status, 200)
        }
      }),
    )
    const listed = await request(server.port, { path: '/__cov/tests', agent })
    for (const id of ids) assert.ok(listed.json.tests.includes(id), `GET /__cov/tests lists ${id}`)

    for (const [i, id] of ids.entries()) {
      const res = await flush(server.port, id, agent)
      assert.equal(res.testId, id)
      const want = expected(plan(i))
      assertPricing(entryFor(res.coverage, 'shared/pricing.js'), want, id)
      // The ES module came through the ESM load hook.
      const format = entryFor(res.coverage, 'shared/format.mjs')
      assert.ok(format, 'format.mjs instrumented')
      assert.equal(fnHits(format, 'label'), 3)
      // Module initialisation ran at startup, not in any test.
      assert.equal(lineHits(entryFor(res.coverage, 'shared/pricing.js'), 21), 0)
      // And the run store says the same.
      assert.equal(res.file, storePath(outDir))
      assertPricing(entryFor(readTestCoverage(outDir, id), 'shared/pricing.js'), want, `${id} in the store`)
    }
    // Flushed means reset: a second flush of the same id reports nothing new.
    const again = await flush(server.port, ids[0], agent)
    assert.equal(fnHits(entryFor(again.coverage, 'shared/pricing.js'), 'quote'), 0)

    const startup = await flush(server.port, 'startup', agent)
    assert.equal(lineHits(entryFor(startup.coverage, 'shared/pricing.js'), 21), 1, 'module init counted at startup')
    assert.equal(fnHits(entryFor(startup.coverage, 'shared/pricing.js'), 'quote'), 0)
  } finally {
    agent.destroy()
    await server.stop()
  }
})

test('raw http server: TypeScript is reported by its source map, an unparseable file loads as is', async () => {
  const server = await startServer('raw-http.js', { root, env: { COV_ALS: '1', COV_ALS_OUT_DIR: path.join(root, 'out-ts') } })
  try {
    const vip = await request(server.port, { path: '/greet?name=Ada&vip=1', headers: { 'x-cov-test-id': 'ts-vip' } })
    assert.equal(vip.body, 'Welcome back, Ada!')
    const res = await flush(server.port, 'ts-vip')
    const keys = Object.keys(res.coverage)
    const greet = entryFor(res.coverage, path.join('ts', 'greet.ts'))
    assert.ok(greet, `greet.ts reported; got ${keys.join(', ')}`)
    assert.ok(!keys.some((k) => k.endsWith('greet.js')), 'the compiled file is not reported')
    assert.equal(greet.path, path.join(root, 'ts/greet.ts'))
    assert.equal(fnHits(greet, 'greet'), 1)
    assert.equal(lineHits(greet, 9), 1, 'the vip branch (line 9 of greet.ts)')
    assert.equal(lineHits(greet, 11), 0, 'the other return (line 11 of greet.ts)')

    // Fail open: the file V8 accepts but we cannot parse loaded uninstrumented,
    // with exactly one warning naming it.
    assert.ok(!keys.some((k) => k.endsWith('odd-but-valid.js')))
    const warnings = server
      .stderr()
      .split('\n')
      .filter((l) => l.includes('odd-but-valid.js'))
    assert.equal(warnings.length, 1, server.stderr())
    assert.match(warnings[0], /uninstrumented/)
  } finally {
    await server.stop()
  }
})

for (const [name, script] of [
  ['Express', 'express-app.js'],
  ['Fastify', 'fastify-app.js'],
]) {
  test(`${name} server: request bodies parsed from stream events stay in the test's context`, async () => {
    const server = await startServer(script, { root, env: { COV_ALS: '1', COV_ALS_OUT_DIR: path.join(root, `out-${script}`) } })
    try {
      const ids = Array.from({ length: 8 }, (_, i) => `${name}-${i}`)
      await Promise.all(
        ids.map(async (id, i) => {
          for (const q of plan(i)) {
            const r = await request(server.port, { method: 'POST', path: '/order', body: q, headers: { 'x-cov-test-id': id } })
            assert.equal(r.status, 200, r.body)
            assert.equal(typeof r.json.total, 'number')
          }
        }),
      )
      for (const [i, id] of ids.entries()) {
        const res = await flush(server.port, id)
        assertPricing(entryFor(res.coverage, 'shared/pricing.js'), expected(plan(i)), id)
      }
      // Requests without a header count as unattributed (startup bucket).
      await request(server.port, { method: 'POST', path: '/order', body: { kind: 'bulk', qty: 1 } })
      const startup = await flush(server.port, 'startup')
      assert.equal(fnHits(entryFor(startup.coverage, 'shared/pricing.js'), 'quote'), 1)
    } finally {
      await server.stop()
    }
  })
}

test('control requests: header flush, token rule, bad bodies, writes on exit', async () => {
  const outDir = path.join(root, 'out-control')
  const server = await startServer('raw-http.js', { root, env: { COV_ALS: '1', COV_ALS_OUT_DIR: outDir, COV_ALS_TOKEN: 'sekret' } })
  try {
    await request(server.port, { path: '/quote?kind=bulk&qty=2', headers: { 'x-cov-test-id': 'ctl' } })
    // With a token configured, even loopback needs it.
    const denied = await request(server.port, { path: '/__cov/tests' })
    assert.equal(denied.status, 403)
    const auth = { 'x-cov-token': 'sekret' }
    const wrong = await request(server.port, { path: '/__cov/tests', headers: { 'x-cov-token': 'sekreT' } })
    assert.equal(wrong.status, 403)
    assert.equal((await request(server.port, { path: '/__cov/tests', headers: auth })).status, 200)
    const bad = await request(server.port, { method: 'POST', path: '/__cov/flush', body: '{not json', headers: auth })
    assert.equal(bad.status, 400)
    const noId = await request(server.port, { method: 'POST', path: '/__cov/flush', body: { testId: 7 }, headers: auth })
    assert.equal(noId.status, 400)
    const unknownRoute = await request(server.port, { path: '/__cov/nope', headers: auth })
    assert.equal(unknownRoute.status, 404)
    // Flush by header; the app never sees the request.
    const byHeader = await request(server.port, { path: '/quote?kind=x&qty=1', headers: { ...auth, 'x-cov-flush': 'ctl' } })
    assert.equal(byHeader.status, 200)
    assert.equal(byHeader.json.testId, 'ctl')
    assert.equal(fnHits(entryFor(byHeader.json.coverage, 'shared/pricing.js'), 'quote'), 1)
    // An unknown id answers an all-zero map rather than an error.
    const unknown = await request(server.port, { path: '/', headers: { ...auth, 'x-cov-flush': 'never-ran' } })
    assert.equal(unknown.status, 200)
    assert.equal(fnHits(entryFor(unknown.json.coverage, 'shared/pricing.js'), 'quote'), 0)
    // Unflushed work is written when the server stops.
    await request(server.port, { path: '/quote?kind=bulk&qty=3', headers: { 'x-cov-test-id': 'left-behind' } })
  } finally {
    await server.stop()
  }
  const leftBehind = readTestCoverage(outDir, 'left-behind')
  assert.ok(leftBehind, `left-behind written on SIGTERM; tests: ${listTests(outDir).join(', ')}`)
  assert.equal(fnHits(entryFor(leftBehind, 'shared/pricing.js'), 'quote'), 1)
})

test('control requests from outside loopback are refused without a token', () => {
  const cov = require('..')
  const { createScope, isLoopback } = require('../lib/server/http')
  const config = require('../lib/config').load({}, root)
  const { scope } = createScope(cov, config)
  for (const a of ['127.0.0.1', '::1', '::ffff:127.0.0.1', '127.10.0.3']) assert.ok(isLoopback(a), a)
  for (const a of ['10.0.0.5', '192.168.1.2', '::ffff:10.0.0.1', '', undefined]) assert.ok(!isLoopback(a), String(a))
  let status = 0
  let body = ''
  let reachedApp = false
  const req = { url: '/__cov/tests', method: 'GET', headers: {}, socket: { remoteAddress: '10.1.2.3' } }
  const res = { writeHead: (s) => (status = s), end: (b) => (body = b) }
  scope(req, res, () => (reachedApp = true))
  assert.equal(status, 403)
  assert.match(body, /loopback only/)
  assert.equal(reachedApp, false)
})

test('coverage off: the preload changes nothing', async () => {
  const outDir = path.join(root, 'out-off')
  const server = await startServer('raw-http.js', { root, env: { COV_ALS: '', COV_ALS_OUT_DIR: '', COV_ALS_CONFIG: '' } })
  try {
    assert.equal((await request(server.port, { path: '/runtime' })).body, 'undefined', 'no runtime global')
    const ctl = await request(server.port, { path: '/__cov/tests' })
    assert.equal(ctl.status, 404, 'control paths reach the app')
    assert.equal(ctl.body, 'no such route')
    const q = await request(server.port, { path: '/quote?kind=bulk&qty=2', headers: { 'x-cov-test-id': 'x', 'x-cov-flush': 'x' } })
    assert.equal(q.status, 200)
    assert.equal(q.json.total, 16)
  } finally {
    await server.stop()
  }
  assert.ok(!fs.existsSync(outDir))
  assert.ok(!fs.existsSync(path.join(root, '.cov-als')))
})
