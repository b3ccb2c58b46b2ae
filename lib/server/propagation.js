'use strict'
// Downstream propagation: a request sent from inside a test context (an
// http/https ClientRequest, or global fetch / undici) carries the test id, as
// our header and as a W3C `baggage` member, so an instrumented downstream
// server counts its work for the same test. Only to allowed hosts (default:
// loopback and this machine), so ids never reach third parties.
//
// Hooks, per client (docs/multi-process.md has the reasons):
//   - undici (global fetch): the documented diagnostics channel
//     `undici:request:create`, whose `request.addHeader()` is meant for this
//     (Node 20, 22, 24, 26 all publish it, with headers as a flat array);
//   - http/https on Node >= 22.14: `http.client.request.created`, published at
//     the end of the ClientRequest constructor, before headers are stored, so
//     `setHeader` still works;
//   - http/https on Node 20, which has no such channel (its
//     `http.client.request.start` comes after the headers are stored): the
//     same handler, called by thin wrappers of `request`/`get` right after the
//     ClientRequest is constructed (the one place with the same timing);
//   - http2 (and gRPC, which runs on it): `http2.connect` is wrapped to note
//     each session's host, and the client session's `request` adds the id to
//     the headers it is given (no diagnostics channel comes before the
//     headers are sent on every Node line).
// We do not go through OpenTelemetry's propagation API even when it is
// active: its propagators inject baggage into every outgoing request, with no
// per-host filter, which is the leak the allow-list exists to prevent.

const os = require('node:os')
const { TEST_ID_KEY: BAGGAGE_KEY } = require('../control')
const { MAX_TEST_ID_LENGTH, encodeForHeader } = require('../test-id')
// W3C Baggage: at most 180 list members and 8192 bytes are worth parsing; a
// larger header is ignored (one warning), the request itself is unaffected.
const MAX_BAGGAGE_MEMBERS = 180
const MAX_BAGGAGE_BYTES = 8192
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const INSTALLED = Symbol.for('cov-als-native.propagation')

function warner() {
  const warned = new Set()
  return (kind, message) => {
    if (warned.has(kind)) return
    warned.add(kind)
    process.emitWarning(`cov-als-native: ${message}`, 'CovAlsWarning')
  }
}

/**
 * The test id named by a `baggage` header value (our member), or undefined.
 * Malformed or oversized baggage yields undefined and one warning per kind
 * (through `warn(kind, message)`).
 */
function testIdFromBaggage(value, warn, maxIdLength) {
  if (typeof value !== 'string' || value === '') return undefined
  if (Buffer.byteLength(value) > MAX_BAGGAGE_BYTES) {
    warn('baggage-size', `ignoring a baggage header of more than ${MAX_BAGGAGE_BYTES} bytes (test id not read from it)`)
    return undefined
  }
  const members = value.split(',')
  if (members.length > MAX_BAGGAGE_MEMBERS) {
    warn('baggage-members', `ignoring a baggage header of more than ${MAX_BAGGAGE_MEMBERS} members (test id not read from it)`)
    return undefined
  }
  let found
  for (const member of members) {
    const kv = member.split(';')[0].trim()
    if (kv === '') continue
    const eq = kv.indexOf('=')
    const key = eq < 0 ? '' : kv.slice(0, eq).trim()
    if (!TOKEN.test(key)) {
      warn('baggage-malformed', `ignoring a malformed baggage header (member ${JSON.stringify(member.slice(0, 40))})`)
      return undefined
    }
    if (key !== BAGGAGE_KEY || found !== undefined) continue
    try {
      found = decodeURIComponent(kv.slice(eq + 1).trim())
    } catch {
      warn('baggage-malformed', `ignoring a malformed baggage header (bad percent-encoding in ${BAGGAGE_KEY})`)
      return undefined
    }
  }
  if (found === undefined || found === '') return undefined
  if (found.length > maxIdLength) {
    warn('long-id', `ignoring a baggage ${BAGGAGE_KEY} longer than ${maxIdLength} characters`)
    return undefined
  }
  return found
}

function hasBaggageKey(value) {
  if (value === undefined) return false
  const text = Array.isArray(value) ? value.join(',') : String(value)
  return text.split(',').some((m) => m.split('=')[0].trim() === BAGGAGE_KEY)
}

function isLoopbackHost(host) {
  const h = host.startsWith('::ffff:') ? host.slice(7) : host
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)
}

/** This machine's names and addresses (the `self` entry). */
function selfHosts() {
  const names = new Set([os.hostname().toLowerCase()])
  for (const list of Object.values(os.networkInterfaces())) for (const i of list || []) names.add(i.address.toLowerCase())
  return names
}

