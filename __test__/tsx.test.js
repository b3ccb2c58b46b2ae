'use strict'
// TypeScript servers run by tsx (issue 21): `node --require cov-als-native/register
// --require tsx/cjs server.ts` and `... --import tsx server.ts`. tsx compiles each .ts
// file with esbuild (minifyWhitespace, CommonJS output, an inline source map), so the
// code we instrument has `await(0,import_x.f)(...)` and `yield(0,import_x.f)(...)`,
// which inserted code once fused with (`await__cov_als_native__`). Under the preload
// the server must answer as without it, each of 6 concurrent tests must get the counts
// it gets alone on a fresh server, nothing of the requests may land in `startup`, and
// the reports must be keyed by the .ts files (through tsx's source maps).

const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { pathToFileURL } = require('node:url')
const { startServer, request, flush, REPO } = require('./support/server')
const { lineHits, fnHits } = require('./support/coverage')

const ROOT = path.join(__dirname, 'fixtures/tsx')
const FILES = ['server.ts', 'app.ts', 'pricing.ts', 'rates.ts', 'format.ts']
const REGISTER = ['--require', path.join(REPO, 'register.js')]
const TSX_DIR = path.dirname(require.resolve('tsx/package.json', { paths: [REPO] }))
// tsx's own entry points, by path: the fixture has no node_modules of its own.
const TSX_CJS = ['--require', path.join(TSX_DIR, 'dist/cjs/index.cjs')]
const TSX_IMPORT = ['--import', pathToFileURL(path.join(TSX_DIR, 'dist/loader.mjs')).href]

// --require preloads run in their order, before any --import: both orders work.
const MODES = [
  { name: '--require register --require tsx/cjs', tsx: TSX_CJS, args: [...REGISTER, ...TSX_CJS] },
  { name: '--require tsx/cjs --require register', tsx: TSX_CJS, args: [...TSX_CJS, ...REGISTER] },
  { name: '--require register --import tsx', tsx: TSX_IMPORT, args: [...REGISTER, ...TSX_IMPORT] },
  { name: '--import tsx --require register', tsx: TSX_IMPORT, args: [...TSX_IMPORT, ...REGISTER] },
]

// What test `i` asks for: routes, kinds and quantities that take different paths.
function plan(i) {
  const steps = [
    { route: 'quote', kind: i % 2 ? 'bulk' : 'retail', qty: 5 + 3 * i, discount: i % 3 === 0 ? 10 : undefined },
    { route: 'schedule', kind: i % 3 === 2 ? 'nope' : i % 2 ? 'retail' : 'bulk', qty: 1 + (i % 4) },
    { route: 'known', kinds: ['retail', 'nope', 'bulk'].slice(0, 1 + (i % 3)) },
  ]
  if (i % 2 === 0) steps.push({ route: 'quote', kind: 'nope', qty: 1 })
  return steps
}

function url(step) {
  const q = new URLSearchParams()
  if (step.kinds) for (const k of step.kinds) q.append('kind', k)
  else q.set('kind', step.kind)
  if (step.qty !== undefined) q.set('qty', String(step.qty))
  if (step.discount !== undefined) q.set('discount', String(step.discount))
  return `/${step.route}?${q}`
}

const VALID = new Set(['retail', 'bulk'])

async function runTest(port, id, i) {
  const answers = []
  for (const step of plan(i)) {
    const r = await request(port, { path: url(step), headers: { 'x-cov-test-id': id } })
    answers.push({ status: r.status, body: r.body })
  }
  return answers
}

function counts(fc) {
  return { s: fc.s, f: fc.f, b: fc.b }
}

// The hits of the branch of `type` that starts on `line`.
function branchHits(fc, line, type) {
  const entry = Object.entries(fc.branchMap).find(([, b]) => b.type === type && b.loc.start.line === line)
  if (!entry) throw new Error(`no ${type} branch on line ${line} of ${fc.path}`)
  return fc.b[entry[0]]
}

// The hits of the function declared on `line` (class methods are anonymous in Istanbul's maps).
function fnHitsAt(fc, line) {
  const entry = Object.entries(fc.fnMap).find(([, f]) => f.decl.start.line === line)
  if (!entry) throw new Error(`no function on line ${line} of ${fc.path}`)
  return fc.f[entry[0]]
}

