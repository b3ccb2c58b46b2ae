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
  assert.deepEqual(
    results.map((r) => r.body.replace(/"/g, '')),
    ['A', 'B', 'A', 'B', 'B'],
  )
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

test('bind(): work queued by a shared pool counts for the test that queued it, other async contexts untouched', async () => {
  const { AsyncLocalStorage } = require('node:async_hooks')
  const appContext = new AsyncLocalStorage()
  // A pool created at startup runs queued jobs from its own timer, outside
  // the request's async chain.
  const queue = []
  const pool = setInterval(() => queue.splice(0).forEach((job) => job()), 1)
  const seen = []
  try {
    await Promise.all(
      ['pool-a', 'pool-b'].map((id, i) =>
        cov.run(id, () =>
          appContext.run(
            `app-${id}`,
            () =>
              new Promise((resolve) => {
                queue.push(
                  cov.bind(() => {
                    seen.push([cov.currentTestId(), appContext.getStore()])
                    lib.work(i === 0 ? 'a' : 'b').then(resolve)
                  }),
                )
              }),
          ),
        ),
      ),
    )
  } finally {
    clearInterval(pool)
  }
  assert.deepEqual(seen.map((s) => s[0]).sort(), ['pool-a', 'pool-b'])
  // Only our context is bound: the app's own store is the pool's (none).
  assert.deepEqual(
    seen.map((s) => s[1]),
    [undefined, undefined],
  )
  assert.equal(fnHits(cov.flush('pool-a')[FILE], 'branchA'), 1)
  assert.equal(fnHits(cov.flush('pool-b')[FILE], 'branchB'), 1)
  assert.throws(() => cov.bind(5), TypeError)
})
