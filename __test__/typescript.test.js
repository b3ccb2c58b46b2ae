'use strict'
// TypeScript servers Node runs itself (`node server.ts`, type stripping on by
// default from Node 22.18 / 23.6) under the preload: the .ts files are reported
// under their own paths and positions, with maps equal to istanbul-lib-instrument's
// on the type-stripped JavaScript (whose positions are the .ts positions).
// Skipped on Node lines without type stripping; `npm run test:node-lines` runs it on 22, 24, 26.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const mod = require('node:module')
const { createInstrumenter } = require('istanbul-lib-instrument')
const { startServer, request, flush, REPO } = require('./support/server')
const { lineHits, fnHits } = require('./support/coverage')

const FIXTURE = path.join(__dirname, 'fixtures/typescript')
const skip = !process.features.typescript && `Node ${process.version} does not strip TypeScript types`

const MAPS = ['statementMap', 'fnMap', 'branchMap']

// istanbul-lib-instrument on the type-stripped file: the maps a TypeScript-aware pipeline gives.
function istanbulMaps(file, esModules) {
  const code = mod.stripTypeScriptTypes(fs.readFileSync(file, 'utf8'), { mode: 'strip' })
  const instrumenter = createInstrumenter({ esModules, compact: false, produceSourceMap: false })
  instrumenter.instrumentSync(code, file)
  const fc = JSON.parse(JSON.stringify(instrumenter.lastFileCoverage()))
  return Object.fromEntries(MAPS.map((m) => [m, fc[m]]))
}

function counts(fc) {
  return { s: fc.s, f: fc.f, b: fc.b }
}

// What test `i` asks for: kinds and quantities that take different branches.
function plan(i) {
  return [0, 1].map((k) => ({ kind: (i + k) % 3 === 0 ? 'bulk' : 'retail', qty: ((i * 7 + k * 5) % 20) + 1 }))
}

async function runTest(port, id, i) {
  for (const q of plan(i)) {
    const r = await request(port, { path: `/?kind=${q.kind}&qty=${q.qty}`, headers: { 'x-cov-test-id': id } })
    assert.equal(r.status, 200, r.body)
  }
}

const SERVERS = [
  {
    name: 'ES modules (.ts and .mts, "type": "module") importing a .cts',
    dir: 'esm',
    esModules: true,
    files: ['server.ts', 'lib.ts', 'label.mts', 'tax.cts'],
    check(byFile, requests, id) {
      const lib = byFile['lib.ts']
      assert.equal(fnHits(lib, 'price'), requests.length, `${id}: price() calls`)
      assert.equal(lineHits(lib, 9), requests.filter((r) => r.kind === 'bulk').length, `${id}: bulk line 9 of lib.ts`)
      assert.equal(lineHits(lib, 11), requests.filter((r) => r.kind !== 'bulk').length, `${id}: retail line 11 of lib.ts`)
      assert.equal(lineHits(lib, 4), 0, `${id}: module initialisation (line 4) ran at startup`)
      assert.equal(lineHits(byFile['server.ts'], 14), requests.length, `${id}: line 14 of server.ts`)
      assert.equal(byFile['label.mts'].f[0], requests.length, `${id}: label() calls`)
      assert.equal(fnHits(byFile['tax.cts'], 'withTax'), requests.length, `${id}: withTax() calls (CommonJS imported by ESM)`)
    },
  },
  {
    name: 'CommonJS (.ts in a package without "type", .cts)',
    dir: 'cjs',
    esModules: false,
    files: ['server.ts', 'lib.cts'],
    check(byFile, requests, id) {
      const lib = byFile['lib.cts']
      assert.equal(fnHits(lib, 'price'), requests.length, `${id}: price() calls`)
      assert.equal(lineHits(lib, 9), requests.filter((r) => r.qty > 10).length, `${id}: big-order line 9 of lib.cts`)
      assert.equal(lineHits(lib, 11), requests.filter((r) => r.qty <= 10).length, `${id}: line 11 of lib.cts`)
      assert.equal(lineHits(byFile['server.ts'], 8), requests.length, `${id}: line 8 of server.ts`)
    },
  },
]

// The preload's own choice (module.registerHooks on every line with type stripping
// but the oldest), and module.register in the hooks thread where that is all there is.
const HOOK_APIS = {
  registerHooks: { preload: true, env: {} },
  register: { preload: false, env: { NODE_OPTIONS: `--require ${path.join(FIXTURE, 'register-off-thread.cjs')}` } },
}