/**
 * A predicate over host names for the allow-list: `loopback`, `self` (this
 * machine's host name and interface addresses), exact names or addresses,
 * and `*.suffix` (any subdomain of suffix).
 */
function hostMatcher(entries) {
  let self = null
  const exact = new Set()
  const suffixes = []
  let loopback = false
  let wantsSelf = false
  for (const e of entries) {
    if (e === 'loopback') loopback = true
    else if (e === 'self') wantsSelf = true
    else if (e.startsWith('*.')) suffixes.push(e.slice(1))
    else exact.add(e)
  }
  const cache = new Map()
  const decide = (host) => {
    if (loopback && isLoopbackHost(host)) return true
    if (exact.has(host)) return true
    if (suffixes.some((s) => host.endsWith(s))) return true
    if (wantsSelf) return (self = self || selfHosts()).has(host)
    return false
  }
  // Cached by the name as given: a server calls the same few hosts.
  return (rawHost) => {
    if (typeof rawHost !== 'string' || rawHost === '') return false
    let ok = cache.get(rawHost)
    if (ok === undefined) {
      ok = decide(
        rawHost
          .toLowerCase()
          .replace(/^\[(.*)\]$/, '$1')
          .replace(/\.$/, ''),
      )
      if (cache.size < 1000) cache.set(rawHost, ok)
    }
    return ok
  }
}

function hasChannelCreated(version = process.versions.node) {
  const [major, minor] = version.split('.').map(Number)
  return major > 23 || (major === 23 && minor >= 2) || (major === 22 && minor >= 14)
}

/**
 * Install outgoing propagation for this process. `cov` gives the current
 * test id; `config` the header name and allow-list (`propagateHosts`).
 */
function install(cov, config, { maxIdLength = MAX_TEST_ID_LENGTH } = {}) {
  if (globalThis[INSTALLED]) return globalThis[INSTALLED]
  const dc = require('node:diagnostics_channel')
  const warn = warner()
  const allowed = hostMatcher(config.propagateHosts)
  const header = config.header

  // The id to send, or undefined (no test, or an id the receiver would refuse).
  // The last encoding is kept: a test sends many requests.
  let lastId
  let lastValue
  function idToSend() {
    const testId = cov.currentTestId()
    if (testId === undefined) return undefined
    if (testId === lastId) return lastValue
    if (testId.length > maxIdLength) {
      warn('long-id-out', `not propagating a test id longer than ${maxIdLength} characters`)
      return undefined
    }
    lastId = testId
    lastValue = encodeForHeader(testId)
    return lastValue
  }

  // undici gives the origin as a string (or URL): its host, cached per origin.
  const originHosts = new Map()
  function hostOfOrigin(origin) {
    const key = String(origin)
    let host = originHosts.get(key)
    if (host === undefined) {
      try {
        host = new URL(key).hostname
      } catch {
        host = ''
      }
      if (originHosts.size < 1000) originHosts.set(key, host)
    }
    return host
  }

  function baggageFits(existing, member) {
    const len = existing === undefined ? 0 : Buffer.byteLength(Array.isArray(existing) ? existing.join(',') : String(existing)) + 1
    if (len + member.length <= MAX_BAGGAGE_BYTES) return true
    warn('baggage-full-out', `outgoing baggage would exceed ${MAX_BAGGAGE_BYTES} bytes: the test id goes in ${header} only`)
    return false
  }

  // An http/https ClientRequest, right after construction.
  function onClientRequest(request) {
    if (!allowed(request.host)) return
    const value = idToSend()
    if (value === undefined) return
    try {
      if (request.getHeader(header) === undefined) request.setHeader(header, value)
      const existing = request.getHeader('baggage')
      const member = `${BAGGAGE_KEY}=${value}`
      // A second header line keeps the existing members byte for byte.
      if (!hasBaggageKey(existing) && baggageFits(existing, member)) request.setHeader('baggage', existing === undefined ? member : [].concat(existing, member))
    } catch {
      // Headers given as an array (or with Expect) are stored by the constructor.
      warn(
        'stored-headers',
        `could not add the test id to an outgoing request to ${request.host}: its headers were already written (headers given as an array?)`,
      )
    }
  }

  // An undici Request (global fetch), before it is dispatched.
  function onUndiciRequest({ request }) {
    if (!allowed(hostOfOrigin(request.origin))) return
    const value = idToSend()
    if (value === undefined) return
    const { ours, baggage } = undiciHeaders(request.headers, header)
    if (!ours) request.addHeader(header, value)
    const member = `${BAGGAGE_KEY}=${value}`
    if (!hasBaggageKey(baggage) && baggageFits(baggage, member)) request.addHeader('baggage', member)
  }

  // An http2 client stream's headers, before `request` sends them: a copy
  // with the id added (the caller's object is left alone).
  function http2Headers(host, headers) {
    if (!allowed(host)) return headers
    const value = idToSend()
    if (value === undefined) return headers
    if (Array.isArray(headers)) return headers
    const out = { ...headers }
    const names = Object.keys(out).map((k) => k.toLowerCase())
    if (!names.includes(header)) out[header] = value
    const existing = names.includes('baggage') ? out[Object.keys(out)[names.indexOf('baggage')]] : undefined
    const member = `${BAGGAGE_KEY}=${value}`
    if (!hasBaggageKey(existing) && baggageFits(existing, member)) {
      if (existing === undefined) out.baggage = member
      else out[Object.keys(out)[names.indexOf('baggage')]] = [].concat(existing, member).join(',')
    }
    return out
  }

  dc.subscribe('undici:request:create', onUndiciRequest)
  const uninstallHttp2 = wrapHttp2(http2Headers)
  let uninstallHttp
  if (hasChannelCreated()) {
    const onCreated = ({ request }) => onClientRequest(request)
    dc.subscribe('http.client.request.created', onCreated)
    uninstallHttp = () => dc.unsubscribe('http.client.request.created', onCreated)
  } else {
    uninstallHttp = wrapClients(onClientRequest)
  }
  const handle = {
    // The handlers, for the bench (bench/propagation.js).
    onClientRequest,
    onUndiciRequest,
    http2Headers,
    uninstall() {
      dc.unsubscribe('undici:request:create', onUndiciRequest)
      uninstallHttp()
      uninstallHttp2()
      delete globalThis[INSTALLED]
    },
  }
  globalThis[INSTALLED] = handle
  return handle
}

