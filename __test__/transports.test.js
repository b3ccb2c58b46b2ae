'use strict'
// Issue 23: every transport a test touches counts for it. One preloaded
// server (fixtures/transports/server.js) serves raw ws, graphql-ws (queries,
// mutations and subscriptions over one socket), socket.io (WebSocket,
// long-polling, and polling upgraded to WebSocket mid-session), SSE, a
// streamed response, HTTP/2 and gRPC, and relays calls out over HTTP/2 and
// gRPC. Each session is run as a test alone, then all of them at once as
// concurrent tests: each test's counts of the handlers equal its counts
// alone, and `startup` holds none of the handlers' work.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const http = require('node:http')
const http2 = require('node:http2')
const WebSocket = require('ws')
const { io } = require('socket.io-client')
const grpc = require('@grpc/grpc-js')
const { createClient } = require('graphql-ws')
const { startServer, request, flush } = require('./support/server')
const { entryFor, fnHits } = require('./support/coverage')
const { BAGGAGE_KEY } = require('../lib/server/propagation')
const { service } = require('./fixtures/transports/grpc-service')

const FIXTURE = path.join(__dirname, 'fixtures/transports')
const HANDLERS = ['onOpen', 'onMessage', 'step', 'settle', 'onClose', 'nextEvent']
const RESOLVERS = ['work', 'ticks'] // lib/graphql.js
let tmp, server, ports

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-transports-'))
  server = await startServer(path.join(FIXTURE, 'server.js'), {
    root: FIXTURE,
    env: { COV_ALS: '1', COV_ALS_OUT_DIR: tmp, COV_ALS_INCLUDE: 'lib/**' },
  })
  ports = server.info
})

after(async () => {
  if (server) await server.stop()
  fs.rmSync(tmp, { recursive: true, force: true })
})

const idHeader = (id) => ({ 'x-cov-test-id': encodeURIComponent(id) })
const baggageHeader = (id) => ({ baggage: `other=1, ${BAGGAGE_KEY}=${encodeURIComponent(id)}` })
const cookieHeader = (id) => ({ cookie: `session=abc; ${BAGGAGE_KEY}=${encodeURIComponent(id)}` })

// The server has seen the connection named `key` close (its close handler ran).
async function closed(key) {
  const r = await request(server.port, { path: `/closed?key=${encodeURIComponent(key)}`, timeoutMs: 30000 })
  assert.equal(r.body, 'closed')
}

function nextMessage(ws) {
  return new Promise((resolve, reject) => {
    ws.once('message', (data) => resolve(String(data)))
    ws.once('error', reject)
  })
}

// A raw ws session: open, one message per entry of `rounds` (each answered), close.
async function wsSession(key, headers, rounds) {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?key=${encodeURIComponent(key)}`, { headers })
  assert.equal(await nextMessage(ws), 'raw')
  const answers = []
  for (const n of rounds) {
    ws.send(String(n))
    answers.push(await nextMessage(ws))
  }
  ws.close()
  await closed(key)
  return answers
}

// A socket.io session over `transports`; with `upgradeAfter`, the first
// messages go over long-polling and the rest after the upgrade to WebSocket.
async function ioSession(key, headers, rounds, { transports, upgradeAfter } = {}) {
  const socket = io(`http://127.0.0.1:${server.port}`, {
    transports,
    upgrade: upgradeAfter !== undefined,
    extraHeaders: headers,
    query: { key },
    forceNew: true,
    reconnection: false,
  })
  const hello = await new Promise((resolve, reject) => {
    socket.once('hello', resolve)
    socket.once('connect_error', reject)
  })
  const answers = [hello]
  for (const [i, n] of rounds.entries()) {
    if (i === upgradeAfter && socket.io.engine.transport.name !== 'websocket') await new Promise((resolve) => socket.io.engine.once('upgrade', resolve))
    answers.push(await socket.emitWithAck('work', String(n)))
  }
  if (upgradeAfter !== undefined) assert.equal(socket.io.engine.transport.name, 'websocket', 'the session ends on WebSocket')
  socket.disconnect()
  await closed(key)
  return answers
}

