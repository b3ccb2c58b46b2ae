'use strict'
// HTTP test scoping: every request runs inside the test context its header
// names, and control requests (flush, list) are answered here, never reaching
// the app. Used by the preload (patching http/https servers), by the Express
// middleware, the Fastify plugin and `wrap(handler)`. Connections that outlive
// a request (an `upgrade` to a WebSocket, an HTTP/2 stream and what runs on
// it, gRPC) are scoped the same way, once per connection (docs/transports.md).

const http = require('node:http')
const https = require('node:https')
const crypto = require('node:crypto')
const { flushTestCoverage } = require('../store')
const { testIdFromBaggage, warner } = require('./propagation')
const { MAX_TEST_ID_LENGTH, isUsableTestId, decodeFromHeader } = require('../test-id')
const { TOKEN_HEADER, TOKEN_ENV, TEST_ID_KEY } = require('../control')

const MAX_CONTROL_BODY = 64 * 1024
// How long a settling flush waits for a test's connections to close.
const SETTLE_MS = 1000
const SCOPED = Symbol('cov-als-native.scoped')
const PATCHED = Symbol('cov-als-native.patched')

function isLoopback(address) {
  if (!address) return false
  const a = address.startsWith('::ffff:') ? address.slice(7) : address
  return a === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a)
}

function headerValue(req, name) {
  const v = req.headers[name]
  return Array.isArray(v) ? v[0] : v
}

