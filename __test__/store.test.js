'use strict'
// The run store (lib/store.js over crates/cov_core/src/store): the contract's
// writeTestCoverage/readTestCoverage/listTests, and a real server flushing
// into it: export of a test equals what its flush answered, a touched-only
// flush answers and stores just what the test touched, and counts never
// flushed are written on exit.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const http = require('node:http')
const { startServer, request } = require('./support/server')
const { fnHits, entryFor } = require('./support/coverage')
const { spawnSync } = require('node:child_process')
const { createFileCoverage } = require('istanbul-lib-coverage')
const store = require('../lib/store')

const FIXTURE = path.join(__dirname, 'fixtures/apps')
let root

before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-store-'))
  fs.cpSync(FIXTURE, root, { recursive: true })
})
after(() => fs.rmSync(root, { recursive: true, force: true }))

const loc = (line) => ({ start: { line, column: 0 }, end: { line, column: 9 } })
function fileCoverage(file, s, b = [0, 0]) {
  return {
    path: file,
    statementMap: { 0: loc(1), 1: loc(2) },
    fnMap: { 0: { name: 'f', decl: loc(1), loc: loc(1), line: 1 } },
    branchMap: { 0: { loc: loc(2), type: 'if', locations: [loc(2), loc(2)], line: 2 } },
    s: { 0: s[0], 1: s[1] },
    f: { 0: s[0] },
    b: { 0: b },
  }
}

test('contract: halves are recorded apart, read merged or alone; unknown tests are null', () => {
  const out = path.join(root, 'contract')
  assert.deepEqual(store.listTests(out), [], 'no store yet')
  assert.equal(store.readTestCoverage(out, 'x'), null)
  const file = store.writeTestCoverage(out, 'b test', { '/a.js': fileCoverage('/a.js', [1, 0], [1, 0]) })
  assert.equal(file, path.join(out, 'cov-als.db'))
  store.writeTestCoverage(out, 'b test', JSON.stringify({ '/a.js': fileCoverage('/a.js', [2, 3], [0, 3]) }), 'server')
  store.writeTestCoverage(out, 'b test', { '/web.js': fileCoverage('/web.js', [5, 0]) }, 'browser')
  store.writeTestCoverage(out, 'a test', { '/a.js': fileCoverage('/a.js', [0, 7]) })
  assert.deepEqual(store.listTests(out), ['a test', 'b test'])

  const server = store.readTestCoverage(out, 'b test', { part: 'server' })
  assert.deepEqual(server['/a.js'].s, { 0: 3, 1: 3 }, 'a second write adds')
  assert.deepEqual(server['/a.js'].b, { 0: [1, 3] })
  assert.deepEqual(server['/a.js'].statementMap, fileCoverage('/a.js', [0, 0]).statementMap, 'maps kept as given')
  assert.equal(server['/web.js'], undefined, 'the browser half is apart')
  const browser = store.readTestCoverage(out, 'b test', { part: 'browser' })
  assert.deepEqual(Object.keys(browser), ['/web.js'])
  const both = store.readTestCoverage(out, 'b test')
  assert.deepEqual(Object.keys(both).sort(), ['/a.js', '/web.js'])
  assert.deepEqual(both['/web.js'].s, { 0: 5, 1: 0 })
  // Every file of the half, untouched ones with zero counts (as a full flush answers).
  assert.deepEqual(store.readTestCoverage(out, 'a test', { part: 'server' })['/a.js'].s, { 0: 0, 1: 7 })
  assert.equal(store.readTestCoverage(out, 'nobody'), null)

  assert.throws(() => store.writeTestCoverage(out, 't', {}, 'client'), /part must be 'server' or 'browser'/)
  assert.throws(() => store.readTestCoverage(out, 't', { part: 'client' }), /part must be/)
  assert.throws(() => store.writeTestCoverage(out, 't', '{"/x.js": {"path": "/x.js"}}'), /no statementMap/)
  assert.throws(() => store.writeTestCoverage(out, 't', '{'), /not JSON/)
})

