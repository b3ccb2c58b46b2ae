'use strict'
// A page whose script the server sends as written (a static folder, no
// bundler, no source map): the field trial of an Express + socket.io game
// (docs/field-trials.md, ttt) got "client.js has no source map ... build the
// client bundles with source maps" and an empty browser half. Such a script
// is its own map: its URL path under the root or one of the root's folders
// names the file, and the text served is the file's. Real Chromium, a real
// static server, the collector as the fixture drives it.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const http = require('node:http')
const os = require('node:os')
const path = require('node:path')
const { collectorFor } = require('./support/browser-collector')

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
const CLIENT = ['function add(a, b) {', '  return a + b', '}', 'function unused() {', "  return 'never'", '}', "document.title = 'sum ' + add(1, 2)", ''].join(
  '\n',
)

let root, server, browser, port

before(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-as-written-'))
  fs.mkdirSync(path.join(root, 'public'))
  fs.writeFileSync(path.join(root, 'public', 'client.js'), CLIENT)
  // Served under /static but changed on the way (a banner): not the file's text, not mapped to it.
  fs.writeFileSync(path.join(root, 'public', 'changed.js'), CLIENT.replace('sum ', 'total '))
  const pages = {
    '/': '<!doctype html><script src="/client.js"></script><script src="/changed.js"></script>',
    '/client.js': fs.readFileSync(path.join(root, 'public', 'client.js'), 'utf8'),
    '/changed.js': `/* banner */\n${fs.readFileSync(path.join(root, 'public', 'changed.js'), 'utf8')}`,
  }
  server = http.createServer((req, res) => {
    const body = pages[req.url]
    res.writeHead(body ? 200 : 404, { 'content-type': req.url.endsWith('.js') ? 'text/javascript' : 'text/html' })
    res.end(body || '')
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = server.address().port
  const { chromium } = require('@playwright/test')
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })
})

after(async () => {
  if (browser) await browser.close()
  if (server) server.close()
  fs.rmSync(root, { recursive: true, force: true })
})

test('a script served as written counts as its own file; a changed one still has no map', async () => {
  const context = await browser.newContext()
  const noMap = []
  const { collector, warnings } = collectorFor(root, { context, noSourceMap: (url) => noMap.push(url) })
  await collector.install()
  context.on('page', (page) => collector.attach(page))
  const page = await context.newPage()
  await page.goto(`http://127.0.0.1:${port}/`)
  assert.equal(await page.title(), 'total 3', 'both scripts ran')
  const coverage = await collector.collect()
  await context.close()

  const file = path.join(root, 'public', 'client.js')
  assert.deepEqual(Object.keys(coverage), [file])
  const fc = coverage[file]
  const hits = Object.fromEntries(Object.entries(fc.fnMap).map(([k, f]) => [f.name, fc.f[k]]))
  assert.equal(hits.add, 1)
  assert.equal(hits.unused, 0)
  assert.deepEqual(noMap, [`http://127.0.0.1:${port}/changed.js`])
  assert.deepEqual(warnings, [])
})