// A graphql-ws session on one socket: a query for the first round, a mutation
// for each other round, then a subscription of `ticks` events. graphql-ws
// builds its WebSocket as `new impl(url, protocol)`: a subclass adds the
// handshake's headers (ws's options).
async function graphqlSession(key, headers, rounds, { ticks }) {
  class WebSocketWithHeaders extends WebSocket {
    constructor(url, protocols) {
      super(url, protocols, { headers })
    }
  }
  const client = createClient({
    url: `ws://127.0.0.1:${server.port}/graphql?key=${encodeURIComponent(key)}`,
    webSocketImpl: WebSocketWithHeaders,
    lazy: false,
    retryAttempts: 0,
  })
  const results = async (query, n) => {
    const out = []
    for await (const result of client.iterate({ query, variables: { n } })) {
      assert.equal(result.errors, undefined, JSON.stringify(result.errors))
      out.push(result.data)
    }
    return out
  }
  const answers = []
  for (const [i, n] of rounds.entries()) {
    if (i === 0) answers.push((await results('query($n: Int!) { work(n: $n) }', n))[0].work)
    else answers.push((await results('mutation($n: Int!) { record(n: $n) }', n))[0].record)
  }
  answers.push((await results('subscription($n: Int!) { ticks(n: $n) }', ticks)).length)
  await client.dispose()
  await closed(key)
  return answers
}

// An SSE or streamed response: `counts` events let out in turn, each batch read before the next.
function openStream(kind, key, headers) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: server.port, path: `/${kind}?key=${encodeURIComponent(key)}`, headers }, (res) => {
      res.setEncoding('utf8')
      let buffered = ''
      const waiting = []
      res.on('data', (chunk) => {
        buffered += chunk
        for (const w of waiting.splice(0)) w()
      })
      const events = () => buffered.split('\n').filter((l) => /^(data: )?t[io]ck \d+$/.test(l)).length
      const stream = {
        async release(n) {
          const target = events() + n
          const r = await request(ports.controlPort, { method: 'POST', path: `/more?key=${encodeURIComponent(key)}&n=${n}` })
          assert.equal(r.status, 200)
          while (events() < target) await new Promise((w) => waiting.push(w))
        },
        events,
        close: () => req.destroy(),
      }
      res.once('data', () => resolve(stream))
    })
    req.on('error', reject)
  })
}

async function streamSession(kind, key, headers, batches) {
  const stream = await openStream(kind, key, headers)
  for (const n of batches) await stream.release(n)
  const seen = stream.events()
  stream.close()
  await closed(key)
  return seen
}

