'use strict'
// Downstream propagation between real processes: an upstream server with the
// preload calls a downstream one (http.request, http.get, global fetch)
// inside a test, and the downstream counts the work for the same test; the
// allow-list, turning it off, and bad inbound baggage.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { startServer, request, flush } = require('./support/server')
const { fnHits, entryFor } = require('./support/coverage')
const { testIdFromBaggage, hostMatcher, warner, hasChannelCreated, BAGGAGE_KEY } = require('../lib/server/propagation')
const { load } = require('../lib/config')

const FIXTURE = path.join(__dirname, 'fixtures/propagation')
let tmp, down, up, upListed, upOff

function start(script, outDir, env = {}) {
  return startServer(path.join(FIXTURE, script), { root: FIXTURE, env: { COV_ALS: '1', COV_ALS_OUT_DIR: path.join(tmp, outDir), ...env } })
}

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-prop-'))
  ;[down, up, upListed, upOff] = await Promise.all([
    start('downstream.js', 'down'),
    start('upstream.js', 'up'),
    start('upstream.js', 'up-listed', { COV_ALS_PROPAGATE_HOSTS: 'api.internal' }),
    start('upstream.js', 'up-off', { COV_ALS_PROPAGATE: '0' }),
  ])
})

after(async () => {
  await Promise.all([down, up, upListed, upOff].filter(Boolean).map((s) => s.stop()))
  fs.rmSync(tmp, { recursive: true, force: true })
})

// Ask `server` (an upstream) to call the downstream with these query parameters, as test `testId`.
async function call(server, testId, params) {
  const q = new URLSearchParams({ port: String(down.port), ...params })
  const r = await request(server.port, { path: `/call?${q}`, headers: testId ? { 'x-cov-test-id': encodeURIComponent(testId) } : {} })
  assert.equal(r.status, 200, r.body)
  return r.json
}

async function downstreamWork(testId) {
  const map = (await flush(down.port, testId)).coverage
  const work = entryFor(map, 'lib/work.js')
  return { work: fnHits(work, 'work'), step: fnHits(work, 'step') }
}

for (const via of ['http', 'get', 'fetch']) {
  test(`${via}: a downstream call inside a test carries the id (header and baggage) and counts for that test`, async () => {
    const id = `prop ${via} › ü/1`
    const answer = await call(up, id, { via, n: '3' })
    assert.equal(answer.total, 6)
    assert.equal(answer.header, encodeURIComponent(id))
    assert.equal(answer.baggage, `${BAGGAGE_KEY}=${encodeURIComponent(id)}`)
    assert.deepEqual(await downstreamWork(id), { work: 1, step: 3 })
    assert.deepEqual(await downstreamWork(id), { work: 0, step: 0 }, 'flushed once')
  })
}

for (const via of ['http', 'fetch']) {
  test(`${via}: existing baggage members stay intact, ours is added`, async () => {
    const id = `prop baggage ${via}`
    const existing = 'userId=alice,isProduction=false;prop=1'
    const answer = await call(up, id, { via, baggage: existing })
    assert.equal(answer.baggage, `${existing}, ${BAGGAGE_KEY}=${encodeURIComponent(id)}`)
    assert.deepEqual(await downstreamWork(id), { work: 1, step: 1 })
  })
}

test('inbound: the id is read from baggage alone, and our header wins over baggage', async () => {
  const r = await request(down.port, { path: '/?n=2', headers: { baggage: `a=1, ${BAGGAGE_KEY}=${encodeURIComponent('from baggage')};p, b=2` } })
  assert.equal(r.status, 200)
  assert.deepEqual(await downstreamWork('from baggage'), { work: 1, step: 2 })
  await request(down.port, { path: '/?n=1', headers: { 'x-cov-test-id': 'header-id', baggage: `${BAGGAGE_KEY}=baggage-id` } })
  assert.deepEqual(await downstreamWork('header-id'), { work: 1, step: 1 })
  assert.deepEqual(await downstreamWork('baggage-id'), { work: 0, step: 0 })
})

test('inbound: malformed baggage, too many members, an id over the limit: ignored with one warning each, request unaffected', async () => {
  const cases = {
    'malformed baggage': `a b=1, ${BAGGAGE_KEY}=bad-1`,
    'more than 180 members': Array.from({ length: 200 }, (_, i) => `k${i}=v`).join(',') + `,${BAGGAGE_KEY}=bad-2`,
    'longer than 1024': `${BAGGAGE_KEY}=${'x'.repeat(1025)}`,
  }
  const before = (await request(down.port, { path: '/__cov/tests' })).json.tests
  for (const baggage of Object.values(cases)) {
    for (let i = 0; i < 2; i++) {
      const r = await request(down.port, { path: '/?n=1', headers: { baggage } })
      assert.equal(r.status, 200)
      assert.equal(r.json.total, 0)
    }
  }
  const after = (await request(down.port, { path: '/__cov/tests' })).json.tests
  assert.deepEqual(
    after.filter((t) => !before.includes(t)),
    before.includes('startup') ? [] : ['startup'],
    'no test from bad baggage; the work went to startup',
  )
  const stderr = down.stderr()
  for (const needle of ['malformed baggage', 'more than 180 members', 'longer than 1024']) {
    assert.equal(stderr.split(needle).length - 1, 1, `one warning for ${needle}:\n${stderr}`)
  }
})