test('a server flushing into the store: export equals the flush; touched-only answers what the test touched', async () => {
  const outDir = path.join(root, 'out-server')
  const server = await startServer('raw-http.js', { root, env: { COV_ALS: '1', COV_ALS_OUT_DIR: outDir } })
  const agent = new http.Agent({ keepAlive: true, maxSockets: 2 })
  const as = (id) => ({ 'x-cov-test-id': encodeURIComponent(id) })
  const flush = async (body) => {
    const r = await request(server.port, { method: 'POST', path: '/__cov/flush', body, agent })
    assert.equal(r.status, 200, r.body)
    return r.json
  }
  const answers = new Map()
  try {
    for (let i = 0; i < 3; i++) await request(server.port, { path: `/quote?kind=bulk&qty=${i + 11}`, headers: as('quotes'), agent })
    await request(server.port, { path: '/quote?kind=retail&qty=1', headers: as('one quote'), agent })
    await request(server.port, { path: '/runtime', headers: as('no app code'), agent })

    const full = await flush({ testId: 'quotes' })
    assert.equal(full.file, store.storePath(outDir), 'the answer names the store')
    assert.equal(fnHits(entryFor(full.coverage, 'shared/pricing.js'), 'quote'), 3)
    answers.set('quotes', full.coverage)

    answers.set('one quote', (await flush({ testId: 'one quote' })).coverage)
    // /runtime runs only the server's handler: the touched-only answer is that one file.
    const touched = await flush({ testId: 'no app code', only: 'touched' })
    const files = Object.keys(touched.coverage)
    assert.deepEqual(files, [path.join(fs.realpathSync(root), 'raw-http.js')], `touched only: ${files.join(', ')}`)
    assert.ok(Object.keys(full.coverage).length > 1)
    answers.set('no app code', touched.coverage)
    const bad = await request(server.port, { method: 'POST', path: '/__cov/flush', body: { testId: 'x', only: 'all' }, agent })
    assert.equal(bad.status, 400)
    assert.match(bad.json.error, /"only" must be "touched"/)
    // Never flushed: written on exit.
    await request(server.port, { path: '/quote?kind=retail&qty=2', headers: as('left behind'), agent })
  } finally {
    agent.destroy()
    await server.stop()
  }

  assert.deepEqual(store.listTests(outDir), ['left behind', 'no app code', 'one quote', 'quotes', 'startup'])
  // Export of a full flush equals its answer; of a touched-only flush, the answer plus zero-count files.
  assert.deepEqual(store.readTestCoverage(outDir, 'quotes'), answers.get('quotes'))
  assert.deepEqual(store.readTestCoverage(outDir, 'one quote'), answers.get('one quote'))
  const runtimeOnly = store.readTestCoverage(outDir, 'no app code')
  for (const [file, fc] of Object.entries(answers.get('no app code'))) assert.deepEqual(runtimeOnly[file], fc, file)
  assert.deepEqual(Object.keys(runtimeOnly).sort(), Object.keys(answers.get('quotes')).sort(), 'plus zero-count files')
  assert.deepEqual(store.exportCoverage(outDir, ['no app code'], { allFiles: false }), answers.get('no app code'))
  assert.equal(fnHits(entryFor(store.readTestCoverage(outDir, 'left behind'), 'shared/pricing.js'), 'quote'), 1)
  assert.equal(fnHits(entryFor(store.readTestCoverage(outDir, 'startup'), 'shared/pricing.js'), 'quote'), 0)
  assert.deepEqual(store.readTestCoverage(outDir, 'one quote', { part: 'browser' }), {}, 'no browser half: no files')

  // which agrees with each test's Istanbul map on every covered line of pricing.js.
  const pricing = Object.keys(answers.get('quotes')).find((f) => f.endsWith('pricing.js'))
  const perTest = new Map(store.listTests(outDir).map((id) => [id, createFileCoverage(store.readTestCoverage(outDir, id)[pricing]).getLineCoverage()]))
  const covered = new Set([...perTest.values()].flatMap((lines) => Object.keys(lines).filter((l) => lines[l] > 0)))
  assert.ok(covered.size > 3, `${covered.size} covered lines`)
  for (const line of covered) {
    const want = [...perTest].filter(([, lines]) => lines[line] > 0).map(([id]) => id)
    const got = store.whichTests(outDir, pricing, Number(line), Number(line))
    assert.deepEqual(
      got.map((c) => c.test),
      want,
      `line ${line}`,
    )
    for (const c of got) assert.deepEqual(c.server.lines, [Number(line)])
  }
  const uncovered = Object.keys(perTest.get('quotes')).find((l) => !covered.has(l))
  if (uncovered) assert.deepEqual(store.whichTests(outDir, pricing, Number(uncovered), Number(uncovered)), [])

  // The command: a unique suffix names the file; --json for tools; an unknown file fails.
  const cli = (...args) => spawnSync(process.execPath, [path.join(__dirname, '..', 'bin', 'cov-als.js'), ...args], { encoding: 'utf8' })
  const line = [...covered][0]
  const json = cli('which', `shared/pricing.js:${line}`, outDir, '--json')
  assert.equal(json.status, 0, json.stderr)
  const parsed = JSON.parse(json.stdout)
  assert.equal(parsed.file, pricing)
  assert.deepEqual(
    parsed.tests.map((t) => t.test),
    store.whichTests(outDir, pricing, Number(line), Number(line)).map((c) => c.test),
  )
  const text = cli('which', `shared/pricing.js:${line}`, outDir)
  assert.match(text.stdout, new RegExp(`pricing\\.js:${line}: ${parsed.tests.length} tests?\\n`))
  assert.match(text.stdout, /"quotes" {2}server: \d+ statement/)
  const unknown = cli('which', 'no/such.js:3', outDir)
  assert.equal(unknown.status, 1)
  assert.match(unknown.stderr, /no coverage of no\/such\.js/)
  assert.equal(cli('which', 'x.js:5-2', outDir).status, 2)

  // impact: the tests whose map has a count on an entry spanning the changed line.
  const spans = (loc, line) => loc && loc.start.line <= line && (loc.end.line || loc.start.line) >= line
  const oracle = (line) =>
    store
      .listTests(outDir)
      .filter((id) => id !== 'startup')
      .filter((id) => {
        const fc = store.readTestCoverage(outDir, id)[pricing]
        return (
          Object.entries(fc.statementMap).some(([k, loc]) => fc.s[k] > 0 && spans(loc, line)) ||
          Object.entries(fc.fnMap).some(([k, f]) => fc.f[k] > 0 && spans(f.loc, line)) ||
          Object.entries(fc.branchMap).some(([k, b]) => b.locations.some((loc, i) => fc.b[k][i] > 0 && spans(loc, line)))
        )
      })
  const impact = (...args) => {
    const r = cli('impact', outDir, '--root', root, '--json', ...args)
    return { code: r.status, stderr: r.stderr, json: r.stdout ? JSON.parse(r.stdout) : null }
  }
  assert.deepEqual(oracle(18), ['quotes'], 'discount() ran for the bulk quotes only')
  assert.deepEqual(oracle(11), ['left behind', 'one quote', 'quotes'], 'a line inside quote(), which they all called')
  for (const line of [9, 11, 14, 18]) {
    const r = impact('--changed', `shared/pricing.js:${line}`)
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(
      r.json.tests.map((t) => t.test),
      oracle(line),
      `line ${line}`,
    )
  }
  const none = [...Array(21).keys()].map((i) => i + 1).find((line) => oracle(line).length === 0)
  const nobody = impact('--changed', `shared/pricing.js:${none}`)
  assert.equal(nobody.code, 0)
  assert.deepEqual(nobody.json.tests, [], `line ${none}: no test covered it`)
  // A patch: line 18 changed, and a new file, which asks for everything.
  const patch = path.join(root, 'change.patch')
  const body = [
    'diff --git a/shared/pricing.js b/shared/pricing.js',
    '--- a/shared/pricing.js',
    '+++ b/shared/pricing.js',
    '@@ -18 +18 @@ function discount(total) {',
    '-  return Math.round(total * 0.9)',
    '+  return Math.round(total * 0.8)',
    '',
  ].join('\n')
  fs.writeFileSync(patch, body)
  const patched = impact('--diff', patch)
  assert.equal(patched.code, 0, patched.stderr)
  assert.deepEqual(
    patched.json.tests.map((t) => t.test),
    ['quotes'],
  )
  assert.deepEqual(patched.json.tests[0].halves, ['server'])
  assert.deepEqual(patched.json.playwright.args, ['--grep', '(?:quotes)'])
  const added = [
    'diff --git a/shared/new.js b/shared/new.js',
    'new file mode 100644',
    '--- /dev/null',
    '+++ b/shared/new.js',
    '@@ -0,0 +1 @@',
    '+module.exports = 1',
    '',
  ].join('\n')
  fs.writeFileSync(patch, body + added)
  const everything = impact('--diff', patch)
  assert.equal(everything.code, 3, 'exit 3: run everything')
  assert.equal(everything.json.everything, true)
  assert.match(everything.json.reasons.join(), /new file shared\/new\.js/)
  const never = impact('--changed', 'shared/never-loaded.js:1')
  assert.equal(never.code, 3)
  assert.match(never.json.reasons[0], /never instrumented/)
  assert.equal(cli('impact', outDir).status, 2, 'no change source: bad usage')

  // redundant: a test whose every hit entry another test (not startup) also hit.
  const hitsOf = (id) => {
    const out = new Set()
    for (const [file, fc] of Object.entries(store.readTestCoverage(outDir, id))) {
      for (const [k, n] of Object.entries(fc.s)) if (n > 0) out.add(`${file} s${k}`)
      for (const [k, n] of Object.entries(fc.f)) if (n > 0) out.add(`${file} f${k}`)
      for (const [k, arms] of Object.entries(fc.b)) arms.forEach((n, i) => n > 0 && out.add(`${file} b${k}.${i}`))
    }
    return out
  }
  const ids = store.listTests(outDir).filter((id) => id !== 'startup')
  const sets = new Map(ids.map((id) => [id, hitsOf(id)]))
  const want = ids.filter((id) => sets.get(id).size > 0 && [...sets.get(id)].every((k) => ids.some((o) => o !== id && sets.get(o).has(k))))
  assert.deepEqual(want, ['left behind', 'one quote'], 'two retail quotes cover each other')
  const redundant = cli('redundant', outDir, '--json')
  assert.equal(redundant.status, 0, redundant.stderr)
  const found = JSON.parse(redundant.stdout)
  assert.deepEqual(
    found.map((r) => r.test),
    want,
  )
  assert.equal(found[0].counters, sets.get('left behind').size)
  assert.match(cli('redundant', outDir).stdout, /^2 of 4 tests add no coverage of their own:\n/)
})

