'use strict'
// The explicit integrations, without the preload: Express middleware, the
// Fastify plugin and wrap() for raw http handlers, each scoping requests by
// header and answering control requests.

const { test, before } = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const os = require('node:os')
const path = require('node:path')
const fs = require('node:fs')

process.env.COV_ALS_OUT_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-integrations-'))
const cov = require('..')
const { request } = require('./support/server')
const { fnHits } = require('./support/coverage')

const FILE = '/virtual/integration-lib.js'
let lib

before(() => {
  const src = `
    exports.work = async function work(kind) {
      await new Promise((r) => setTimeout(r, 2))
      return kind === 'a' ? branchA() : branchB()
    }
    function branchA() { return 'A' }
    function branchB() { return 'B' }
  `
  const m = { exports: {} }
  new Function('module', 'exports', cov.instrument(src, FILE).code)(m, m.exports)
  lib = m.exports
})

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)))
}

async function exercise(port, method = 'GET') {
  const send = (id, kind) =>
    request(port, { method, path: `/work?kind=${kind}`, headers: { 'x-cov-test-id': id }, ...(method === 'POST' ? { body: { kind } } : {}) })
  const results = await Promise.all([send('int-a', 'a'), send('int-b', 'b'), send('int-a', 'a'), send('int-b', 'b'), send('int-b', 'b')])
  assert.deepEqual(results.map((r) => r.body.replace(/"/g, '')), ['A', 'B', 'A', 'B', 'B'])
  const a = (await request(port, { headers: { 'x-cov-flush': 'int-a' } })).json.coverage[FILE]
  const b = (await request(port, { method: 'POST', path: '/__cov/flush', body: { testId: 'int-b' } })).json.coverage[FILE]
  assert.equal(fnHits(a, 'work'), 2)
  assert.equal(fnHits(a, 'branchA'), 2)
  assert.equal(fnHits(a, 'branchB'), 0)
  assert.equal(fnHits(b, 'work'), 3)
  assert.equal(fnHits(b, 'branchB'), 3)
  assert.equal(fnHits(b, 'branchA'), 0)
}

test('Express middleware', async () => {
  const express = require('express')
  const app = express()
  app.use(require('../express')())
  app.use(express.json())
  app.post('/work', async (req, res) => res.send(await lib.work(req.body.kind)))
  const server = http.createServer(app)
  try {
    await exercise(await listen(server), 'POST')
  } finally {
    server.close()
  }
})

test('Fastify plugin', async () => {
  const fastify = require('fastify')()
  await fastify.register(require('../fastify'))
  fastify.post('/work', async (req) => lib.work(req.body.kind))
  await fastify.listen({ port: 0, host: '127.0.0.1' })
  try {
    await exercise(fastify.server.address().port, 'POST')
  } finally {
    await fastify.close()
  }
})

test('wrap() for a raw http handler, with a custom header', async () => {
  const { wrap } = require('../http')
  const server = http.createServer(
    wrap(
      async (req, res) => {
        const kind = new URL(req.url, 'http://x').searchParams.get('kind')
        res.end(await lib.work(kind))
      },
      { header: 'X-Test' },
    ),
  )
  const port = await listen(server)
  try {
    await request(port, { path: '/work?kind=a', headers: { 'x-test': 'custom-header' } })
    await request(port, { path: '/work?kind=a', headers: { 'x-cov-test-id': 'not-this-one' } })
    const map = cov.flush('custom-header')[FILE]
    assert.equal(fnHits(map, 'branchA'), 1, 'the configured header names the test')
    assert.equal(fnHits(cov.flush('not-this-one')[FILE], 'work'), 0)
  } finally {
    server.close()
  }
  assert.throws(() => wrap('nope'), TypeError)
  assert.throws(() => wrap(() => {}, { hedaer: 'x' }), /unknown option/)
})