function createScope(cov, config) {
  const controlPrefix = config.controlPath.replace(/\/$/, '') + '/'
  let warnedLongId = false

  const warnBaggage = warner()

  // Our header, else our member of W3C `baggage` (set by an upstream
  // instrumented service, lib/server/propagation.js).
  function testIdOf(req) {
    return testIdOfHeaders(req.headers)
  }

  function testIdOfHeaders(headers) {
    const raw = Array.isArray(headers[config.header]) ? headers[config.header][0] : headers[config.header]
    if (typeof raw !== 'string' || raw.trim() === '') return testIdFromBaggage(headerText(headers.baggage), warnBaggage, MAX_TEST_ID_LENGTH)
    // The limit is on the id, not on its (up to 9x longer) percent-encoding.
    const testId = decodeFromHeader(raw.trim())
    if (testId.length > MAX_TEST_ID_LENGTH) {
      if (!warnedLongId)
        process.emitWarning(`cov-als-native: ignoring a ${config.header} test id longer than ${MAX_TEST_ID_LENGTH} characters`, 'CovAlsWarning')
      warnedLongId = true
      return undefined
    }
    return testId
  }

  function authorized(req) {
    if (config.token) {
      const given = Buffer.from(String(headerValue(req, TOKEN_HEADER) || ''))
      const want = Buffer.from(config.token)
      return given.length === want.length && crypto.timingSafeEqual(given, want)
    }
    return isLoopback(req.socket && req.socket.remoteAddress)
  }

  function isControl(req) {
    return headerValue(req, config.flushHeader) !== undefined || (req.url || '').startsWith(controlPrefix)
  }

  function send(res, status, body) {
    sendParts(res, status, [typeof body === 'string' ? body : JSON.stringify(body)])
  }

  // An answer written part by part, never joined: a flush's JSON may be tens
  // of megabytes (external to V8's heap, src/json_text.rs), and a joined
  // string would be flattened into one more copy of it.
  function sendParts(res, status, parts) {
    const length = parts.reduce((n, part) => n + Buffer.byteLength(part), 0)
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': length, 'cache-control': 'no-store' })
    for (let i = 0; i < parts.length - 1; i++) res.write(parts[i])
    res.end(parts[parts.length - 1])
  }

  // Answers 400 and returns false for an id a control request cannot use.
  function usableId(res, testId) {
    if (isUsableTestId(testId)) return true
    send(res, 400, { error: `testId must be a non-empty string of at most ${MAX_TEST_ID_LENGTH} characters` })
    return false
  }

  // The upgraded connections (WebSockets) of each test still open. The
  // fixture flushes a test once its browser context is closed, and may reach
  // the server before the closes do: their handlers (a socket.io
  // 'disconnect') are the test's work, which the flush then waits for.
  const openSockets = new Map()
  function trackSocket(testId, socket) {
    let open = openSockets.get(testId)
    if (!open) openSockets.set(testId, (open = new Set()))
    open.add(socket)
    socket.once('close', () => {
      open.delete(socket)
      if (open.size === 0 && openSockets.get(testId) === open) openSockets.delete(testId)
    })
  }

  // `done` once the test's open connections have closed (their close
  // handlers run: an immediate later) or SETTLE_MS have passed.
  function settled(testId, done) {
    const open = openSockets.get(testId)
    if (!open) return done()
    let pending = open.size
    const finish = () => {
      if (timer === null) return
      clearTimeout(timer)
      timer = null
      setImmediate(done)
    }
    let timer = setTimeout(finish, SETTLE_MS)
    for (const socket of open) socket.once('close', () => --pending === 0 && finish())
  }

  // The test's counts go to the run store; the answer is Istanbul JSON of
  // every registered file, or with touchedOnly of the files the test touched.
  // With `settle`, after the test's open connections have closed.
  function flushTo(res, testId, touchedOnly = false, settle = false) {
    if (!usableId(res, testId)) return
    if (settle) return settled(testId, () => flushNow(res, testId, touchedOnly))
    flushNow(res, testId, touchedOnly)
  }

  function flushNow(res, testId, touchedOnly) {
    const { coverage, file, error } = flushTestCoverage(cov, config.outDir, testId, { touchedOnly })
    if (error) process.emitWarning(`cov-als-native: could not write coverage of a test to ${config.outDir}: ${error}`, 'CovAlsWarning')
    sendParts(res, 200, [`{"testId":${JSON.stringify(testId)},"file":${JSON.stringify(file)},"coverage":`, coverage, '}'])
  }

  // Like a flush, but nothing is reset or written (a test checking its own
  // report while another project of the same test may still be running).
  function peekTo(res, testId) {
    if (!usableId(res, testId)) return
    sendParts(res, 200, [`{"testId":${JSON.stringify(testId)},"coverage":`, cov.peekJson(testId), '}'])
  }

  function readBody(req, done) {
    let size = 0
    const chunks = []
    req.on('data', (c) => {
      size += c.length
      if (size <= MAX_CONTROL_BODY) chunks.push(c)
    })
    req.on('end', () => done(size > MAX_CONTROL_BODY ? null : Buffer.concat(chunks).toString('utf8')))
    req.on('error', () => done(null))
  }

  // Answer a control request (the caller checked isControl).
  function answerControl(req, res) {
    if (!authorized(req)) {
      return send(res, 403, {
        error: config.token
          ? `cov-als-native: bad or missing ${TOKEN_HEADER}`
          : `cov-als-native: control requests are accepted from loopback only (set ${TOKEN_ENV} to allow others)`,
      })
    }
    const flushHeader = headerValue(req, config.flushHeader)
    if (flushHeader !== undefined) return flushTo(res, decodeFromHeader(String(flushHeader).trim()))
    const route = (req.url || '').slice(controlPrefix.length).split('?')[0]
    if (route === 'tests' && req.method === 'GET') return send(res, 200, { tests: cov.tests() })
    if ((route === 'flush' || route === 'peek') && req.method === 'POST') {
      return readBody(req, (body) => {
        if (body === null) return send(res, 413, { error: `body larger than ${MAX_CONTROL_BODY} bytes` })
        let parsed
        try {
          parsed = JSON.parse(body)
        } catch {
          return send(res, 400, { error: 'body must be JSON: {"testId": "..."}' })
        }
        const testId = parsed && parsed.testId
        const only = parsed ? parsed.only : undefined
        const settle = parsed ? parsed.settle : undefined
        if (only !== undefined && only !== 'touched') return send(res, 400, { error: `"only" must be "touched" when given, got ${JSON.stringify(only)}` })
        if (settle !== undefined && typeof settle !== 'boolean')
          return send(res, 400, { error: `"settle" must be a boolean when given, got ${JSON.stringify(settle)}` })
        return route === 'flush' ? flushTo(res, testId, only === 'touched', settle === true) : peekTo(res, testId)
      })
    }
    send(res, 404, {
      error: `unknown control request ${req.method} ${req.url}; known: GET ${controlPrefix}tests, POST ${controlPrefix}flush, POST ${controlPrefix}peek`,
    })
  }

  /**
   * Run `next` for this request inside its test's context, or answer it if
   * it is a control request. Returns what `next` returns.
   */
  function scope(req, res, next) {
    if (isControl(req)) {
      answerControl(req, res)
      return true
    }
    // An HTTP/2 compatibility request: its stream is already scoped (scopeStream).
    if (req[SCOPED] || (req.stream && req.stream[SCOPED])) return next()
    req[SCOPED] = true
    // Stream events (body 'data'/'end', 'finish', 'close') come from the
    // socket, outside the request's async context: bound to it.
    return runBound(testIdOf(req), req, res, next)
  }

  // Run `next` in `testId`'s context (unattributed without one), with the
  // events of `a` and `b` bound to that context once.
  function runBound(testId, a, b, next) {
    const inContext = () => {
      a.emit = cov.bind(a.emit)
      if (b) b.emit = cov.bind(b.emit)
      return next()
    }
    return testId === undefined ? cov.runUnattributed(inContext) : cov.run(testId, inContext)
  }

  // A handshake's id: as a request's, else our cookie (a browser's
  // `new WebSocket()` cannot set headers; the Playwright fixture sets both).
  function testIdOfHandshake(req) {
    const fromHeaders = testIdOf(req)
    if (fromHeaders !== undefined) return fromHeaders
    const cookie = headerText(req.headers.cookie)
    return cookie === undefined ? undefined : testIdFromCookie(cookie, warnBaggage)
  }

  /**
   * Run `next` for an `upgrade` request in its test's context, with every
   * later event of its socket (each WebSocket message, close, errors) bound
   * to that context once: no work per message beyond the bound emit.
   */
  function scopeUpgrade(req, socket, next) {
    if (req[SCOPED]) return next()
    req[SCOPED] = true
    const testId = testIdOfHandshake(req)
    if (testId !== undefined && socket && typeof socket.once === 'function') trackSocket(testId, socket)
    return runBound(testId, req, socket, next)
  }

  /** Run `next` for an HTTP/2 stream in its test's context, its events bound to it. */
  function scopeStream(stream, headers, next) {
    if (stream[SCOPED]) return next()
    stream[SCOPED] = true
    const testId = headers && typeof headers === 'object' ? testIdOfHeaders(headers) : undefined
    return runBound(testId, stream, null, next)
  }

  return { scope, scopeUpgrade, scopeStream, isControl, answerControl, testIdOf }
}

