'use strict'
// Where the global setup, its teardown and the reporter send the warm-up and
// the flushes when the config names no covServerURL: use.baseURL, else the
// URL Playwright itself gives baseURL from the webServer. A config with
// `webServer: { command, port }` and no baseURL (found in a field trial,
// docs/field-trials.md) failed the global setup with "no server URL".

const test = require('node:test')
const assert = require('node:assert')
const { optionsOf } = require('../lib/runner/options')

const configOf = (fields) => ({ configFile: '/app/playwright.config.js', projects: [{ use: {} }], ...fields })

test('webServer.port without baseURL: http://localhost:<port>, as Playwright', () => {
  assert.equal(optionsOf(configOf({ webServer: { command: 'node server.js', port: 3000 } })).server, 'http://localhost:3000')
})

test('webServer.url without baseURL: that URL', () => {
  assert.equal(optionsOf(configOf({ webServer: { command: 'node server.js', url: 'http://127.0.0.1:4000/health' } })).server, 'http://127.0.0.1:4000/health')
})

test('a list of webServers: the first that has a url or a port', () => {
  const webServer = [{ command: 'worker' }, { command: 'node api.js', port: 5000 }, { command: 'node web.js', port: 6000 }]
  assert.equal(optionsOf(configOf({ webServer })).server, 'http://localhost:5000')
})

test('use.baseURL wins over the webServer', () => {
  const config = configOf({ webServer: { command: 'node server.js', port: 3000 } })
  config.projects[0].use.baseURL = 'http://127.0.0.1:3001'
  assert.equal(optionsOf(config).server, 'http://127.0.0.1:3001')
})

test('no baseURL and no webServer: no server', () => {
  assert.equal(optionsOf(configOf({ webServer: null })).server, undefined)
})

// A warm-up request that timed out (a cold `next dev` compiling under load)
// failed the global setup, and no test ran (docs/field-trials.md, next-todo 10).
test('a warm-up route that times out is a warning naming it and covWarmUp.timeout; the other routes still warm up', { timeout: 30000 }, async () => {
  const { warmUp } = require('../lib/runner/warm-up')
  const { checkUseOptions } = require('../lib/runner/options')
  const http = require('node:http')
  const seen = []
  const server = http.createServer((req, res) => {
    seen.push(req.url)
    if (req.url.startsWith('/slow')) return // never answers
    if (req.url === '/boom') res.statusCode = 500
    res.end('ok')
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    const logs = []
    const warnings = []
    const warm = { run: async ({ request }) => request.get('/slow-login'), routes: ['/', '/slow', '/boom', '/after'], timeout: 300 }
    assert.doesNotThrow(() => checkUseOptions({ use: { covWarmUp: warm } }))
    await warmUp(
      { server: `http://127.0.0.1:${server.address().port}`, warmUp: warm },
      (m) => logs.push(m),
      (m) => warnings.push(m),
    )
    assert.deepEqual(seen.sort(), ['/', '/after', '/boom', '/slow', '/slow-login'])
    assert.equal(warnings.length, 1, warnings.join('\n'))
    assert.match(
      warnings[0],
      /3 warm-up step\(s\) failed: covWarmUp\.run \(.*Timeout 300ms exceeded.*\); GET \/slow \(.*Timeout 300ms exceeded.*\); GET \/boom \(answered 500\)\..*use\.covWarmUp\.timeout \(now 300 ms\)/,
    )
    assert.deepEqual(logs, ['cov-als-native: warmed up 2 routes and 0 server actions without a test id (counted as "startup")'])
  } finally {
    server.closeAllConnections()
    server.close()
  }
})

test('a warm-up that reaches no server at all warns loudly and resolves', { timeout: 30000 }, async () => {
  const { warmUp } = require('../lib/runner/warm-up')
  const http = require('node:http')
  const closed = http.createServer()
  await new Promise((resolve) => closed.listen(0, '127.0.0.1', resolve))
  const port = closed.address().port
  await new Promise((resolve) => closed.close(resolve))
  const warnings = []
  await warmUp(
    { server: `http://127.0.0.1:${port}`, warmUp: { routes: ['/', '/cart'] } },
    () => {},
    (m) => warnings.push(m),
  )
  assert.equal(warnings.length, 1, warnings.join('\n'))
  assert.match(warnings[0], new RegExp(`WARNING: no warm-up request reached http://127.0.0.1:${port} \\(GET / \\(.*ECONNREFUSED.*\\); GET /cart`))
})

test('covWarmUp.timeout must be a positive number of milliseconds', () => {
  const { checkUseOptions } = require('../lib/runner/options')
  assert.throws(
    () => checkUseOptions({ use: { covWarmUp: { timeout: '60s' } } }),
    /use\.covWarmUp\.timeout must be a number of milliseconds above 0 \(got "60s"\)/,
  )
  assert.doesNotThrow(() => checkUseOptions({ use: { covWarmUp: { timeout: 120000 } } }))
})

// Etherpad minifies and caches each static file on its first request: a
// warm-up of routes had to list them from the browser's network log.
// covWarmUp.pages opens the page in the tests' browser, which requests them.
test('covWarmUp.pages: each page opened in the browser with what it loads itself, without a test id', { timeout: 60000 }, async () => {
  const { warmUp } = require('../lib/runner/warm-up')
  const http = require('node:http')
  const seen = []
  const server = http.createServer((req, res) => {
    seen.push(`${req.url} ${req.headers['x-cov-test-id'] || '-'} ${req.headers['x-team'] || '-'}`)
    if (req.url === '/pad') return res.end('<!doctype html><script src="/static/pad.js"></script><link rel="stylesheet" href="/static/pad.css">')
    if (req.url === '/broken') return void ((res.statusCode = 500), res.end('no'))
    res.end(req.url.endsWith('.js') ? 'fetch("/api/session")' : '')
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const logs = []
  const warnings = []
  try {
    await warmUp(
      {
        server: `http://127.0.0.1:${server.address().port}`,
        warmUp: { pages: ['/pad', '/broken'], timeout: 20000 },
        requestOptions: { extraHTTPHeaders: { 'x-team': 'a' } },
        browserOptions: {
          browserName: 'chromium',
          launchOptions: { executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', args: ['--no-sandbox'] },
        },
      },
      (m) => logs.push(m),
      (m) => warnings.push(m),
    )
    const requested = seen.filter((s) => !s.startsWith('/favicon'))
    for (const url of ['/pad', '/static/pad.js', '/static/pad.css', '/api/session', '/broken']) {
      assert.ok(requested.includes(`${url} - a`), `${url}, without a test id, with the tests' headers: ${requested.join(', ')}`)
    }
    assert.deepEqual(logs, ['cov-als-native: warmed up 0 routes, 1 pages in the browser and 0 server actions without a test id (counted as "startup")'])
    assert.equal(warnings.length, 1, warnings.join('\n'))
    assert.match(warnings[0], /1 warm-up step\(s\) failed: page \/broken \(answered 500\)/)
  } finally {
    server.closeAllConnections()
    server.close()
  }
  const { checkUseOptions } = require('../lib/runner/options')
  assert.doesNotThrow(() => checkUseOptions({ use: { covWarmUp: { pages: ['/pad'] } } }))
})
