'use strict'
// Shared by the module-initialisation suites (module-init, module-init-bundle):
// a fresh preloaded server per sequence of test requests, and the counts of a
// file's module level.

const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { startServer, request, flush } = require('./server')

/** A fresh server of `root`; each [test id, route] in turn, each flushed; then startup. */
async function runSteps(root, steps, env = {}) {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-module-init-'))
  const server = await startServer('server.js', { root, env: { COV_ALS: '1', COV_ALS_OUT_DIR: outDir, ...env } })
  try {
    const reports = {}
    for (const [id, route] of steps) {
      const r = await request(server.port, { path: route, headers: { 'x-cov-test-id': id } })
      assert.equal(r.status, 200, r.body)
      reports[id] = (await flush(server.port, id)).coverage
    }
    reports.startup = (await flush(server.port, 'startup')).coverage
    return reports
  } finally {
    await server.stop()
    fs.rmSync(outDir, { recursive: true, force: true })
  }
}

/** Counts of the statements outside every function: module initialisation. */
function moduleLevel(fc) {
  const after = (a, b) => a.line > b.line || (a.line === b.line && a.column >= b.column)
  const inside = (s) => Object.values(fc.fnMap).some(({ loc }) => after(s.start, loc.start) && after(loc.end, s.end))
  return Object.entries(fc.statementMap)
    .filter(([, s]) => !inside(s))
    .map(([k]) => fc.s[k])
}

const sum = (counts) => counts.reduce((a, b) => a + b, 0)

module.exports = { runSteps, moduleLevel, sum }