function headerText(value) {
  if (value === undefined) return undefined
  return Array.isArray(value) ? value.join(',') : String(value)
}

// The cookie the fixture sets for browsers' WebSocket handshakes: the same
// name as the baggage member, its value percent-encoded.
const COOKIE = TEST_ID_KEY

function testIdFromCookie(cookieHeader, warn) {
  for (const pair of cookieHeader.split(';')) {
    const eq = pair.indexOf('=')
    if (eq < 0 || pair.slice(0, eq).trim() !== COOKIE) continue
    let id
    try {
      id = decodeURIComponent(pair.slice(eq + 1).trim())
    } catch {
      warn('cookie-malformed', `ignoring a malformed ${COOKIE} cookie (bad percent-encoding)`)
      return undefined
    }
    if (id === '') return undefined
    if (id.length > MAX_TEST_ID_LENGTH) {
      warn('cookie-long-id', `ignoring a ${COOKIE} cookie longer than ${MAX_TEST_ID_LENGTH} characters`)
      return undefined
    }
    return id
  }
  return undefined
}

/**
 * Patch http and https servers so every 'request' goes through `scope` and
 * every 'upgrade' through `scopeUpgrade`; and HTTP/2 servers (plain and
 * secure, gRPC's too) so every 'stream' goes through `scopeStream` (and
 * every 'request' through `scope`).
 */
function patchServers(scope, scopeUpgrade, scopeStream) {
  for (const proto of [http.Server.prototype, https.Server.prototype]) {
    if (proto.emit[PATCHED]) continue
    const emit = proto.emit
    const patched = function (event, req, res) {
      if (event === 'request') {
        const args = arguments
        return scope(req, res, () => emit.apply(this, args))
      }
      if (event === 'upgrade' && scopeUpgrade) {
        const args = arguments
        return scopeUpgrade(req, res, () => emit.apply(this, args))
      }
      return emit.apply(this, arguments)
    }
    patched[PATCHED] = true
    proto.emit = patched
  }
  if (scopeStream) patchHttp2Servers(scope, scopeStream)
}

// Http2Server and Http2SecureServer are not exported: their prototypes are
// reached through an instance that never listens.
// A 'request' there (the compatibility API, or HTTP/1 with allowHTTP1) goes
// through `scope` too: control requests are answered, HTTP/1 ones scoped.
function patchHttp2Servers(scope, scopeStream) {
  const http2 = require('node:http2')
  for (const create of [http2.createServer, http2.createSecureServer]) {
    const proto = Object.getPrototypeOf(create())
    if (Object.prototype.hasOwnProperty.call(proto, 'emit') && proto.emit[PATCHED]) continue
    const emit = proto.emit
    const patched = function (event, stream, headers) {
      const args = arguments
      if (event === 'stream') return scopeStream(stream, headers, () => emit.apply(this, args))
      if (event === 'request') return scope(stream, headers, () => emit.apply(this, args))
      return emit.apply(this, arguments)
    }
    patched[PATCHED] = true
    proto.emit = patched
  }
}

module.exports = { createScope, patchServers, isLoopback, testIdFromCookie }
