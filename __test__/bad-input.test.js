'use strict'
// Bad input gets a clear answer, never a crash, a lost count or a file outside
// outDir:
//   - odd test ids over HTTP (separators, `..`, NUL, control characters,
//     unicode, case-only differences, ids at and over the length limit);
//   - odd control requests (unknown ids, malformed and oversized bodies,
//     flushes racing requests of the same test, concurrent flushes of one id,
//     a flush storm while traffic runs);
//   - odd source files loaded by a server under the preload (fails open with
//     one warning, or instrumented with the right counts);
//   - wrong arguments to the API (instrument, run, flush, ...).

const { test, describe, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const http = require('node:http')
const { createInstrumenter } = require('istanbul-lib-instrument')
const { startServer, request, flush } = require('./support/server')
const { lineHits, fnHits, entryFor } = require('./support/coverage')
const { cov, load } = require('./helpers.js')
const { readTestCoverage, listTests, storePath } = require('../lib/store')

const FIXTURE = path.join(__dirname, 'fixtures/bad-input')
let root

before(() => {
  root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-bad-input-')))
  fs.cpSync(FIXTURE, root, { recursive: true })
  writeGeneratedSources(path.join(root, 'src'))
})

after(() => fs.rmSync(root, { recursive: true, force: true }))

// ---------------------------------------------------------------------------
// helpers

const idHeader = (id) => ({ 'x-cov-test-id': encodeURIComponent(id) })

async function hits(port, id, n, agent) {
  await Promise.all(
    Array.from({ length: n }, async () => {
      const r = await request(port, { path: '/hit', headers: id === undefined ? {} : idHeader(id), agent })
      assert.equal(r.status, 200)
    }),
  )
}

const counterOf = (coverage) => entryFor(coverage, path.join('lib', 'counter.js'))
const hitCount = (coverage) => fnHits(counterOf(coverage), 'hit')

async function postControl(port, route, body, agent) {
  return request(port, { method: 'POST', path: `/__cov/${route}`, body, agent })
}

// outDir holds the run store only: plain files directly inside it (by
// realpath), whatever the test ids, and the running server's live arena
// (live/<pid>-<nonce>/, named by the process, never by a test id);
// returns every recorded test's coverage.
function readOutDir(outDir) {
  const real = fs.realpathSync(outDir)
  for (const entry of fs.readdirSync(outDir, { withFileTypes: true })) {
    const full = path.join(outDir, entry.name)
    if (entry.name === 'live' && entry.isDirectory()) {
      for (const arena of fs.readdirSync(full)) assert.match(arena, /^\d+-[0-9a-f]{16}$/, `live arenas are named by process: ${JSON.stringify(arena)}`)
      continue
    }
    assert.ok(entry.isFile(), `${entry.name}: only plain files in outDir`)
    assert.equal(path.dirname(fs.realpathSync(full)), real, `${entry.name} stays inside outDir`)
    assert.match(entry.name, /^cov-als\.db(-wal|-shm)?$/, `only the run store in outDir: ${JSON.stringify(entry.name)}`)
  }
  return listTests(outDir).map((testId) => ({ name: testId, doc: { testId, coverage: readTestCoverage(outDir, testId) } }))
}

// ---------------------------------------------------------------------------
// generated sources: a ~10 MB file, binary garbage, files with a UTF-8 BOM

function writeGeneratedSources(dir) {
  // ~10 MB: 2000 small functions and a large generated data table.
  const fns = Array.from({ length: 2000 }, (_, i) => `function f${i}(x) {\n  if (x > ${i % 5}) {\n    return x * ${i}\n  }\n  return -x\n}`)
  const row = (i) => JSON.stringify(`row ${i} ${'abcdefghij'.repeat(9)}`)
  const rows = []
  let size = 0
  for (let i = 0; size < 9.5e6 && i < 200000; i++) {
    rows.push(row(i))
    size += rows[rows.length - 1].length + 2
  }
  const big = [
    "'use strict'",
    '// generated: 2000 functions and a data table, about 10 MB',
    `const TABLE = [\n${rows.join(',\n')}\n]`,
    ...fns,
    `const FNS = [${fns.map((_, i) => `f${i}`).join(', ')}]`,
    'function run(x) {',
    '  let acc = 0',
    '  for (let i = 0; i < FNS.length; i += 500) acc += FNS[i](x)',
    '  return { acc, rows: TABLE.length }',
    '}',
    'module.exports = { run }',
    '',
  ].join('\n')
  fs.writeFileSync(path.join(dir, 'big.js'), big)

  // Binary garbage, fixed bytes (a NUL first, so no JavaScript can come of it).
  let x = 0x9e3779b9
  const garbage = Buffer.alloc(4096)
  for (let i = 0; i < garbage.length; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    garbage[i] = x & 0xff
  }
  garbage[0] = 0
  fs.writeFileSync(path.join(dir, 'garbage.js'), garbage)

  const bomBody = (esm) =>
    [
      esm ? '// ES module with a UTF-8 byte order mark' : "'use strict'",
      'function strictness() {',
      '  return (function () {',
      '    return this',
      '  })() === undefined',
      '}',
      `${esm ? 'export ' : ''}function run(x) {`,
      '  if (x > 1) {',
      "    return 'big:' + strictness()",
      '  }',
      "  return 'small:' + strictness()",
      '}',
      esm ? '' : 'module.exports = { run }',
      '',
    ].join('\n')
  fs.writeFileSync(path.join(dir, 'bom.js'), '\ufeff' + bomBody(false))
  fs.writeFileSync(path.join(dir, 'bom.mjs'), '\ufeff' + bomBody(true))
}

// ===========================================================================
describe('test ids over HTTP', () => {
  let server
  let outDir
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 })

  before(async () => {
    outDir = path.join(root, 'out-ids')
    server = await startServer('server.js', { root, env: { COV_ALS: '1', COV_ALS_OUT_DIR: outDir } })
  })
  after(async () => {
    agent.destroy()
    await server.stop()
  })

  test('odd ids: exact round trip into the run store inside outDir', async () => {
    const ids = [
      'plain',
      'a/b/c',
      '../../../../etc/passwd',
      '..',
      '.',
      '/abs/path.json',
      'C:\\Windows\\..\\x',
      'tab\there',
      'new\nline\r\n',
      'bell\u0007 del\u007f esc\u001b[31m',
      'nul\u0000byte',
      'ünïcødé ✓ 测试 🚀',
      'e\u0301 combining',
      '\u00e9 combining',
      'CaseTest',
      'casetest',
      'CASETEST',
      '__proto__',
      'constructor',
      ' spaced ',
      'a%20b',
      'x'.repeat(1024 - 0),
    ]
    // Test i sends i+1 requests: a mix-up between two ids shows in the counts.
    await Promise.all(ids.map((id, i) => hits(server.port, id, i + 1, agent)))

    const listed = (await request(server.port, { path: '/__cov/tests', agent })).json.tests
    for (const id of ids) assert.ok(listed.includes(id), `GET /__cov/tests lists ${JSON.stringify(id)} exactly`)

    for (const [i, id] of ids.entries()) {
      const res = await postControl(server.port, 'flush', { testId: id }, agent)
      assert.equal(res.status, 200, res.body)
      assert.equal(res.json.testId, id, 'the answer names the id exactly')
      assert.equal(hitCount(res.json.coverage), i + 1, `${JSON.stringify(id)}: its own requests, no one else's`)
      assert.equal(res.json.file, storePath(outDir))
      assert.equal(hitCount(readTestCoverage(outDir, id)), i + 1, `${JSON.stringify(id)} in the store: its own counts`)
    }
    const written = readOutDir(outDir)
    assert.equal(written.length, ids.length, `one test per id, ids exact (case kept): ${written.map((w) => JSON.stringify(w.name)).join(' ')}`)
    assert.deepEqual(new Set(written.map((w) => w.doc.testId)), new Set(ids))
  })

  test('NUL cannot be in a header, but arrives percent-encoded or in a JSON body', async () => {
    // Node refuses a raw NUL in a header value on the client side already.
    assert.throws(() => http.request({ host: '127.0.0.1', port: server.port, headers: { 'x-cov-test-id': 'a\u0000b' } }), /Invalid character in header/)
    await hits(server.port, 'nul\u0000id', 3, agent)
    const res = await postControl(server.port, 'flush', { testId: 'nul\u0000id' }, agent)
    assert.equal(res.status, 200)
    assert.equal(res.json.testId, 'nul\u0000id')
    assert.equal(hitCount(res.json.coverage), 3)
    assert.equal(hitCount(readTestCoverage(outDir, 'nul\u0000id')), 3)
    // The id without its NUL is another test.
    const other = await postControl(server.port, 'flush', { testId: 'nulid' }, agent)
    assert.equal(hitCount(other.json.coverage), 0)
    assert.equal(hitCount(readTestCoverage(outDir, 'nulid')), 0)
  })

  test('a header that is not valid percent-encoding is taken as it is', async () => {
    await Promise.all(Array.from({ length: 2 }, () => request(server.port, { path: '/hit', headers: { 'x-cov-test-id': '100%' }, agent })))
    const res = await postControl(server.port, 'flush', { testId: '100%' }, agent)
    assert.equal(hitCount(res.json.coverage), 2)
  })

  test('a 10 KB id: unattributed over a header (one warning), 400 in a JSON body', async () => {
    const long = 'L'.repeat(10 * 1024)
    await flush(server.port, 'startup', agent)
    for (let k = 0; k < 3; k++) {
      const r = await request(server.port, { path: '/hit', headers: { 'x-cov-test-id': long }, agent })
      assert.equal(r.status, 200, 'the request itself is served')
    }
    const startup = await flush(server.port, 'startup', agent)
    assert.equal(hitCount(startup.coverage), 3, 'counted as unattributed')
    const listed = (await request(server.port, { path: '/__cov/tests', agent })).json.tests
    assert.ok(!listed.some((t) => t.length > 1024), 'no over-long id was created')
    const warnings = server
      .stderr()
      .split('\n')
      .filter((l) => l.includes('longer than 1024'))
    assert.equal(warnings.length, 1, `one warning for all over-long headers:\n${server.stderr()}`)

    for (const route of ['flush', 'peek']) {
      const res = await postControl(server.port, route, { testId: long }, agent)
      assert.equal(res.status, 400, `${route}: ${res.body}`)
      assert.match(res.json.error, /1024/)
    }
    // The boundary: 1024 characters is an id, 1025 is not.
    assert.equal((await postControl(server.port, 'flush', { testId: 'y'.repeat(1024) }, agent)).status, 200)
    assert.equal((await postControl(server.port, 'flush', { testId: 'y'.repeat(1025) }, agent)).status, 400)
  })

  test('odd ids never flushed are written on SIGTERM, each as its own test, ids exact', async () => {
    const exitDir = path.join(root, 'out-exit')
    const ids = ['../up', 'Exit', 'exit', 'EXIT', 'nul\u0000x', 'tab\tx', '测试 ✓', '.hidden', 'con', 'a'.repeat(1024)]
    const s = await startServer('server.js', { root, env: { COV_ALS: '1', COV_ALS_OUT_DIR: exitDir } })
    try {
      await Promise.all(ids.map((id, i) => hits(s.port, id, i + 1)))
    } finally {
      await s.stop()
    }
    const written = readOutDir(exitDir)
    const byId = new Map(written.map((w) => [w.doc.testId, w.doc]))
    for (const [i, id] of ids.entries()) {
      assert.ok(byId.has(id), `${JSON.stringify(id)} written on exit; got ${written.map((w) => JSON.stringify(w.doc.testId)).join(' ')}`)
      assert.equal(hitCount(byId.get(id).coverage), i + 1, JSON.stringify(id))
    }
    assert.equal(hitCount(byId.get('startup').coverage), 0, 'startup written too, without test hits')
  })

  test('an id within the length limit is attributed even when its percent-encoding is longer', async () => {
    // A Playwright-style id (title path joined with ' › ', as the fixture
    // makes it) of 140 characters: a valid id for POST /__cov/flush (limit
    // 1024), but encodeURIComponent, which the fixture applies to the header,
    // makes it more than 1024 characters long.
    const id = [
      'tests/チェックアウト/支払い.spec.ts',
      'チェックアウトの流れ',
      'ログイン済みの会員',
      '保存済みのカードで支払う',
      '注文番号付きの領収書ページが表示され、確認メールでも同じ注文番号と合計金額と配送予定日が届き、マイページの注文履歴にも同じ内容が表示される',
    ].join(' › ')
    assert.ok(id.length < 200, `${id.length}`)
    assert.ok(encodeURIComponent(id).length > 1024, `${encodeURIComponent(id).length}`)
    await flush(server.port, 'startup', agent)
    await hits(server.port, id, 4, agent)
    const res = await postControl(server.port, 'flush', { testId: id }, agent)
    assert.equal(res.status, 200)
    const startup = await flush(server.port, 'startup', agent)
    assert.equal(
      hitCount(res.json.coverage),
      4,
      `the ${id.length}-character id got ${hitCount(res.json.coverage)} of its 4 requests; the startup bucket got ${hitCount(startup.coverage)} ` +
        '(the header length limit is applied to the percent-encoded value, not to the id)',
    )
  })
})