test('allow-list: a host outside it gets no id (default list: loopback and this machine)', async () => {
  const id = 'prop third party'
  const answer = await call(up, id, { via: 'http', host: 'third-party.example' })
  assert.equal(answer.total, 0)
  assert.equal(answer.header, null)
  assert.equal(answer.baggage, null)
  assert.deepEqual(await downstreamWork(id), { work: 0, step: 0 })
})

test('allow-list: COV_ALS_PROPAGATE_HOSTS replaces the default (here: only api.internal)', async () => {
  const id = 'prop listed'
  for (const via of ['http', 'fetch']) {
    const answer = await call(upListed, id, { via })
    assert.equal(answer.header, null, `${via} to 127.0.0.1 is not listed`)
    assert.equal(answer.baggage, null)
  }
  const listed = await call(upListed, id, { via: 'http', host: 'api.internal' })
  assert.equal(listed.header, encodeURIComponent(id))
  assert.deepEqual(await downstreamWork(id), { work: 1, step: 1 })
})

test('COV_ALS_PROPAGATE=0 turns propagation off; requests outside a test carry nothing', async () => {
  for (const via of ['http', 'fetch']) {
    const off = await call(upOff, 'prop off', { via })
    assert.deepEqual([off.header, off.baggage], [null, null])
    const outside = await call(up, null, { via })
    assert.deepEqual([outside.header, outside.baggage], [null, null])
  }
  assert.deepEqual(await downstreamWork('prop off'), { work: 0, step: 0 })
})

test('headers given as an array (already written by the constructor): no id, one warning, request unaffected', async () => {
  for (let i = 0; i < 2; i++) {
    const answer = await call(up, 'prop array', { via: 'http-array', baggage: 'a=1', n: '2' })
    assert.equal(answer.total, 2)
    assert.equal(answer.baggage, 'a=1')
    assert.equal(answer.header, null)
  }
  assert.equal(up.stderr().split('headers were already written').length - 1, 1, up.stderr())
})

test('testIdFromBaggage: members, properties, whitespace, percent-encoding', () => {
  const warnings = []
  const warn = (kind, m) => warnings.push(kind + ': ' + m)
  assert.equal(testIdFromBaggage(`a=1 ; p , ${BAGGAGE_KEY} = ${encodeURIComponent('t ü')} ;x=y`, warn, 1024), 't ü')
  assert.equal(testIdFromBaggage('a=1,b=2', warn, 1024), undefined)
  assert.equal(testIdFromBaggage(`,,${BAGGAGE_KEY}=z,`, warn, 1024), 'z', 'empty members are skipped')
  assert.equal(testIdFromBaggage(`${BAGGAGE_KEY}=first,${BAGGAGE_KEY}=second`, warn, 1024), 'first')
  assert.deepEqual(warnings, [])
  assert.equal(testIdFromBaggage(`${BAGGAGE_KEY}=%E0%A4%A`, warn, 1024), undefined)
  assert.equal(testIdFromBaggage('novalue', warn, 1024), undefined)
  assert.equal(testIdFromBaggage('x'.repeat(9000), warn, 1024), undefined)
  assert.equal(warnings.length, 3)
  const once = warner()
  let emitted = 0
  const onWarning = (w) => w.name === 'CovAlsWarning' && emitted++
  process.on('warning', onWarning)
  once('k', 'first')
  once('k', 'second')
  return new Promise((resolve) =>
    setImmediate(() => {
      process.off('warning', onWarning)
      assert.equal(emitted, 1)
      resolve()
    }),
  )
})

test('hostMatcher: loopback, self, exact names, *.suffix; config validation', () => {
  const m = hostMatcher(['loopback', 'api.internal', '*.svc.local'])
  for (const h of [
    'localhost',
    'LOCALHOST',
    'a.localhost',
    '127.0.0.1',
    '127.9.8.7',
    '::1',
    '[::1]',
    '::ffff:127.0.0.1',
    'api.internal',
    'api.internal.',
    'x.svc.local',
  ]) {
    assert.equal(m(h), true, h)
  }
  for (const h of ['example.com', 'svc.local', 'api.internal.evil.com', '10.0.0.1', '', undefined]) assert.equal(m(h), false, String(h))
  const self = hostMatcher(['self'])
  assert.equal(self(os.hostname()), true)
  assert.equal(self('127.0.0.1'), true, 'loopback interface is an address of this machine')
  assert.equal(self('example.com'), false)
  assert.deepEqual(load({}, os.tmpdir()).propagateHosts, ['loopback', 'self'])
  assert.equal(load({}, os.tmpdir()).propagate, true)
  assert.throws(() => load({ COV_ALS_PROPAGATE_HOSTS: 'https://api/' }, os.tmpdir()), /option propagateHosts \(from COV_ALS_PROPAGATE_HOSTS\)/)
  assert.throws(() => load({ COV_ALS_PROPAGATE: 'maybe' }, os.tmpdir()), /option propagate/)
  // Which hook is used: the documented channel from Node 22.14 / 23.2 on.
  assert.deepEqual(
    ['20.20.0', '22.13.1', '22.14.0', '23.1.0', '23.2.0', '24.0.0'].map((v) => hasChannelCreated(v)),
    [false, false, true, false, true, true],
  )
})
