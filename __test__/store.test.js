'use strict'
// The run store (lib/store.js over crates/cov_core/src/store): the contract's
// writeTestCoverage/readTestCoverage/listTests, and a real server flushing
// into it: export of a test equals what its flush answered, a touched-only
// flush answers and stores just what the test touched, and counts never
// flushed are written on exit.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const http = require('node:http')
const { startServer, request } = require('./support/server')
const { fnHits, entryFor } = require('./support/coverage')
const { spawnSync } = require('node:child_process')
const { createFileCoverage } = require('istanbul-lib-coverage')
const store = require('../lib/store')

const FIXTURE = path.join(__dirname, 'fixtures/apps')
let root

before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-store-'))
  fs.cpSync(FIXTURE, root, { recursive: true })
})
after(() => fs.rmSync(root, { recursive: true, force: true }))

const loc = (line) => ({ start: { line, column: 0 }, end: { line, column: 9 } })
function fileCoverage(file, s, b = [0, 0]) {
  return {
    path: file,
    statementMap: { 0: loc(1), 1: loc(2) },
    fnMap: { 0: { name: 'f', decl: loc(1), loc: loc(1), line: 1 } },
    branchMap: { 0: { loc: loc(2), type: 'if', locations: [loc(2), loc(2)], line: 2 } },
    s: { 0: s[0], 1: s[1] },
    f: { 0: s[0] },
    b: { 0: b },
  }
}

test('contract: halves are recorded apart, read merged or alone; unknown tests are null', () => {
  const out = path.join(root, 'contract')
  assert.deepEqual(store.listTests(out), [], 'no store yet')
  assert.equal(store.readTestCoverage(out, 'x'), null)
  const file = store.writeTestCoverage(out, 'b test', { '/a.js': fileCoverage('/a.js', [1, 0], [1, 0]) })
  assert.equal(file, path.join(out, 'cov-als.db'))
  store.writeTestCoverage(out, 'b test', JSON.stringify({ '/a.js': fileCoverage('/a.js', [2, 3], [0, 3]) }), 'server')
  store.writeTestCoverage(out, 'b test', { '/web.js': fileCoverage('/web.js', [5, 0]) }, 'browser')
  store.writeTestCoverage(out, 'a test', { '/a.js': fileCoverage('/a.js', [0, 7]) })
  assert.deepEqual(store.listTests(out), ['a test', 'b test'])

  const server = store.readTestCoverage(out, 'b test', { part: 'server' })
  assert.deepEqual(server['/a.js'].s, { 0: 3, 1: 3 }, 'a second write adds')
  assert.deepEqual(server['/a.js'].b, { 0: [1, 3] })
  assert.deepEqual(server['/a.js'].statementMap, fileCoverage('/a.js', [0, 0]).statementMap, 'maps kept as given')
  assert.equal(server['/web.js'], undefined, 'the browser half is apart')
  const browser = store.readTestCoverage(out, 'b test', { part: 'browser' })
  assert.deepEqual(Object.keys(browser), ['/web.js'])
  const both = store.readTestCoverage(out, 'b test')
  assert.deepEqual(Object.keys(both).sort(), ['/a.js', '/web.js'])
  assert.deepEqual(both['/web.js'].s, { 0: 5, 1: 0 })
  // Every file of the half, untouched ones with zero counts (as a full flush answers).
  assert.deepEqual(store.readTestCoverage(out, 'a test', { part: 'server' })['/a.js'].s, { 0: 0, 1: 7 })
  assert.equal(store.readTestCoverage(out, 'nobody'), null)

  assert.throws(() => store.writeTestCoverage(out, 't', {}, 'client'), /part must be 'server' or 'browser'/)
  assert.throws(() => store.readTestCoverage(out, 't', { part: 'client' }), /part must be/)
  assert.throws(() => store.writeTestCoverage(out, 't', '{"/x.js": {"path": "/x.js"}}'), /no statementMap/)
  assert.throws(() => store.writeTestCoverage(out, 't', '{'), /not JSON/)
})

