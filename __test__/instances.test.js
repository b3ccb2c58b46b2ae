'use strict'
// Several server instances of one run: `cov-als flush` and the global
// teardown's flushPending take a list of URLs, flush every one of them into
// their run stores, and name an instance that does not answer. The two
// instances write separate stores (as on two machines): with one shared
// store, a flush answered by either would gather both (live arenas).

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawn } = require('node:child_process')
const { startServer, request, freePort, REPO } = require('./support/server')
const { fnHits, entryFor } = require('./support/coverage')
const { readTestCoverage, listTests } = require('../lib/store')
const { flushPending } = require('../lib/runner/global-setup')
const { optionsOf } = require('../lib/runner/options')
const { parseServerURLs } = require('../lib/control')

const FIXTURE = path.join(__dirname, 'fixtures/propagation')
let tmp, a, b, dead

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-instances-'))
  // Two instances of one service, each with its run store.
  ;[a, b] = await Promise.all(
    ['a', 'b'].map(async (name) => {
      const outDir = path.join(tmp, name)
      return { ...(await startServer(path.join(FIXTURE, 'downstream.js'), { root: FIXTURE, env: { COV_ALS: '1', COV_ALS_OUT_DIR: outDir } })), outDir }
    }),
  )
  dead = `http://127.0.0.1:${await freePort()}`
})

after(async () => {
  await Promise.all([a, b].filter(Boolean).map((s) => s.stop()))
  fs.rmSync(tmp, { recursive: true, force: true })
})

const url = (s) => `http://127.0.0.1:${s.port}`

function cli(args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(REPO, 'bin/cov-als.js'), ...args], { env: { ...process.env, COV_ALS_SERVER_URLS: '', ...env } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('close', (status) => resolve({ status, stdout, stderr }))
  })
}

// `n` steps of work as test `testId` on server `s`.
const work = (s, testId, n) => request(s.port, { path: `/?n=${n}`, headers: { 'x-cov-test-id': encodeURIComponent(testId) } })

// The test's step() calls in server `s`'s store (null: not recorded there).
function steps(testId, s) {
  const map = readTestCoverage(s.outDir, testId)
  return map ? fnHits(entryFor(map, 'lib/work.js'), 'step') : null
}

test('cov-als flush <url> <url> --test: both instances flushed into the one run store, counts summed', async () => {
  await work(a, 'inst one', 2)
  await work(b, 'inst one', 3)
  await work(b, 'inst other', 1)
  const r = await cli(['flush', url(a), url(b), '--test', 'inst one', '--json'])
  assert.equal(r.status, 0, r.stderr)
  const results = JSON.parse(r.stdout)
  assert.deepEqual(
    results.map((x) => [x.server, x.flushed, x.error]),
    [
      [url(a), ['inst one'], null],
      [url(b), ['inst one'], null],
    ],
  )
  assert.deepEqual([steps('inst one', a), steps('inst one', b)], [2, 3])
  assert.equal(steps('inst other', b), null, 'not asked for: still on its server')
})

test('cov-als flush without --test flushes every pending test of each instance (COV_ALS_SERVER_URLS)', async () => {
  await work(a, 'inst pending', 4)
  const r = await cli(['flush'], { COV_ALS_SERVER_URLS: `${url(a)}, ${url(b)}` })
  assert.equal(r.status, 0, r.stderr)
  for (const s of [a, b]) assert.match(r.stdout, new RegExp(`${url(s)}: flushed \\d+ test\\(s\\) into ${s.outDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`))
  assert.equal(steps('inst pending', a), 4)
  assert.equal(steps('inst other', b), 1)
  for (const s of [a, b]) assert.ok(listTests(s.outDir).includes('startup'))
})

test('an instance that does not answer is named: a warning, exit 1 with --strict; the others are flushed all the same', async () => {
  await work(a, 'inst dead', 1)
  const warned = await cli(['flush', `${url(a)},${dead}`, '--test', 'inst dead'])
  assert.equal(warned.status, 0)
  assert.match(warned.stderr, new RegExp(`warning: flush of "inst dead" from ${dead} failed: ECONNREFUSED`))
  assert.equal(steps('inst dead', a), 1, 'the instance that answered was flushed')
  const strict = await cli(['flush', dead, url(b), '--strict'])
  assert.equal(strict.status, 1)
  assert.match(strict.stderr, new RegExp(`warning: ${dead} did not answer \\(ECONNREFUSED\\)`))
  assert.match(strict.stderr, /1 problem\(s\) flushing from 2 server\(s\) \(--strict\)/)
  assert.equal((await cli(['flush'])).status, 2, 'no URL at all: usage error')
  assert.equal((await cli(['flush', 'ftp://x'])).status, 2)
})

test('flushPending (global teardown, reporter): every listed server, a dead one named in a warning', async () => {
  await work(a, 'inst teardown', 2)
  await work(b, 'inst teardown', 2)
  const warnings = []
  const flushed = await flushPending({ servers: [url(a), dead, url(b)] }, (m) => warnings.push(m))
  assert.equal(flushed.filter((t) => t === 'inst teardown').length, 2)
  assert.deepEqual([steps('inst teardown', a), steps('inst teardown', b)], [2, 2])
  assert.equal(warnings.length, 1)
  assert.match(warnings[0], new RegExp(`from ${dead} \\(ECONNREFUSED\\)`))
})

test('server URLs from the config: COV_ALS_SERVER_URLS, covServerURL as a list or comma-separated, else baseURL', () => {
  assert.deepEqual(parseServerURLs(['http://a', ' http://b ', 'http://a']), ['http://a', 'http://b'])
  assert.deepEqual(parseServerURLs('http://a,http://b'), ['http://a', 'http://b'])
  assert.deepEqual(parseServerURLs(undefined), [])
  const config = (use) => ({ projects: [{ use }], configFile: path.join(tmp, 'playwright.config.js') })
  const saved = { ...process.env }
  try {
    delete process.env.COV_ALS_SERVER_URLS
    delete process.env.COV_ALS_SERVER_URL
    assert.deepEqual(optionsOf(config({ baseURL: 'http://base' })).servers, ['http://base'])
    assert.deepEqual(optionsOf(config({ baseURL: 'http://base', covServerURL: ['http://a', 'http://b'] })).servers, ['http://a', 'http://b'])
    assert.equal(optionsOf(config({ covServerURL: 'http://a,http://b' })).server, 'http://a')
    process.env.COV_ALS_SERVER_URLS = 'http://x,http://y'
    assert.deepEqual(optionsOf(config({ covServerURL: 'http://a' })).servers, ['http://x', 'http://y'])
  } finally {
    for (const k of ['COV_ALS_SERVER_URLS', 'COV_ALS_SERVER_URL']) if (saved[k] === undefined) delete process.env[k]
    Object.assign(process.env, saved)
  }
})