// Exact counts a test's plan implies, on known functions and lines of the .ts files.
function checkCounts(byFile, i, id) {
  const steps = plan(i)
  const quotes = steps.filter((s) => s.route === 'quote')
  const validQuotes = quotes.filter((s) => VALID.has(s.kind))
  const schedules = steps.filter((s) => s.route === 'schedule')
  const scheduled = schedules.filter((s) => VALID.has(s.kind)).reduce((n, s) => n + s.qty, 0)
  const knownKinds = steps.filter((s) => s.route === 'known').reduce((n, s) => n + s.kinds.length, 0)
  const lookups = quotes.length + schedules.length + knownKinds
  assert.equal(fnHits(byFile['app.ts'], 'handle'), steps.length, `${id}: handle() calls`)
  assert.equal(fnHits(byFile['pricing.ts'], 'quote'), quotes.length, `${id}: quote() calls`)
  assert.equal(fnHitsAt(byFile['pricing.ts'], 15), quotes.length, `${id}: Cart#add() calls, line 15`)
  assert.deepEqual(branchHits(byFile['pricing.ts'], 17, 'if'), [quotes.length - validQuotes.length, validQuotes.length], `${id}: if (!rate) throw, line 17`)
  const bulkPrice = validQuotes.filter((s) => s.kind === 'bulk' && s.qty >= 10).length
  assert.deepEqual(branchHits(byFile['pricing.ts'], 18, 'cond-expr'), [bulkPrice, validQuotes.length - bulkPrice], `${id}: bulk price, line 18`)
  const discounted = validQuotes.filter((s) => s.discount !== undefined).length
  assert.equal(lineHits(byFile['pricing.ts'], 25), validQuotes.length, `${id}: total() with optional chaining, line 25`)
  assert.deepEqual(
    branchHits(byFile['pricing.ts'], 25, 'binary-expr'),
    [validQuotes.length, validQuotes.length - discounted],
    `${id}: ?? 0 (right operand without a discount), line 25`,
  )
  assert.equal(fnHits(byFile['rates.ts'], 'lookupRate'), lookups, `${id}: lookupRate() calls (awaited through (0,import_rates.lookupRate))`)
  assert.equal(fnHits(byFile['rates.ts'], 'breakdown'), schedules.filter((s) => VALID.has(s.kind)).length, `${id}: breakdown() generators`)
  assert.equal(lineHits(byFile['rates.ts'], 22), scheduled, `${id}: yield money(...), line 22 of rates.ts`)
  assert.equal(fnHits(byFile['rates.ts'], 'rateStream'), steps.filter((s) => s.route === 'known').length, `${id}: rateStream() calls`)
  assert.equal(fnHits(byFile['format.ts'], 'money'), validQuotes.length + scheduled, `${id}: money() calls`)
  assert.equal(fnHitsAt(byFile['format.ts'], 10), validQuotes.length, `${id}: label() calls (an arrow tsx wraps in __name(), so anonymous), line 10`)
  assert.equal(lineHits(byFile['rates.ts'], 10), 0, `${id}: module initialisation (RATES, line 10) ran at startup`)
  assert.equal(lineHits(byFile['server.ts'], 13), 0, `${id}: server.listen (line 13) ran at startup`)
  assert.equal(fnHitsAt(byFile['server.ts'], 6), steps.length, `${id}: the request callback, line 6 of server.ts`)
  assert.equal(fnHitsAt(byFile['server.ts'], 7), quotes.length - validQuotes.length, `${id}: the catch callback, line 7 of server.ts`)
  assert.equal(lineHits(byFile['server.ts'], 8), quotes.length - validQuotes.length, `${id}: its first line, 8`)
}

// The server with tsx alone, recording the JavaScript tsx compiles: the answers
// the preload must not change, and the proof that this fixture still exercises
// `await(` and `yield(` as esbuild writes them.
async function plainRun(tsx) {
  const capture = fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-tsx-'))
  const server = await startServer('server.ts', {
    root: ROOT,
    preload: false,
    nodeArgs: ['--require', path.join(ROOT, 'capture-compiled.cjs'), ...tsx],
    env: { COV_ALS: '', TSX_CAPTURE_DIR: capture },
  })
  try {
    const answers = []
    for (let i = 0; i < 6; i++) answers.push(await runTest(server.port, `plain ${i}`, i))
    const compiled = Object.fromEntries(fs.readdirSync(capture).map((f) => [f.replace(/\.js$/, ''), fs.readFileSync(path.join(capture, f), 'utf8')]))
    return { answers, compiled }
  } finally {
    await server.stop()
    fs.rmSync(capture, { recursive: true, force: true })
  }
}

const plain = new Map()
// Maps of the first mode: every mode instruments the same tsx output.
let firstMaps
const MAPS = ['statementMap', 'fnMap', 'branchMap']