function h2Post(port, headers, body, path = '/work') {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`)
    session.on('error', reject)
    const req = session.request({ ':method': 'POST', ':path': path, ...headers })
    let text = ''
    req.setEncoding('utf8')
    req.on('data', (c) => (text += c))
    req.on('end', () => {
      session.close()
      resolve(text)
    })
    req.on('error', reject)
    req.end(body)
  })
}

async function h2Session(port, headers, rounds) {
  const answers = []
  for (const n of rounds) answers.push(await h2Post(port, headers, String(n)))
  return answers
}

const GrpcClient = grpc.makeGenericClientConstructor(service, 'Work')

async function grpcSession(headers, rounds, { ticks = 0 } = {}) {
  const client = new GrpcClient(`127.0.0.1:${ports.grpcPort}`, grpc.credentials.createInsecure())
  const metadata = new grpc.Metadata()
  for (const [k, v] of Object.entries(headers)) metadata.set(k, v)
  try {
    const answers = []
    for (const n of rounds) {
      const reply = await new Promise((resolve, reject) => client.work({ n }, metadata, (err, r) => (err ? reject(err) : resolve(r))))
      answers.push(reply.answer)
    }
    if (ticks) {
      const texts = []
      await new Promise((resolve, reject) => {
        const call = client.ticks({ n: ticks }, metadata)
        call.on('data', (m) => texts.push(m.text))
        call.on('end', resolve)
        call.on('error', reject)
      })
      answers.push(texts.length)
    }
    return answers
  } finally {
    client.close()
  }
}

// The server calls out (HTTP/2 or gRPC) without naming the test: propagation must.
async function relaySession(kind, headers, rounds) {
  const answers = []
  for (const n of rounds) {
    const r = await request(server.port, { path: `/relay-${kind}?n=${n}`, headers })
    assert.equal(r.status, 200, r.body)
    answers.push(r.json)
  }
  return answers
}

// Every session, by name: (test id, key for its connections, rounds) => answers.
// Each gets its own rounds, so counts leaking between tests would show.
const SESSIONS = {
  'ws, header': (id, key, rounds) => wsSession(key, idHeader(id), rounds),
  'ws, baggage': (id, key, rounds) => wsSession(key, baggageHeader(id), rounds),
  'ws, cookie (browsers)': (id, key, rounds) => wsSession(key, cookieHeader(id), rounds),
  'graphql-ws, header': (id, key, rounds) => graphqlSession(key, idHeader(id), rounds, { ticks: rounds[0] }),
  'graphql-ws, baggage': (id, key, rounds) => graphqlSession(key, baggageHeader(id), rounds, { ticks: rounds[1] }),
  'socket.io, WebSocket': (id, key, rounds) => ioSession(key, idHeader(id), rounds, { transports: ['websocket'] }),
  'socket.io, long-polling': (id, key, rounds) => ioSession(key, idHeader(id), rounds, { transports: ['polling'] }),
  'socket.io, polling upgraded to WebSocket': (id, key, rounds) =>
    ioSession(key, idHeader(id), rounds, { transports: ['polling', 'websocket'], upgradeAfter: 1 }),
  SSE: (id, key, rounds) => streamSession('sse', key, idHeader(id), rounds),
  'streamed response': (id, key, rounds) => streamSession('stream', key, idHeader(id), rounds),
  'HTTP/2, header': (id, key, rounds) => h2Session(ports.h2Port, idHeader(id), rounds),
  'HTTP/2, baggage': (id, key, rounds) => h2Session(ports.h2Port, baggageHeader(id), rounds),
  'HTTP/2 compatibility API': (id, key, rounds) => h2Session(ports.h2CompatPort, idHeader(id), rounds),
  'gRPC, metadata header': (id, key, rounds) => grpcSession(idHeader(id), rounds, { ticks: rounds[0] }),
  'gRPC, metadata baggage': (id, key, rounds) => grpcSession(baggageHeader(id), rounds),
  'outgoing HTTP/2 from a test': (id, key, rounds) => relaySession('h2', idHeader(id), rounds),
  'outgoing gRPC from a test': (id, key, rounds) => relaySession('grpc', idHeader(id), rounds),
  // A second test on the server's same HTTP/2 session and gRPC channel.
  'outgoing HTTP/2 from another test': (id, key, rounds) => relaySession('h2', idHeader(id), rounds),
  'outgoing gRPC from another test': (id, key, rounds) => relaySession('grpc', idHeader(id), rounds),
}
const NAMES = Object.keys(SESSIONS)
const roundsOf = (name) => {
  const i = NAMES.indexOf(name)
  return [i + 1, 2 * i + 5, 3]
}

async function handlerCounts(testId) {
  const map = (await flush(server.port, testId)).coverage
  const entry = entryFor(map, 'lib/handlers.js')
  assert.ok(entry, `${testId}: the handlers were not reported`)
  const graphql = entryFor(map, 'lib/graphql.js')
  assert.ok(graphql, `${testId}: the resolvers were not reported`)
  return {
    s: entry.s,
    f: entry.f,
    b: entry.b,
    fn: Object.fromEntries(HANDLERS.map((h) => [h, fnHits(entry, h)])),
    resolvers: { s: graphql.s, f: graphql.f, b: graphql.b, fn: Object.fromEntries(RESOLVERS.map((r) => [r, fnHits(graphql, r)])) },
  }
}

const alone = {}

test('each transport alone: its test counts every handler it ran', async () => {
  for (const name of NAMES) {
    const id = `alone › ${name}`
    const answers = await SESSIONS[name](id, id, roundsOf(name))
    alone[name] = await handlerCounts(id)
    const { fn } = alone[name]
    const sum = roundsOf(name).reduce((a, b) => a + b)
    // A stream answers the number of events it read; the others one answer per message.
    if (typeof answers === 'number') assert.deepEqual([answers, fn.nextEvent], [sum, sum], `${name}: one nextEvent per event`)
    else assert.deepEqual([fn.onMessage, fn.step], [roundsOf(name).length, sum], `${name}: every message ran in the test`)
    if (/^(ws|graphql-ws|socket\.io)/.test(name)) assert.equal(fn.onClose, 1, `${name}: the close handler counted in the test`)
    if (name.startsWith('graphql-ws')) {
      // connection_init, each operation's resolver and every subscription event.
      const ticks = answers.at(-1)
      assert.ok(ticks > 0)
      assert.deepEqual([fn.onOpen, fn.nextEvent], [1, ticks], `${name}: the connection and every subscription event counted in the test`)
      assert.deepEqual(alone[name].resolvers.fn, { work: roundsOf(name).length, ticks: 1 }, `${name}: every resolver counted in the test`)
    }
  }
  // The relayed calls show the id reached the other side.
  const relayed = await relaySession('h2', idHeader('relay check'), [2])
  assert.equal(relayed[0].seen, encodeURIComponent('relay check'))
  await handlerCounts('relay check')
})

test('all transports at once, as concurrent tests: each test counts exactly what it counted alone', async () => {
  await Promise.all(NAMES.map((name) => SESSIONS[name](`together › ${name}`, `together › ${name}`, roundsOf(name))))
  for (const name of NAMES) {
    const together = await handlerCounts(`together › ${name}`)
    assert.deepEqual(together, alone[name], `${name}: counts with every other transport running equal the test alone`)
  }
})

test('startup holds none of the handlers’ work', async () => {
  const { fn, resolvers } = await handlerCounts('startup')
  assert.deepEqual(fn, Object.fromEntries(HANDLERS.map((h) => [h, 0])))
  assert.deepEqual(resolvers.fn, Object.fromEntries(RESOLVERS.map((r) => [r, 0])))
})

test('a connection whose test was flushed keeps counting into that test’s next flush (ws, SSE, streamed response)', async () => {
  const id = 'flushed mid-connection'
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?key=late-ws`, { headers: idHeader(id) })
  assert.equal(await nextMessage(ws), 'raw')
  ws.send('4')
  await nextMessage(ws)
  let counts = await handlerCounts(id)
  assert.deepEqual([counts.fn.onOpen, counts.fn.onMessage, counts.fn.step, counts.fn.onClose], [1, 1, 4, 0])
  ws.send('6')
  await nextMessage(ws)
  ws.send('2')
  await nextMessage(ws)
  ws.close()
  await closed('late-ws')
  counts = await handlerCounts(id)
  assert.deepEqual([counts.fn.onOpen, counts.fn.onMessage, counts.fn.step, counts.fn.onClose], [0, 2, 8, 1])

  for (const kind of ['sse', 'stream']) {
    const sid = `flushed mid-${kind}`
    const stream = await openStream(kind, `late-${kind}`, idHeader(sid))
    await stream.release(2)
    assert.equal((await handlerCounts(sid)).fn.nextEvent, 2)
    await stream.release(3)
    assert.equal((await handlerCounts(sid)).fn.nextEvent, 3, `${kind}: events after the flush go to the next flush`)
    stream.close()
    await closed(`late-${kind}`)
  }
  assert.equal((await handlerCounts('startup')).fn.nextEvent, 0)
})

