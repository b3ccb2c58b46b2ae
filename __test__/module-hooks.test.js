'use strict'
// The preload's module hooks on the Node line running this suite: module.registerHooks
// where Node has it (22.15+, 23.5+), module.register only where it does not (20).
// `npm run test:node-lines` runs this on Node 22, 24 and 26.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const mod = require('node:module')
const { startServer, request, flush } = require('./support/server')
const { fnHits, entryFor } = require('./support/coverage')

const APP = path.join(__dirname, 'fixtures/module-hooks')

test(`Node ${process.version}: a server started with the preload prints no warning, and its CommonJS and ES modules are covered`, async () => {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-module-hooks-'))
  // --pending-deprecation: also the deprecations Node only documents (module.register on 22, 24).
  const env = { COV_ALS: '1', COV_ALS_ROOT: APP, COV_ALS_OUT_DIR: outDir, NODE_OPTIONS: '--pending-deprecation' }
  const server = await startServer('server.js', { root: APP, env })
  try {
    const r = await request(server.port, { path: '/?n=6', headers: { 'x-cov-test-id': 'hooks' } })
    assert.equal(r.body, 'big')
    const { coverage } = await flush(server.port, 'hooks')
    assert.equal(fnHits(entryFor(coverage, 'double.js'), 'double'), 1, 'CommonJS, through Module.prototype._compile')
    assert.equal(fnHits(entryFor(coverage, 'label.mjs'), 'label'), 1, 'ES module, through the load hook')
    assert.equal(server.stderr(), '', typeof mod.registerHooks === 'function' ? 'module.registerHooks: no warning' : 'module.register: no warning')
  } finally {
    await server.stop()
    fs.rmSync(outDir, { recursive: true, force: true })
  }
})