for (const mode of MODES) {
  test(`tsx, node ${mode.name} server.ts: 6 concurrent tests each get the counts they get alone, under the .ts paths`, async (t) => {
    if (!plain.has(mode.tsx)) plain.set(mode.tsx, await plainRun(mode.tsx))
    const { answers: want, compiled } = plain.get(mode.tsx)
    // What tsx compiled really has the tokens the instrumenter must keep apart.
    assert.match(compiled['app.ts'] ?? '', /[;{=]await\(0,import_pricing\.quote\)\(/, 'tsx compiles app.ts to `await(0,import_pricing.quote)(`')
    assert.match(compiled['pricing.ts'] ?? '', /=await\(0,import_rates\.lookupRate\)\(/, 'and pricing.ts to `await(0,import_rates.lookupRate)(`')
    assert.match(compiled['rates.ts'] ?? '', /\{yield\(0,import_format\.money\)\(/, 'and rates.ts to `yield(0,import_format.money)(`')
    assert.match(compiled['rates.ts'] ?? '', /\/\/# sourceMappingURL=data:application\/json/, 'with an inline source map')
    assert.equal(want[0][0].status, 200)
    assert.deepEqual(JSON.parse(want[0][0].body), { label: '5 retails', total: '11.25 USD' })

    const ids = Array.from({ length: 6 }, (_, i) => `tsx ${mode.name} test ${i}`)
    // Each server has an outDir of its own: servers sharing one are one run, whose
    // flushes merge the counts of all of them (docs/crash-safety.md).
    const outDirs = []
    t.after(() => outDirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })))
    const start = () => {
      outDirs.push(fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-tsx-out-')))
      const env = { COV_ALS: '1', COV_ALS_ROOT: ROOT, COV_ALS_OUT_DIR: outDirs.at(-1) }
      return startServer('server.ts', { root: ROOT, env, preload: false, nodeArgs: mode.args })
    }
    const shared = await start()
    const together = {}
    let startup
    try {
      assert.equal(shared.stderr(), '', 'the preload and tsx print nothing')
      const answers = await Promise.all(ids.map((id, i) => runTest(shared.port, id, i)))
      assert.deepEqual(answers, want, 'the server answers as with tsx alone')
      for (const id of ids) together[id] = (await flush(shared.port, id)).coverage
      startup = (await flush(shared.port, 'startup')).coverage
    } finally {
      await shared.stop()
    }

    const keys = FILES.map((f) => path.join(ROOT, f)).sort()
    const maps = Object.fromEntries(keys.map((k) => [k, Object.fromEntries(MAPS.map((m) => [m, together[ids[0]][k][m]]))]))
    firstMaps ??= maps
    assert.deepEqual(maps, firstMaps, 'the same maps as the first mode: the same tsx output instrumented')
    for (const [i, id] of ids.entries()) {
      assert.deepEqual(Object.keys(together[id]).sort(), keys, `${id}: reported under the .ts paths only`)
      checkCounts(Object.fromEntries(FILES.map((f) => [f, together[id][path.join(ROOT, f)]])), i, id)
    }

    // Each test again, alone on a fresh server: the same counts. The startup
    // bucket of the shared server equals a fresh one's: module initialisation only.
    const alone = await Promise.all(
      ids.map(async (id, i) => {
        const server = await start()
        try {
          await runTest(server.port, id, i)
          return { coverage: (await flush(server.port, id)).coverage, startup: (await flush(server.port, 'startup')).coverage }
        } finally {
          await server.stop()
        }
      }),
    )
    for (const [i, id] of ids.entries()) {
      for (const key of keys)
        assert.deepEqual(counts(together[id][key]), counts(alone[i].coverage[key]), `${id}: ${path.basename(key)} counts alone equal those under concurrency`)
    }
    assert.deepEqual(Object.keys(startup).sort(), keys)
    for (const key of keys)
      assert.deepEqual(counts(startup[key]), counts(alone[0].startup[key]), `startup: ${path.basename(key)} holds module initialisation only`)
    const byFile = Object.fromEntries(FILES.map((f) => [f, startup[path.join(ROOT, f)]]))
    for (const [file, fn] of [
      ['app.ts', 'handle'],
      ['pricing.ts', 'quote'],
      ['rates.ts', 'lookupRate'],
      ['format.ts', 'money'],
    ])
      assert.equal(fnHits(byFile[file], fn), 0, `startup: ${fn}() in ${file} never ran`)
    assert.equal(fnHitsAt(byFile['pricing.ts'], 15), 0, 'startup: Cart#add() never ran')
    assert.equal(lineHits(byFile['rates.ts'], 10), 1, 'startup: RATES initialised once')
    assert.equal(lineHits(byFile['server.ts'], 13), 1, 'startup: server.listen once')
  })
}

// Found with this fixture (and by the token sweep): the body of a `for await` in an
// async function, when it is a statement other than a block (tsx keeps
// `for await(...)if(x)n++;` as written), was wrapped in a block that the `if`'s
// inserted `else` then followed: a SyntaxError. Fixed in visit_for_of_statement.
test('a for await whose body is an if without braces or else compiles instrumented', () => {
  const cov = require('../index.js')
  const code = 'async function known(kinds){let n=0;for await(const rate of(0,import_rates.rateStream)(kinds))if(rate?.cents)n++;return n}'
  const out = cov.instrument(code, path.join(ROOT, 'for-await.js'), { sourceType: 'commonjs' }).code
  assert.doesNotThrow(() => new Function(out))
})