test('which: a called function counts on the line it is declared on, where no statement starts (issue 25)', () => {
  const cov = require('../index.js')
  const Module = require('node:module')
  const dir = path.join(root, 'which-arrow')
  const file = path.join(dir, 'list.js')
  // As in Next's pages: `items.map((p) =>` on line 5, its body on line 6,
  // and the statement around them starting on line 3.
  const source = [
    "'use strict'",
    'function render(items) {',
    '  return [',
    "    '<ul>',",
    '    ...items.map((p) =>',
    '      `<li>${p}</li>`,',
    '    ),',
    "  ].join('')",
    '}',
    'module.exports = { render }',
  ].join('\n')
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(file, source)
  const mod = new Module(file)
  mod.filename = file
  mod._compile(cov.instrument(source, file).code, file)
  cov.run('three items', () => mod.exports.render(['a', 'b', 'c']))
  cov.run('no items', () => mod.exports.render([]))
  for (const id of ['three items', 'no items']) assert.equal(store.flushTestCoverage(cov, dir, id).error, null)
  const fn = Object.values(store.readTestCoverage(dir, 'three items')[file].fnMap).find((f) => f.name !== 'render')
  assert.deepEqual([fn.decl.start.line, fn.loc.start.line], [5, 6], 'the arrow is declared on 5, its body starts on 6')

  const cli = (...args) => spawnSync(process.execPath, [path.join(__dirname, '..', 'bin', 'cov-als.js'), ...args], { encoding: 'utf8' })
  const which = (line) => {
    const r = cli('which', `which-arrow/list.js:${line}`, dir, '--json')
    assert.equal(r.status, 0, r.stderr)
    return JSON.parse(r.stdout).tests.map((t) => [t.test, t.server.functions])
  }
  assert.deepEqual(which(5), [['three items', 1]], 'line 5: the arrow, called by one test')
  assert.deepEqual(which(6), [['three items', 1]], 'line 6: where its body starts')
  assert.deepEqual(which(3), [
    ['no items', 0],
    ['three items', 0],
  ])
  const text = cli('which', `which-arrow/list.js:5`, dir)
  assert.match(text.stdout, /list\.js:5: 1 test\n {2}"three items" {2}server: 0 statements, 1 function\n/)
  // The HTML report's per-line lists follow the same rule.
  const perLine = store.lineTests(dir, file)
  const line5 = perLine.lines.find(([line]) => line === 5)
  assert.ok(line5, 'line 5 has a list')
  assert.deepEqual(
    line5[1].map(([i]) => perLine.tests[i]),
    ['three items'],
  )
  store.closeStore(dir)
})