// Whether undici's headers (a flat [name, value, ...] array; a string in old
// versions) hold `header`, and their baggage values.
function undiciHeaders(headers, header) {
  let ours = false
  let baggage
  const see = (name, value) => {
    const k = String(name).toLowerCase()
    if (k === header) ours = true
    else if (k === 'baggage') baggage = baggage === undefined ? String(value) : [].concat(baggage, String(value))
  }
  if (Array.isArray(headers)) for (let i = 0; i + 1 < headers.length; i += 2) see(headers[i], headers[i + 1])
  else if (typeof headers === 'string') {
    for (const line of headers.split('\r\n')) {
      const colon = line.indexOf(':')
      if (colon > 0) see(line.slice(0, colon).trim(), line.slice(colon + 1).trim())
    }
  }
  return { ours, baggage }
}

// Node 20 only: `request`/`get` of http and https call `onRequest` with the
// ClientRequest they construct. `get` calls the module's internal `request`,
// so it is wrapped too.
function wrapClients(onRequest) {
  const restore = []
  for (const mod of [require('node:http'), require('node:https')]) {
    const { request, get } = mod
    mod.request = function request_(...args) {
      const req = request.apply(this, args)
      onRequest(req)
      return req
    }
    mod.get = function get_(...args) {
      const req = mod.request(...args)
      req.end()
      return req
    }
    restore.push(() => Object.assign(mod, { request, get }))
  }
  require('node:module').syncBuiltinESMExports()
  return () => {
    for (const r of restore) r()
    require('node:module').syncBuiltinESMExports()
  }
}

// http2.connect notes the session's host; the client session prototype's
// `request` (found on the first session, shared by all) passes its headers
// through `addId(host, headers)`.
const SESSION_HOST = Symbol('cov-als-native.http2-host')
function wrapHttp2(addId) {
  const http2 = require('node:http2')
  const { connect } = http2
  let proto = null
  let request = null
  http2.connect = function connect_(authority, ...rest) {
    const session = connect.call(this, authority, ...rest)
    try {
      session[SESSION_HOST] = (typeof authority === 'string' ? new URL(authority) : authority).hostname
    } catch {
      session[SESSION_HOST] = ''
    }
    if (proto === null) {
      proto = Object.getPrototypeOf(session)
      request = proto.request
      proto.request = function request_(headers, ...more) {
        return request.call(this, addId(this[SESSION_HOST], headers || {}), ...more)
      }
    }
    return session
  }
  require('node:module').syncBuiltinESMExports()
  return () => {
    http2.connect = connect
    if (proto) proto.request = request
    require('node:module').syncBuiltinESMExports()
  }
}

module.exports = { install, testIdFromBaggage, hostMatcher, warner, hasChannelCreated, BAGGAGE_KEY, MAX_BAGGAGE_MEMBERS, MAX_BAGGAGE_BYTES }