test('a server flushing into the store: export equals the flush; touched-only answers what the test touched', async () => {
  const outDir = path.join(root, 'out-server')
  const server = await startServer('raw-http.js', { root, env: { COV_ALS: '1', COV_ALS_OUT_DIR: outDir } })
  const agent = new http.Agent({ keepAlive: true, maxSockets: 2 })
  const as = (id) => ({ 'x-cov-test-id': encodeURIComponent(id) })
  const flush = async (body) => {
    const r = await request(server.port, { method: 'POST', path: '/__cov/flush', body, agent })
    assert.equal(r.status, 200, r.body)
    return r.json
  }
  const answers = new Map()
  try {
    for (let i = 0; i < 3; i++) await request(server.port, { path: `/quote?kind=bulk&qty=${i + 11}`, headers: as('quotes'), agent })
    await request(server.port, { path: '/quote?kind=retail&qty=1', headers: as('one quote'), agent })
    await request(server.port, { path: '/runtime', headers: as('no app code'), agent })

    const full = await flush({ testId: 'quotes' })
    assert.equal(full.file, store.storePath(outDir), 'the answer names the store')
    assert.equal(fnHits(entryFor(full.coverage, 'shared/pricing.js'), 'quote'), 3)
    answers.set('quotes', full.coverage)

    answers.set('one quote', (await flush({ testId: 'one quote' })).coverage)
    // /runtime runs only the server's handler: the touched-only answer is that one file.
    const touched = await flush({ testId: 'no app code', only: 'touched' })
    const files = Object.keys(touched.coverage)
    assert.deepEqual(files, [path.join(fs.realpathSync(root), 'raw-http.js')], `touched only: ${files.join(', ')}`)
    assert.ok(Object.keys(full.coverage).length > 1)
    answers.set('no app code', touched.coverage)
    const bad = await request(server.port, { method: 'POST', path: '/__cov/flush', body: { testId: 'x', only: 'all' }, agent })
    assert.equal(bad.status, 400)
    assert.match(bad.json.error, /"only" must be "touched"/)
    // Never flushed: written on exit.
    await request(server.port, { path: '/quote?kind=retail&qty=2', headers: as('left behind'), agent })
  } finally {
    agent.destroy()
    await server.stop()
  }

  assert.deepEqual(store.listTests(outDir), ['left behind', 'no app code', 'one quote', 'quotes', 'startup'])
  // Export of a full flush equals its answer; of a touched-only flush, the answer plus zero-count files.
  assert.deepEqual(store.readTestCoverage(outDir, 'quotes'), answers.get('quotes'))
  assert.deepEqual(store.readTestCoverage(outDir, 'one quote'), answers.get('one quote'))
  const runtimeOnly = store.readTestCoverage(outDir, 'no app code')
  for (const [file, fc] of Object.entries(answers.get('no app code'))) assert.deepEqual(runtimeOnly[file], fc, file)
  assert.deepEqual(Object.keys(runtimeOnly).sort(), Object.keys(answers.get('quotes')).sort(), 'plus zero-count files')
  assert.deepEqual(store.exportCoverage(outDir, ['no app code'], { allFiles: false }), answers.get('no app code'))
  assert.equal(fnHits(entryFor(store.readTestCoverage(outDir, 'left behind'), 'shared/pricing.js'), 'quote'), 1)
  assert.equal(fnHits(entryFor(store.readTestCoverage(outDir, 'startup'), 'shared/pricing.js'), 'quote'), 0)
  assert.deepEqual(store.readTestCoverage(outDir, 'one quote', { part: 'browser' }), {}, 'no browser half: no files')

  // which agrees with each test's Istanbul map on every covered line of pricing.js.
  const pricing = Object.keys(answers.get('quotes')).find((f) => f.endsWith('pricing.js'))
  const perTest = new Map(store.listTests(outDir).map((id) => [id, createFileCoverage(store.readTestCoverage(outDir, id)[pricing]).getLineCoverage()]))
  const covered = new Set([...perTest.values()].flatMap((lines) => Object.keys(lines).filter((l) => lines[l] > 0)))
  assert.ok(covered.size > 3, `${covered.size} covered lines`)
  for (const line of covered) {
    const want = [...perTest].filter(([, lines]) => lines[line] > 0).map(([id]) => id)
    const got = store.whichTests(outDir, pricing, Number(line), Number(line))
    assert.deepEqual(
      got.map((c) => c.test),
      want,
      `line ${line}`,
    )
    for (const c of got) assert.deepEqual(c.server.lines, [Number(line)])
  }
  const uncovered = Object.keys(perTest.get('quotes')).find((l) => !covered.has(l))
  if (uncovered) assert.deepEqual(store.whichTests(outDir, pricing, Number(uncovered), Number(uncovered)), [])

  // The command: a unique suffix names the file; --json for tools; an unknown file fails.
  const cli = (...args) => spawnSync(process.execPath, [path.join(__dirname, '..', 'bin', 'cov-als.js'), ...args], { encoding: 'utf8' })
  const line = [...covered][0]
  const json = cli('which', `shared/pricing.js:${line}`, outDir, '--json')
  assert.equal(json.status, 0, json.stderr)
  const parsed = JSON.parse(json.stdout)
  assert.equal(parsed.file, pricing)
  assert.deepEqual(
    parsed.tests.map((t) => t.test),
    store.whichTests(outDir, pricing, Number(line), Number(line)).map((c) => c.test),
  )
  const text = cli('which', `shared/pricing.js:${line}`, outDir)
  assert.match(text.stdout, new RegExp(`pricing\\.js:${line}: ${parsed.tests.length} tests?\\n`))
  assert.match(text.stdout, /"quotes" {2}server: \d+ statement/)
  const unknown = cli('which', 'no/such.js:3', outDir)
  assert.equal(unknown.status, 1)
  assert.match(unknown.stderr, /no coverage of no\/such\.js/)
  assert.equal(cli('which', 'x.js:5-2', outDir).status, 2)
})