test('impact helpers: diff lines on the old side, Playwright arguments of exact titles', () => {
  const { changesFromDiff, changesFromSpecs, playwrightArgs } = require('../lib/cli/impact')
  const diff = [
    'diff --git a/lib/a.ts b/lib/a.ts',
    '--- a/lib/a.ts',
    '+++ b/lib/a.ts',
    '@@ -3,2 +3 @@',
    '-one',
    '-two',
    '+both',
    '@@ -10,0 +10,2 @@',
    '+inserted',
    '+after line 10',
    'diff --git a/old.js b/old.js',
    'deleted file mode 100644',
    '--- a/old.js',
    '+++ /dev/null',
    '@@ -1 +0,0 @@',
    '-gone',
    '',
  ].join('\n')
  assert.deepEqual(changesFromDiff(diff), [
    {
      file: 'lib/a.ts',
      ranges: [
        [3, 3],
        [4, 4],
        [10, 11],
      ],
    },
    { file: 'old.js', ranges: [[1, 0xffffffff]] },
  ])
  assert.deepEqual(changesFromSpecs(['a.js:3,7-9']), [
    {
      file: 'a.js',
      ranges: [
        [3, 3],
        [7, 9],
      ],
    },
  ])
  assert.throws(() => changesFromSpecs(['a.js:9-7']), /bad line range/)
  const args = playwrightArgs(['tests/shop.spec.ts › cart › adds (1+1) items', '[mobile] › tests/home.spec.ts › home page (retry 1)'])
  assert.deepEqual(args.specFiles, ['tests/home.spec.ts', 'tests/shop.spec.ts'])
  assert.equal(args.grep, '(?:adds \\(1\\+1\\) items|home page)')
  assert.ok(new RegExp(args.grep).test('tests/shop.spec.ts cart adds (1+1) items'))
})