// ===========================================================================
describe('configuration', () => {
  test('a root given through a symlink still instruments the files below it', async (t) => {
    // Node names modules by their real path; COV_ALS_ROOT=$PWD in a shell
    // often holds a symlinked (logical) path.
    const link = path.join(os.tmpdir(), `cov-als-bad-input-link-${process.pid}`)
    fs.rmSync(link, { force: true })
    fs.symlinkSync(root, link, 'dir')
    t.after(() => fs.rmSync(link, { force: true }))
    const s = await startServer('server.js', { root: link, env: { COV_ALS: '1', COV_ALS_ROOT: link, COV_ALS_OUT_DIR: path.join(root, 'out-symlink') } })
    try {
      await hits(s.port, 'via symlink', 2)
      const res = await postControl(s.port, 'flush', { testId: 'via symlink' })
      const counter = counterOf(res.json.coverage)
      assert.ok(counter, `lib/counter.js instrumented with COV_ALS_ROOT=${link} -> ${root}; report has ${JSON.stringify(Object.keys(res.json.coverage))}`)
      assert.equal(fnHits(counter, 'hit'), 2)
    } finally {
      await s.stop()
    }
  })
})

// ===========================================================================
describe('control requests', () => {
  let server
  let outDir
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 })

  before(async () => {
    outDir = path.join(root, 'out-control')
    server = await startServer('server.js', { root, env: { COV_ALS: '1', COV_ALS_OUT_DIR: outDir } })
  })
  after(async () => {
    agent.destroy()
    await server.stop()
  })

  test('unknown id: 200 with an all-zero map', async () => {
    const res = await postControl(server.port, 'flush', { testId: 'never ran anything' }, agent)
    assert.equal(res.status, 200)
    assert.equal(res.json.testId, 'never ran anything')
    const counter = counterOf(res.json.coverage)
    assert.ok(counter, 'every instrumented file is in the map')
    assert.ok(Object.values(counter.s).every((n) => n === 0))
    assert.ok(Object.values(counter.f).every((n) => n === 0))
    const peek = await postControl(server.port, 'peek', { testId: 'never ran either' }, agent)
    assert.equal(peek.status, 200)
    assert.equal(hitCount(peek.json.coverage), 0)
  })

  test('malformed bodies and wrong methods: 400/404 with a message, the server keeps serving', async () => {
    const bad = [
      '{not json',
      '',
      'null',
      '[]',
      '"testId"',
      '{"testId":""}',
      '{"testId":7}',
      '{"testId":["a"]}',
      '{"testId":null}',
      '{"testid":"a"}',
      '{"testId":{"id":"a"}}',
    ]
    for (const route of ['flush', 'peek']) {
      for (const body of bad) {
        const res = await request(server.port, {
          method: 'POST',
          path: `/__cov/${route}`,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
          agent,
          body: body === '' ? undefined : body,
        })
        assert.equal(res.status, 400, `${route} ${JSON.stringify(body)}: ${res.status} ${res.body}`)
        assert.match(res.json.error, /testId/, `${route} ${JSON.stringify(body)}: the message says what is expected`)
      }
    }
    const get = await request(server.port, { path: '/__cov/flush', agent })
    assert.equal(get.status, 404)
    assert.match(get.json.error, /POST \/__cov\/flush/)
    const emptyHeader = await request(server.port, { path: '/hit', headers: { 'x-cov-flush': '' }, agent })
    assert.equal(emptyHeader.status, 400)
    assert.equal((await request(server.port, { path: '/hit', agent })).status, 200)
  })

  test('oversized bodies: 413, also chunked; the connection stays usable', async () => {
    const one = new http.Agent({ keepAlive: true, maxSockets: 1 })
    try {
      const justOver = JSON.stringify({ testId: 'big', pad: 'p'.repeat(64 * 1024) })
      const res = await request(server.port, { method: 'POST', path: '/__cov/flush', body: justOver, agent: one })
      assert.equal(res.status, 413, res.body)
      assert.match(res.json.error, /larger than/)
      // 4 MB, chunked, no content-length.
      const chunked = await new Promise((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port: server.port, method: 'POST', path: '/__cov/peek', agent: one }, (r) => {
          let text = ''
          r.on('data', (c) => (text += c))
          r.on('end', () => resolve({ status: r.statusCode, text }))
        })
        req.on('error', reject)
        const piece = Buffer.alloc(64 * 1024, 'x')
        for (let i = 0; i < 64; i++) req.write(piece)
        req.end()
      })
      assert.equal(chunked.status, 413, chunked.text)
      const after = await request(server.port, { path: '/hit', headers: idHeader('after-413'), agent: one })
      assert.equal(after.status, 200)
      assert.equal(hitCount((await flush(server.port, 'after-413', one)).coverage), 1)
    } finally {
      one.destroy()
    }
  })

  test('flush while requests of the same test are in flight: late hits reach the next flush', async () => {
    const id = 'in flight'
    const n = 10
    const slow = Array.from({ length: n }, (_, k) => {
      let started
      const startedP = new Promise((resolve) => (started = resolve))
      const done = new Promise((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port: server.port, path: `/slow?key=g${k}`, headers: idHeader(id) }, (res) => {
          let text = ''
          res.setEncoding('utf8')
          res.on('data', (c) => {
            text += c
            if (text.includes('started')) started()
          })
          res.on('end', () => resolve(text))
        })
        req.on('error', reject)
        req.end()
      })
      return { started: startedP, done }
    })
    // Every request has called before() and is parked at its gate.
    await Promise.all(slow.map((s) => s.started))
    const first = await postControl(server.port, 'flush', { testId: id }, agent)
    const counter1 = counterOf(first.json.coverage)
    assert.equal(fnHits(counter1, 'before'), n)
    assert.equal(fnHits(counter1, 'after'), 0, 'after() has not run yet')
    for (let k = 0; k < n; k++) {
      const r = await request(server.port, { path: `/release?key=g${k}`, headers: idHeader('gatekeeper'), agent })
      assert.equal(r.body, 'released')
    }
    for (const s of slow) assert.equal(await s.done, 'started\ndone\n')
    const second = await postControl(server.port, 'flush', { testId: id }, agent)
    const counter2 = counterOf(second.json.coverage)
    assert.equal(fnHits(counter2, 'before'), 0, 'not reported twice')
    assert.equal(fnHits(counter2, 'after'), n, 'late hits are in the next flush, none dropped')
    const onDisk = counterOf(readTestCoverage(outDir, id))
    assert.equal(fnHits(onDisk, 'before'), n)
    assert.equal(fnHits(onDisk, 'after'), n, 'the store adds both flushes')
    const gatekeeper = await postControl(server.port, 'flush', { testId: 'gatekeeper' }, agent)
    assert.equal(fnHits(counterOf(gatekeeper.json.coverage), 'after'), 0, 'the releasing requests did not take the late hits')
  })

  test('concurrent flushes of one id: the answers add up to the exact total', async () => {
    const id = 'flushed concurrently'
    await hits(server.port, id, 30, agent)
    const answers = await Promise.all(Array.from({ length: 25 }, () => postControl(server.port, 'flush', { testId: id }, agent)))
    for (const a of answers) assert.equal(a.status, 200)
    assert.equal(
      answers.reduce((sum, a) => sum + hitCount(a.json.coverage), 0),
      30,
    )
    assert.equal(hitCount(readTestCoverage(outDir, id)), 30, 'the store too')

    // Flushes racing the requests of the same id, then one last flush.
    const id2 = 'flushed while running'
    const racing = await Promise.all([
      hits(server.port, id2, 100, agent),
      ...Array.from({ length: 40 }, () => postControl(server.port, 'flush', { testId: id2 }, agent)),
    ])
    const last = await postControl(server.port, 'flush', { testId: id2 }, agent)
    const sum = racing.slice(1).reduce((s, a) => s + hitCount(a.json.coverage), 0) + hitCount(last.json.coverage)
    assert.equal(sum, 100, 'every hit in exactly one flush')
    assert.equal(hitCount(readTestCoverage(outDir, id2)), 100)
  })

  test('flush storm: 200 flushes of mixed ids while traffic runs; totals exact, server keeps serving', async () => {
    const ids = Array.from({ length: 8 }, (_, i) => `storm ${i}`)
    const per = 50
    await flush(server.port, 'startup', agent)
    const flushAnswers = new Map(ids.map((id) => [id, 0]))
    const statuses = []
    const work = []
    for (const id of ids) work.push(hits(server.port, id, per, agent))
    for (let k = 0; k < 200; k++) {
      // Mostly the busy ids, some unknown ones; a few on fresh connections.
      const id = k % 10 === 9 ? `storm-unknown-${k}` : ids[k % ids.length]
      work.push(
        postControl(server.port, 'flush', { testId: id }, k % 7 === 0 ? undefined : agent).then((a) => {
          statuses.push(a.status)
          if (flushAnswers.has(id)) flushAnswers.set(id, flushAnswers.get(id) + hitCount(a.json.coverage))
          else assert.equal(hitCount(a.json.coverage), 0)
        }),
      )
      if (k % 20 === 0) {
        work.push(postControl(server.port, 'peek', { testId: ids[k % ids.length] }, agent).then((a) => statuses.push(a.status)))
        work.push(request(server.port, { path: '/__cov/tests', agent }).then((a) => statuses.push(a.status)))
      }
    }
    await Promise.all(work)
    assert.ok(
      statuses.every((s) => s === 200),
      `every control request answered 200: ${[...new Set(statuses)]}`,
    )
    for (const id of ids) {
      const last = await postControl(server.port, 'flush', { testId: id }, agent)
      const total = flushAnswers.get(id) + hitCount(last.json.coverage)
      assert.equal(total, per, `${id}: sum of its flushes`)
      assert.equal(hitCount(readTestCoverage(outDir, id)), per, `${id}: in the store`)
    }
    const startup = await flush(server.port, 'startup', agent)
    assert.equal(hitCount(startup.coverage), 0, 'nothing leaked to the startup bucket')
    assert.equal((await request(server.port, { path: '/hit', agent })).status, 200)
    readOutDir(outDir)
  })
})