for (const app of SERVERS) {
  for (const [api, how] of Object.entries(HOOK_APIS)) {
    test(`node server.ts, ${app.name}, module.${api}: concurrent tests each get the report they get alone, under the .ts paths`, { skip }, async () => {
      const root = path.join(FIXTURE, app.dir)
      const env = { COV_ALS: '1', COV_ALS_ROOT: root, ...how.env }
      const ids = Array.from({ length: 6 }, (_, i) => `ts ${app.dir} ${api} test ${i}`)
      const shared = await startServer('server.ts', { root, env, preload: how.preload })
      const together = {}
      try {
        if (api === 'registerHooks') assert.equal(shared.stderr(), '', 'the preload prints nothing')
        await Promise.all(ids.map((id, i) => runTest(shared.port, id, i)))
        for (const id of ids) together[id] = (await flush(shared.port, id)).coverage
      } finally {
        await shared.stop()
      }

      const wantMaps = Object.fromEntries(app.files.map((f) => [f, istanbulMaps(path.join(root, f), app.esModules && !f.endsWith('.cts'))]))
      for (const [i, id] of ids.entries()) {
        const coverage = together[id]
        assert.deepEqual(Object.keys(coverage).sort(), app.files.map((f) => path.join(root, f)).sort(), `${id}: reported under the .ts paths`)
        const byFile = Object.fromEntries(app.files.map((f) => [f, coverage[path.join(root, f)]]))
        for (const f of app.files) {
          for (const m of MAPS) assert.deepEqual(byFile[f][m], wantMaps[f][m], `${id}: ${f} ${m} equals istanbul-lib-instrument's on the stripped file`)
        }
        app.check(byFile, plan(i), id)
      }

      // Two of the tests again, each alone in a fresh server: the same counts.
      for (const i of [0, 4]) {
        const alone = await startServer('server.ts', { root, env, preload: how.preload })
        try {
          await runTest(alone.port, ids[i], i)
          const coverage = (await flush(alone.port, ids[i])).coverage
          for (const f of app.files) {
            const key = path.join(root, f)
            assert.deepEqual(counts(together[ids[i]][key]), counts(coverage[key]), `${ids[i]}: ${f} counts alone equal those under concurrency`)
          }
        } finally {
          await alone.stop()
        }
      }
    })
  }
}

// Node's own error output, with and without the preload (its one warning taken out).
function run(script, preload) {
  const args = preload ? ['--require', path.join(REPO, 'register.js'), script] : [script]
  const r = spawnSync(process.execPath, args, {
    cwd: path.join(FIXTURE, 'bad'),
    env: { ...process.env, NODE_OPTIONS: '', COV_ALS: preload ? '1' : '', COV_ALS_ROOT: path.join(FIXTURE, 'bad') },
    encoding: 'utf8',
  })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

for (const script of ['server.ts', 'cjs.cts']) {
  test(
    `a ${script} importing a file with a TypeScript syntax error fails exactly as without the preload, with one warning and a note naming the file`,
    { skip },
    () => {
      const without = run(script, false)
      const withPreload = run(script, true)
      assert.notEqual(without.status, 0, 'Node refuses the file')
      assert.equal(withPreload.status, without.status)
      assert.equal(withPreload.stdout, without.stdout)
      const warnings = withPreload.stderr.split('\n').filter((l) => l.includes('CovAlsWarning'))
      assert.equal(warnings.length, 1, withPreload.stderr)
      assert.match(warnings[0], /loading .*broken\.c?ts uninstrumented: its types could not be stripped/)
      // Our crash note (lib/crash-note.js) says the error is the file's own.
      const notes = withPreload.stderr.split('\n').filter((l) => l.startsWith('cov-als-native: '))
      assert.match(notes.join('\n'), /broken\.c?ts:1, which cov-als-native loaded as written \(it does not parse\): the error is in that file/)
      // The same error and message; the stack differs only by our _compile frame.
      const error = (stderr) =>
        stderr
          .split('\n')
          .filter((l) => !l.includes('CovAlsWarning') && !l.startsWith('cov-als-native: ') && !/^\s+at /.test(l))
          .join('\n')
      assert.match(without.stderr, /ERR_INVALID_TYPESCRIPT_SYNTAX/)
      assert.equal(error(withPreload.stderr), error(without.stderr))
    },
  )
}

// Node 22 and 24 (not 26) generate code for enums, namespaces and parameter
// properties under --experimental-transform-types: such a file runs uninstrumented
// with one warning naming the flag; the erasable files beside it are covered.
const transformFlag = '--experimental-transform-types'
const noTransform = skip || (!process.allowedNodeEnvironmentFlags.has(transformFlag) && `Node ${process.version} has no ${transformFlag}`)

test(`${transformFlag}: a file that needs it runs uninstrumented with one warning naming the flag`, { skip: noTransform }, async () => {
  const root = path.join(FIXTURE, 'transform')
  const server = await startServer('server.ts', { root, env: { COV_ALS: '1', COV_ALS_ROOT: root, NODE_OPTIONS: transformFlag } })
  try {
    const r = await request(server.port, { path: '/?dark=1', headers: { 'x-cov-test-id': 'transform' } })
    assert.equal(r.body, 'painted black')
    const { coverage } = await flush(server.port, 'transform')
    assert.deepEqual(Object.keys(coverage), [path.join(root, 'server.ts')])
    assert.equal(lineHits(coverage[path.join(root, 'server.ts')], 7), 1)
    const warnings = server
      .stderr()
      .split('\n')
      .filter((l) => l.includes('CovAlsWarning'))
    assert.equal(warnings.length, 1, server.stderr())
    assert.match(warnings[0], /color\.ts uninstrumented: .*--experimental-transform-types/)
  } finally {
    await server.stop()
  }
})