// The fixture flushes a test as soon as its browser context is closed; the
// flush can reach the server before the closes of the test's WebSockets do,
// and what their close handlers count (a socket.io 'disconnect') then went to
// the next flush only (Etherpad: 62-67 tests per run). A settling flush waits
// for them: here the socket closes 100 ms after the flush arrived.
test('a settling flush waits for the test’s WebSockets to close; their close handlers count in it', async () => {
  const id = 'settling flush'
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?key=settle-ws`, { headers: idHeader(id) })
  assert.equal(await nextMessage(ws), 'raw')
  ws.send('3')
  await nextMessage(ws)
  const answer = request(server.port, { method: 'POST', path: '/__cov/flush', body: { testId: id, only: 'touched', settle: true } })
  await new Promise((resolve) => setTimeout(resolve, 100))
  ws.close()
  const r = await answer
  assert.equal(r.status, 200, r.body)
  const entry = entryFor(r.json.coverage, 'lib/handlers.js')
  assert.deepEqual([fnHits(entry, 'onOpen'), fnHits(entry, 'onMessage'), fnHits(entry, 'step'), fnHits(entry, 'onClose')], [1, 1, 3, 1])
  await closed('settle-ws')
  assert.equal((await handlerCounts(id)).fn.onClose, 0, 'nothing left for the next flush')
  // A test without open connections is flushed at once; a bad settle is refused.
  const quick = await request(server.port, { method: 'POST', path: '/__cov/flush', body: { testId: 'no sockets', settle: true } })
  assert.equal(quick.status, 200)
  const bad = await request(server.port, { method: 'POST', path: '/__cov/flush', body: { testId: id, settle: 'yes' } })
  assert.equal(bad.status, 400)
  assert.match(bad.json.error, /"settle" must be a boolean/)
})

test('a connection without an id counts in startup; a malformed id is ignored with one warning', async () => {
  await wsSession('no id', {}, [3])
  let startup = await handlerCounts('startup')
  assert.deepEqual([startup.fn.onMessage, startup.fn.step, startup.fn.onClose], [1, 3, 1])

  const long = 'x'.repeat(1025)
  await wsSession('long id 1', { 'x-cov-test-id': long }, [2])
  await wsSession('long id 2', { 'x-cov-test-id': long }, [2])
  await wsSession('bad cookie 1', { cookie: `${BAGGAGE_KEY}=%E0%A4%A` }, [1])
  await wsSession('bad cookie 2', { cookie: `${BAGGAGE_KEY}=%E0%A4%A` }, [1])
  startup = await handlerCounts('startup')
  assert.deepEqual([startup.fn.onMessage, startup.fn.step, startup.fn.onClose], [4, 6, 4], 'the four sessions counted in startup')
  const tests = (await request(server.port, { path: '/__cov/tests' })).json.tests
  assert.ok(!tests.includes(long), 'no test was made of the long id')
  const warnings = server.stderr().split('\n')
  assert.equal(warnings.filter((l) => l.includes('test id longer than 1024')).length, 1, server.stderr())
  assert.equal(warnings.filter((l) => l.includes('malformed cov-als-test-id cookie')).length, 1, server.stderr())
})

test('HTTP/2: control requests are answered on a server with the compatibility API', async () => {
  await h2Session(ports.h2CompatPort, idHeader('h2 control'), [3])
  const peek = JSON.parse(await h2Post(ports.h2CompatPort, { 'content-type': 'application/json' }, JSON.stringify({ testId: 'h2 control' }), '/__cov/peek'))
  const entry = entryFor(peek.coverage, 'lib/handlers.js')
  assert.deepEqual([fnHits(entry, 'onMessage'), fnHits(entry, 'step')], [1, 3])
  assert.equal((await handlerCounts('h2 control')).fn.onMessage, 1, 'a peek leaves the counts in place')
})

test('outgoing HTTP/2: the id goes to allowed hosts only, and an existing baggage keeps its members', () => {
  const { install } = require('../lib/server/propagation')
  const cov = require('..')
  delete globalThis[Symbol.for('cov-als-native.propagation')]
  const handle = install(cov, { header: 'x-cov-test-id', propagateHosts: ['loopback', 'api.internal'] })
  try {
    const given = { ':path': '/', baggage: 'a=1' }
    const out = cov.run('out › 1', () => handle.http2Headers('api.internal', given))
    assert.deepEqual(out, { ':path': '/', baggage: `a=1,${BAGGAGE_KEY}=${encodeURIComponent('out › 1')}`, 'x-cov-test-id': encodeURIComponent('out › 1') })
    assert.deepEqual(given, { ':path': '/', baggage: 'a=1' }, "the caller's headers are left alone")
    assert.equal(
      cov.run('out › 1', () => handle.http2Headers('example.com', given)),
      given,
      'not to a host outside the allow-list',
    )
    assert.equal(handle.http2Headers('127.0.0.1', given), given, 'not outside a test')
  } finally {
    handle.uninstall()
  }
})

// A socket opened without an id (a second player, a dashboard) receives a
// broadcast sent by a test's handler: the work done for it runs in that
// handler, so it is the sending test's, not startup's (docs/transports.md).
test('a broadcast from a test’s handler counts for that test, the copy for a socket without an id too', async () => {
  const connect = (key, headers) => {
    const socket = io(`http://127.0.0.1:${server.port}`, {
      transports: ['websocket'],
      extraHeaders: headers,
      query: { key },
      forceNew: true,
      reconnection: false,
    })
    return new Promise((resolve, reject) => {
      socket.once('hello', () => resolve(socket))
      socket.once('connect_error', reject)
    })
  }
  const listener = await connect('broadcast listener', {})
  const heard = new Promise((resolve) => listener.once('heard', resolve))
  const sender = await connect('broadcast sender', idHeader('broadcast'))
  assert.equal(await sender.emitWithAck('shout', 'hello all'), 'sent')
  assert.equal(await heard, 'HELLO ALL')
  sender.disconnect()
  listener.disconnect()
  await closed('broadcast sender')
  await closed('broadcast listener')
  const deliveries = async (testId) => {
    const entry = entryFor((await flush(server.port, testId)).coverage, 'lib/handlers.js')
    return entry ? fnHits(entry, 'deliver') : 0
  }
  assert.equal(await deliveries('broadcast'), 2, 'one copy for each socket, both in the sender’s test')
  assert.equal(await deliveries('startup'), 0)
})