// ===========================================================================
describe('source files under the preload', () => {
  let plain
  let covered
  let plainLoaded
  let coveredLoaded

  before(async () => {
    // Both servers use the same files; the plain one is the reference.
    plain = await startServer('sources-server.js', { root, preload: false, env: { COV_ALS: '' } })
    covered = await startServer('sources-server.js', { root, env: { COV_ALS: '1', COV_ALS_OUT_DIR: path.join(root, 'out-sources') } })
    plainLoaded = (await request(plain.port, { path: '/loaded' })).json
    coveredLoaded = (await request(covered.port, { path: '/loaded' })).json
    await flush(covered.port, 'startup')
  })
  after(async () => {
    await plain.stop()
    await covered.stop()
  })

  const warningsNaming = (file) =>
    covered
      .stderr()
      .split('\n')
      .filter((l) => l.includes('cov-als-native') && l.includes(path.join(root, 'src', file)))

  // Run src/<file>'s run(arg) on both servers: same answer; our report of it.
  async function runOn(file, arg) {
    const want = await request(plain.port, { path: `/run?file=${file}&arg=${arg}` })
    assert.equal(want.status, 200, `${file} runs without the preload: ${want.body}`)
    const id = `run ${file} ${arg}`
    const got = await request(covered.port, { path: `/run?file=${file}&arg=${arg}`, headers: idHeader(id) })
    assert.equal(got.status, 200, `${file} runs under the preload: ${got.body}`)
    assert.deepEqual(got.json, want.json, `${file}: same result with and without the preload`)
    return { result: got.json.result, coverage: (await flush(covered.port, id)).coverage }
  }

  // istanbul-lib-instrument as the oracle for the counts of one run(arg) call.
  function istanbulCounts(file, arg) {
    let code = fs.readFileSync(path.join(root, 'src', file), 'utf8').replace(/^\ufeff/, '')
    const filename = path.join(root, 'src', file)
    const out = createInstrumenter({ compact: false, coverageVariable: '__bad_input_oracle__' }).instrumentSync(code, filename)
    code = out.replace(/^#!.*/, '//')
    const m = { exports: {} }
    new Function('module', 'exports', 'require', code)(m, m.exports, require)
    const fc = globalThis.__bad_input_oracle__[filename]
    const before = JSON.parse(JSON.stringify({ s: fc.s, f: fc.f, b: fc.b }))
    m.exports.run(arg)
    const diff = (a, b) => Object.fromEntries(Object.keys(a).map((k) => [k, Array.isArray(a[k]) ? a[k].map((v, i) => v - b[k][i]) : a[k] - b[k]]))
    return { s: diff(fc.s, before.s), f: diff(fc.f, before.f), b: diff(fc.b, before.b), fc }
  }

  function assertLikeIstanbul(file, coverage, arg) {
    const ours = entryFor(coverage, path.join('src', file))
    assert.ok(ours, `${file} is instrumented`)
    const theirs = istanbulCounts(file, arg)
    assert.deepEqual(ours.statementMap, theirs.fc.statementMap, `${file}: statement map`)
    assert.deepEqual({ s: ours.s, f: ours.f, b: ours.b }, { s: theirs.s, f: theirs.f, b: theirs.b }, `${file}: counts of run(${arg})`)
  }

  test('the server started, loaded the same files as without the preload, and keeps serving', async () => {
    assert.deepEqual(Object.keys(coveredLoaded).sort(), Object.keys(plainLoaded).sort())
    for (const [file, want] of Object.entries(plainLoaded)) {
      if (file.startsWith('shadow-global')) continue // its own test below
      assert.equal(coveredLoaded[file].ok, want.ok, `${file}: ${JSON.stringify(coveredLoaded[file])}`)
    }
    assert.equal((await request(covered.port, { path: '/loaded' })).status, 200)
  })

  test('valid for Node, unparseable for us: loaded uninstrumented with one warning naming it', async () => {
    assert.equal(coveredLoaded['odd-valid.js'].ok, true)
    const { result, coverage } = await runOn('odd-valid.js', 2)
    assert.equal(result, 'pos:undefined')
    assert.ok(!entryFor(coverage, 'odd-valid.js'), 'not in the report')
    const warnings = warningsNaming('odd-valid.js')
    assert.equal(warnings.length, 1, covered.stderr())
    assert.match(warnings[0], /uninstrumented/)
  })

  for (const file of ['broken.js', 'garbage.js', 'broken.mjs']) {
    test(`${file}: Node's own SyntaxError reaches the server's try/catch, one warning`, () => {
      const want = plainLoaded[file]
      const got = coveredLoaded[file]
      assert.equal(want.ok, false)
      assert.equal(got.ok, false)
      assert.equal(got.error.ctor, 'SyntaxError')
      assert.equal(got.error.name, 'SyntaxError')
      assert.notEqual(got.error.code, 'COV_ALS_PARSE_ERROR', 'not our InstrumentError')
      assert.deepEqual(got.error, want.error, 'the very error Node gives without the preload')
      assert.doesNotMatch(got.error.message, /cov-als/)
      assert.ok(warningsNaming(file).length <= 1, `at most one warning for ${file}:\n${covered.stderr()}`)
    })
  }

  test('a ~10 MB generated file is instrumented and counted', async () => {
    assert.ok(fs.statSync(path.join(root, 'src/big.js')).size > 9.5e6)
    const { result, coverage } = await runOn('big.js', 3)
    assert.equal(result.rows > 50000, true)
    const big = entryFor(coverage, path.join('src', 'big.js'))
    assert.ok(big, 'big.js instrumented')
    assert.equal(Object.keys(big.fnMap).length, 2001)
    assert.equal(fnHits(big, 'run'), 1)
    for (const [name, want] of [
      ['f0', 1],
      ['f500', 1],
      ['f1500', 1],
      ['f1', 0],
      ['f1999', 0],
    ])
      assert.equal(fnHits(big, name), want, name)
    assert.equal(warningsNaming('big.js').length, 0)
  })

  test('a minified single-line file: counts equal istanbul-lib-instrument`s', async () => {
    for (const arg of [3, 0]) {
      const { coverage } = await runOn('minified.js', arg)
      assertLikeIstanbul('minified.js', coverage, arg)
    }
    assert.equal(warningsNaming('minified.js').length, 0)
  })

  for (const file of ['hashbang.js', 'strict.js', 'sloppy.js', 'bom.js']) {
    test(`${file}: instrumented, semantics kept, counts right`, async () => {
      const { result, coverage } = await runOn(file, 3)
      if (file === 'hashbang.js' || file === 'bom.js') assert.equal(result, 'big:true', 'the file-level "use strict" still applies')
      if (file === 'strict.js') assert.deepEqual(result, { thisIsUndefined: true, threw: true, octalFree: 'odd' })
      if (file === 'sloppy.js') {
        assert.deepEqual(result, { sloppy: true, strict: true, withResult: 6, octal: 8 })
        // Babel (so istanbul-lib-instrument) refuses `with`: check by hand.
        const fc = entryFor(coverage, path.join('src', file))
        assert.ok(fc, 'sloppy.js instrumented')
        for (const name of ['sloppyThis', 'strictThis', 'run']) assert.equal(fnHits(fc, name), 1, name)
        assert.equal(lineHits(fc, 17), 1, 'the statement inside with')
        assert.ok(Object.values(fc.s).every((n) => n <= 1))
      } else {
        assertLikeIstanbul(file, coverage, 3)
      }
      assert.equal(warningsNaming(file).length, 0, covered.stderr())
    })
  }

  for (const file of ['hashbang.mjs', 'bom.mjs']) {
    test(`${file}: an ES module, instrumented and counted by line`, async () => {
      const { result, coverage } = await runOn(file, 3)
      assert.equal(result, 'big:true')
      const fc = entryFor(coverage, path.join('src', file))
      assert.ok(fc, `${file} instrumented`)
      assert.equal(fnHits(fc, 'run'), 1)
      const src = fs.readFileSync(path.join(root, 'src', file), 'utf8').split('\n')
      const line = (re) => {
        const i = src.findIndex((l) => re.test(l))
        assert.ok(i >= 0, `${re} in ${file}`)
        return i + 1
      }
      assert.equal(lineHits(fc, line(/return ['`]big:/)), 1, 'the taken return')
      assert.equal(lineHits(fc, line(/return ['`]small:/)), 0, 'the other return')
    })
  }

  for (const file of ['missing-map.js', 'bad-map.js']) {
    test(`${file}: a source map that cannot be read costs the file nothing but one warning`, async () => {
      const { result, coverage } = await runOn(file, 3)
      assert.equal(result, 'big')
      assertLikeIstanbul(file, coverage, 3)
      assert.ok(warningsNaming(file).length <= 1, covered.stderr())
    })
  }

  test('a file that merely names the runtime global is instrumented, or skipped with one warning', async () => {
    const file = 'mentions-runtime.js'
    const { result, coverage } = await runOn(file, 3)
    assert.match(result, /^big:/)
    const instrumented = Boolean(entryFor(coverage, path.join('src', file)))
    const warnings = warningsNaming(file)
    assert.ok(
      instrumented || warnings.length === 1,
      `${file} was loaded uninstrumented without a warning (a file containing the text __cov_als_native__ is taken as already instrumented)`,
    )
    if (instrumented) assert.equal(fnHits(entryFor(coverage, path.join('src', file)), 'run'), 1)
  })

  for (const file of ['shadow-global.js', 'shadow-global.mjs']) {
    test(`${file}: a module declaring its own top-level globalThis loads and is counted`, async () => {
      assert.equal(plainLoaded[file].ok, true)
      assert.equal(coveredLoaded[file].ok, true, `${file} fails to load under the preload: ${JSON.stringify(coveredLoaded[file].error)}`)
      const { result, coverage } = await runOn(file, 1)
      assert.equal(result, 'has-timers')
      assert.equal(fnHits(entryFor(coverage, path.join('src', file)), 'run'), 1)
    })
  }
})

// ===========================================================================
describe('API arguments', () => {
  test('instrument(): wrong code, filename and options get clear errors', () => {
    const named =
      (pattern, ctor = Error) =>
      (err) => {
        assert.ok(err instanceof ctor, `${err && err.constructor && err.constructor.name}: ${err && err.message}`)
        assert.match(err.message, pattern)
        return true
      }
    assert.throws(() => cov.instrument(123, '/x.js'), named(/code must be a string/, TypeError))
    assert.throws(() => cov.instrument(null, '/x.js'), named(/code must be a string/, TypeError))
    assert.throws(() => cov.instrument(Buffer.from('1'), '/x.js'), named(/code must be a string/, TypeError))
    assert.throws(() => cov.instrument('1', ''), named(/filename must be a non-empty string/, TypeError))
    assert.throws(() => cov.instrument('1', 5), named(/filename/, TypeError))
    assert.throws(() => cov.instrument('1', '/x.js', 'module'), named(/options must be an object/, TypeError))
    assert.throws(() => cov.instrument('1', '/x.js', null), named(/options must be an object/, TypeError))
    assert.throws(() => cov.instrument('1', '/x.js', { sourceType: 'nope' }), named(/sourceType.*nope/))
    assert.throws(() => cov.instrument('1', '/x.js', { sourceType: 5 }), named(/sourceType/))
    assert.throws(
      () => cov.instrument('1', '/x.js', { inputSourceMap: 'garbage' }),
      (err) => {
        assert.ok(err instanceof cov.InstrumentError)
        assert.equal(err.code, 'COV_ALS_SOURCE_MAP_ERROR', 'a bad map is not a parse error of the code')
        assert.match(err.message, /source map/)
        return true
      },
    )
    assert.throws(() => cov.instrument('1', '/x.js', { inputSourceMap: 42 }), named(/source map/))
    assert.throws(() => cov.instrument('1', '/x.js', { inputSourceMap: { version: 3 } }), named(/source map/))
    assert.throws(() => cov.instrument('1', '/x.js', { reportLogic: 'yes' }), named(/reportLogic/))
    assert.throws(() => cov.instrument('1', '/x.js', { ignoreClassMethods: 'render' }), named(/ignoreClassMethods/))
    assert.throws(() => cov.instrument('1', '/x.js', { ignoreClassMethods: [1] }), named(/ignoreClassMethods/))
    assert.throws(() => cov.instrument('1', '/x.js', { composeSourceMap: 'no' }), named(/composeSourceMap/))
    assert.throws(() => cov.instrument('1', '/x.js', { sourceMap: 'yes' }), named(/sourceMap/))
    // Source that does not parse: InstrumentError with a position.
    assert.throws(
      () => cov.instrument('var = ;', '/x.js'),
      (err) => {
        assert.ok(err instanceof cov.InstrumentError)
        assert.equal(err.line, 1)
        assert.equal(typeof err.column, 'number')
        return true
      },
    )
  })

  test('instrument(): a non-boolean esModules is refused, not taken as truthy', () => {
    // `esModules: 'false'` (a string from an environment variable) would
    // otherwise parse the file as an ES module.
    for (const v of ['false', 'yes', 1]) {
      assert.throws(
        () => cov.instrument('var with_ = 1; with ({}) {}', '/esm-flag.js', { esModules: v }),
        (err) => /esModules/.test(err.message),
        `esModules: ${JSON.stringify(v)}`,
      )
    }
  })

  test('run/flush/peek/reset: bad ids are TypeErrors naming the test id', () => {
    const bad = [undefined, null, '', 42, {}, ['a'], Symbol('s')]
    for (const id of bad) {
      for (const [name, call] of [
        ['run', () => cov.run(id, () => 1)],
        ['flush', () => cov.flush(id)],
        ['flushJson', () => cov.flushJson(id)],
        ['peek', () => cov.peek(id)],
        ['peekJson', () => cov.peekJson(id)],
        ['reset', () => cov.reset(id)],
      ]) {
        assert.throws(call, (err) => err instanceof TypeError && /test id/.test(err.message), `${name}(${String(id)})`)
      }
    }
    assert.throws(() => cov.run('ok'), TypeError)
    assert.throws(() => cov.run('ok', 'not a function'), /fn must be a function/)
  })

  test('ids that are not well-formed UTF-16 (lone surrogates) stay distinct tests', () => {
    const { exports: hit } = load('module.exports = function hit() { return 1 }', '/bad-input/lone-surrogate.js')
    const ids = ['lone \ud800', 'lone \udc00', 'lone \ufffd']
    ids.forEach((id, i) => cov.run(id, () => Array.from({ length: i + 1 }, () => hit())))
    const pending = cov.tests()
    for (const id of ids)
      assert.ok(pending.includes(id), `tests() lists ${JSON.stringify(id)} exactly (got ${JSON.stringify(pending.filter((t) => t.startsWith('lone')))})`)
    const got = ids.map((id) => cov.flush(id)['/bad-input/lone-surrogate.js'].f[0])
    assert.deepEqual(got, [1, 2, 3], 'each id has only its own calls')
  })
})
