'use strict'
// The `cov-als` command line (bin/cov-als.js, lib/cli/*) and the report model
// behind it (lib/report/*, lib/safe-name.js).
//
// Fixtures (__test__/fixtures/cli, made by generate.js with cov-als-native
// itself) cover src/math.js and src/greet.js:
//   shard-a: startup, "GET /api/users ünïcode ✓", "math/clamp edge"
//   shard-b: "GET /api/users ünïcode ✓" again, plain_map_test (plain coverage map)
// Their paths start with /__cov_als_fixture__, replaced by the fixture
// directory when copied into a temp dir, so the html report finds the sources.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const { createCoverageMap } = require('istanbul-lib-coverage')
const { safeName } = require('../lib/safe-name.js')
const { readTestCoverage, listTests, writeTestCoverage, closeStore } = require('../lib/store.js')

const BIN = path.join(__dirname, '..', 'bin', 'cov-als.js')
const FIXTURES = path.join(__dirname, 'fixtures', 'cli')
const PLACEHOLDER = '/__cov_als_fixture__'
const MATH = path.join(FIXTURES, 'src', 'math.js')
const GREET = path.join(FIXTURES, 'src', 'greet.js')
const UNICODE_ID = 'GET /api/users ünïcode ✓'

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-cli-'))
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }))

// Copy a fixture shard into the temp dir with real source paths.
function shard(name) {
  const dir = path.join(tmp, 'in', name)
  if (fs.existsSync(dir)) return dir
  fs.mkdirSync(dir, { recursive: true })
  const real = JSON.stringify(FIXTURES).slice(1, -1)
  for (const file of fs.readdirSync(path.join(FIXTURES, name))) {
    const text = fs.readFileSync(path.join(FIXTURES, name, file), 'utf8')
    fs.writeFileSync(path.join(dir, file), text.split(PLACEHOLDER).join(real))
  }
  return dir
}

function cli(...args) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: tmp, encoding: 'utf8' })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

function ok(...args) {
  const r = cli(...args)
  assert.equal(r.code, 0, `cov-als ${args.join(' ')} failed:\n${r.stderr}`)
  return r
}

const readJson = (file) => JSON.parse(fs.readFileSync(file, 'utf8'))

// Coverage of the input files, by path, as written (wrapper or plain map).
function inputCoverage(file) {
  const json = readJson(file)
  return json.testId ? json.coverage : json
}

// Element-wise sum of the counters of several file coverages of one file.
function sumCounts(fcs) {
  const out = { s: {}, f: {}, b: {} }
  for (const fc of fcs) {
    for (const k of Object.keys(fc.s)) out.s[k] = (out.s[k] || 0) + fc.s[k]
    for (const k of Object.keys(fc.f)) out.f[k] = (out.f[k] || 0) + fc.f[k]
    for (const k of Object.keys(fc.b)) out.b[k] = fc.b[k].map((n, i) => n + ((out.b[k] || [])[i] || 0))
  }
  return out
}

const counts = (fc) => ({ s: fc.s, f: fc.f, b: fc.b })

// lcov.info record of one source file.
function lcovRecord(lcovFile, source) {
  const records = fs.readFileSync(lcovFile, 'utf8').split('end_of_record')
  const rec = records.find((r) => r.split('\n').some((l) => l.startsWith('SF:') && path.resolve(tmp, l.slice(3)) === source))
  assert.ok(rec, `${lcovFile} has no record for ${source}`)
  return rec.split('\n').filter(Boolean)
}

// ------------------------------------------------------------ safeName

test('safeName: readable slug plus hash, safe characters only', () => {
  assert.equal(safeName('startup'), 'startup-71bcd582d7')
  assert.match(safeName(UNICODE_ID), /^GET_api_users_unicode-[0-9a-f]{10}$/)
  for (const id of ['a b', '../../etc/passwd', '..', '.', '.hidden', 'a\0b', '\0', '', '✓✓', '/', 'x'.repeat(10240), '\uD800']) {
    const name = safeName(id)
    assert.match(name, /^[A-Za-z0-9_-][A-Za-z0-9._-]*-[0-9a-f]{10}$/, `safeName(${JSON.stringify(id.slice(0, 20))}) = ${name}`)
    assert.ok(name.length <= 91, `too long: ${name.length}`)
    assert.ok(!name.includes('/') && !name.includes('\0') && !name.startsWith('.'))
  }
  assert.equal(safeName('..'), `test-${safeName('..').slice(-10)}`)
  assert.equal(safeName('../../etc/passwd').slice(0, -11), 'etc_passwd')
  assert.equal(safeName('x'.repeat(10240)).length, 80 + 11)
  assert.equal(safeName('a\0b').slice(0, -11), 'a_b')
})

test('safeName: ids differing in case or replaced characters do not collide', () => {
  const ids = ['a', 'A', 'a b', 'a/b', 'a_b', 'a  b', 'a\0b', 'ä b', '', ' ', '..', '.', 'x'.repeat(10240), 'x'.repeat(10241), '\uD800', '\uD801']
  const names = ids.map(safeName)
  assert.equal(new Set(names).size, ids.length, names.join('\n'))
  // Case-insensitive file systems: the names differ also when folded.
  assert.equal(new Set(names.map((n) => n.toLowerCase())).size, ids.length)
  assert.equal(safeName('Test'), safeName('Test'), 'deterministic')
})

// ------------------------------------------------------------ report

test('report: merged html + lcov, per-test reports (--per-test), summary table', () => {
  const out = path.join(tmp, 'report')
  const r = ok('report', shard('shard-a'), shard('shard-b'), '--out', out, '--per-test')

  // html index of the merged report names both files; the source is annotated.
  const index = fs.readFileSync(path.join(out, 'merged', 'index.html'), 'utf8')
  assert.match(index, /math\.js/)
  assert.match(index, /greet\.js/)
  assert.match(fs.readFileSync(path.join(out, 'merged', 'math.js.html'), 'utf8'), /clamp/)

  // Merged counts are the sums of all input files (5 files, 4 test ids).
  const inputs = ['shard-a', 'shard-b'].flatMap((s) => fs.readdirSync(shard(s)).map((f) => path.join(shard(s), f)))
  assert.equal(inputs.length, 5)
  const final = readJson(path.join(out, 'merged', 'coverage-final.json'))
  assert.deepEqual(Object.keys(final).sort(), [GREET, MATH])
  for (const file of [MATH, GREET]) {
    assert.deepEqual(counts(final[file]), sumCounts(inputs.map((f) => inputCoverage(f)[file])), file)
  }

  // lcov: math.js line 5 (`if (x < lo) return lo`): statements 4 and 1 -> DA 4;
  // its if branch was taken once, not taken 3 times.
  const math = lcovRecord(path.join(out, 'merged', 'lcov.info'), MATH)
  assert.ok(math.includes('DA:5,4'), math.join('\n'))
  assert.ok(math.includes('DA:8,1'), 'module.exports ran once, at startup')
  assert.ok(math.includes('BRDA:5,0,0,1') && math.includes('BRDA:5,0,1,3'), math.join('\n'))
  assert.ok(math.includes('BRDA:6,1,0,1') && math.includes('BRDA:6,1,1,2'), math.join('\n'))

  // Per-test reports (--per-test: html, lcovonly, json-summary) under tests/<safe-name>/.
  const clampDir = path.join(out, 'tests', safeName('math/clamp edge'))
  const clampMath = lcovRecord(path.join(clampDir, 'lcov.info'), MATH)
  assert.ok(clampMath.includes('DA:5,3') && clampMath.includes('DA:2,0'), clampMath.join('\n'))
  assert.ok(clampMath.includes('BRDA:5,0,1,3'))
  assert.equal(readJson(path.join(clampDir, 'coverage-summary.json')).total.statements.covered, 4)
  assert.ok(fs.existsSync(path.join(out, 'tests', safeName(UNICODE_ID), 'lcov.info')))
  // Per-test html, with the merged html: one page naming the test and listing
  // its files, each linked to the merged page of the file viewed as that test;
  // istanbul's assets shared once.
  const clampHtml = fs.readFileSync(path.join(clampDir, 'index.html'), 'utf8')
  assert.match(clampHtml, /Test <strong class="cov-als-test-id">math\/clamp edge<\/strong>/)
  assert.match(clampHtml, /href="\.\.\/_assets\/base\.css"/)
  assert.ok(clampHtml.includes('href="../../merged/math.js.html?test=math%2Fclamp%20edge"'), clampHtml)
  assert.ok(fs.existsSync(path.join(out, 'tests', '_assets', 'prettify.js')) && !fs.existsSync(path.join(clampDir, 'base.css')))
  const testsIndex = fs.readFileSync(path.join(out, 'tests', 'index.html'), 'utf8')
  assert.ok(testsIndex.includes(`<a href="${safeName('math/clamp edge')}/index.html">math/clamp edge</a>`), 'the tests index links each test')
  assert.match(fs.readFileSync(path.join(out, 'merged', 'index.html'), 'utf8'), /<a href="\.\.\/tests\/index\.html">4 tests<\/a>/)

  // summary.json: "math/clamp edge" by hand: math.js s [0,3,0,3,0] f [0,3]
  // b [0,3] [1,2], lines 2,5,6,8 = 0,3,3,0; greet.js s [1,1,0,0] f [1,0] b [1,0],
  // lines 2,3,6,8 = 1,1,0,0.
  const rows = readJson(path.join(out, 'summary.json'))
  assert.deepEqual(
    rows.map((row) => row.test),
    ['startup', UNICODE_ID, 'math/clamp edge', 'plain_map_test', 'all tests (merged)'],
  )
  const clamp = rows.find((row) => row.test === 'math/clamp edge')
  assert.equal(clamp.files, 2)
  assert.deepEqual(clamp.statements, { total: 9, covered: 4, skipped: 0, pct: 44.44 })
  assert.deepEqual(clamp.branches, { total: 6, covered: 4, skipped: 0, pct: 66.66 })
  assert.deepEqual(clamp.functions, { total: 4, covered: 2, skipped: 0, pct: 50 })
  assert.deepEqual(clamp.lines, { total: 8, covered: 4, skipped: 0, pct: 50 })
  assert.equal(clamp.reportDir, `tests/${safeName('math/clamp edge')}`)
  // The unicode id comes from two shards: math s [3,1,1,0,0], greet s [1,1,1,0].
  const uni = rows.find((row) => row.test === UNICODE_ID)
  assert.equal(uni.inputFiles, 2)
  assert.equal(uni.statements.covered, 6)
  assert.equal(uni.functions.pct, 100)
  assert.equal(uni.lines.pct, 62.5)
  const merged = rows.at(-1)
  assert.equal(merged.merged, true)
  assert.equal(merged.tests, 4)
  for (const k of ['statements', 'branches', 'functions', 'lines']) assert.equal(merged[k].pct, 100, k)

  // The table on stdout: one aligned row per test, then the merged row.
  const lines = r.stdout.split('\n')
  assert.match(lines[0], /^test\s+files\s+statements\s+branches\s+functions\s+lines\s+server lines\s+browser lines\s+unique$/)
  const row = (label) => lines.find((l) => l.startsWith(label + ' '))
  // Per-test JSON files are server halves: no browser column.
  assert.match(row('math/clamp edge'), new RegExp(`^math/clamp edge\\s+2\\s+44\\.44%\\s+66\\.66%\\s+50\\.00%\\s+50\\.00%\\s+50\\.00%\\s+-\\s+${clamp.unique}$`))
  assert.match(row(UNICODE_ID), /\s2\s+66\.66%\s+50\.00%\s+100\.00%\s+62\.50%\s+62\.50%\s+-\s+\d+$/)
  assert.match(row('all tests (merged)'), /\s2\s+100\.00%\s+100\.00%\s+100\.00%\s+100\.00%\s+100\.00%\s+-$/)
  assert.deepEqual(clamp.server.lines, clamp.lines)
  // unique: lines no other row covers, derived from every row's own lcov (DA) records.
  const covering = new Map()
  const coveredBy = new Map()
  for (const r of rows.filter((x) => !x.merged)) {
    const recs = fs.readFileSync(path.join(out, r.reportDir, 'lcov.info'), 'utf8').split('end_of_record')
    const mine = []
    for (const rec of recs) {
      const sf = rec.split('\n').find((l) => l.startsWith('SF:'))
      for (const l of rec.split('\n').filter((x) => x.startsWith('DA:'))) {
        const [ln, n] = l.slice(3).split(',').map(Number)
        if (n > 0) mine.push(`${sf}:${ln}`)
      }
    }
    coveredBy.set(r.test, mine)
    for (const k of mine) covering.set(k, (covering.get(k) || 0) + 1)
  }
  for (const r of rows.filter((x) => !x.merged)) {
    assert.equal(r.unique, coveredBy.get(r.test).filter((k) => covering.get(k) === 1).length, `${r.test}: unique`)
  }
  assert.ok(rows.some((r) => r.unique > 0) && rows.some((r) => r.unique === 0), 'some tests add lines, some none')
  assert.equal(clamp.browser.files, 0)
  const at = lines.indexOf(row('all tests (merged)'))
  assert.ok(at > lines.indexOf(row('plain_map_test')))
  // Aligned: every test row ends at the same column as the header.
  for (const label of ['startup', 'math/clamp edge', 'plain_map_test']) {
    assert.equal(row(label).length, lines[0].length, label)
  }

  const md = fs.readFileSync(path.join(out, 'summary.md'), 'utf8')
  assert.match(md, /^\| test \| files \| statements % \| branches % \| functions % \| lines % \|$/m)
  assert.match(md, /^\| math\/clamp edge \| 2 \| 44\.44% \| 66\.66% \| 50\.00% \| 50\.00% \|$/m)
  assert.match(md, /^\| plain\\_map\\_test \|/m)
})

test('report: reporter choice, --no-per-test, --no-merged, rerun replaces old output', () => {
  const out = path.join(tmp, 'report-options')
  ok('report', shard('shard-a'), '--out', out, '--reporters', 'json-summary,cobertura,text-summary', '--per-test-reporters', 'html')
  assert.ok(fs.existsSync(path.join(out, 'merged', 'cobertura-coverage.xml')))
  assert.match(fs.readFileSync(path.join(out, 'merged', 'text-summary.txt'), 'utf8'), /Statements\s+:/)
  assert.ok(!fs.existsSync(path.join(out, 'merged', 'index.html')))
  assert.ok(fs.existsSync(path.join(out, 'tests', safeName('startup'), 'index.html')))

  // The default: the merged report only (per-test pages are opt-in); its line lists still name the tests.
  const plain = path.join(tmp, 'report-default')
  ok('report', shard('shard-a'), '--out', plain)
  assert.ok(fs.existsSync(path.join(plain, 'merged', 'index.html')))
  assert.ok(!fs.existsSync(path.join(plain, 'tests')), 'no per-test reports by default')
  assert.match(fs.readFileSync(path.join(plain, 'merged', 'math.js.tests.js'), 'utf8'), /\["math\/clamp edge",null\]/)

  const r = ok('report', shard('shard-a'), '--out', out, '--no-per-test', '--no-merged')
  assert.ok(!fs.existsSync(path.join(out, 'tests')), 'old per-test reports are removed')
  assert.ok(!fs.existsSync(path.join(out, 'merged')), 'old merged report is removed')
  assert.match(r.stdout, /all tests \(merged\)/)
  assert.equal(readJson(path.join(out, 'summary.json')).length, 4)
})

test('report: default report directory is coverage-report next to the input', () => {
  const input = path.join(tmp, 'default-out', 'per-test')
  fs.cpSync(shard('shard-a'), input, { recursive: true })
  const r = ok('report', input)
  const expected = path.join(tmp, 'default-out', 'coverage-report')
  assert.ok(fs.existsSync(path.join(expected, 'merged', 'index.html')))
  assert.ok(r.stdout.includes(expected))
})

// ------------------------------------------------------------ merge

test('merge: same test id from two dirs adds up in one run store; --nyc maps load with istanbul', () => {
  const out = path.join(tmp, 'merged-dirs')
  const r = ok('merge', shard('shard-a'), shard('shard-b'), '--out', out, '--nyc')
  assert.match(r.stdout, /5 file\(s\) into 4 test\(s\)/)

  const ids = ['startup', UNICODE_ID, 'math/clamp edge', 'plain_map_test']
  const names = ids.map((id) => `${safeName(id)}.json`).sort()
  assert.deepEqual(listTests(out), [...ids].sort(), 'a plain map keeps its file name as test id')
  assert.deepEqual(
    fs.readdirSync(out).filter((f) => f.endsWith('.json')),
    [],
    'no per-test files: one store',
  )

  const uniFile = `${safeName(UNICODE_ID)}.json`
  const uni = readTestCoverage(out, UNICODE_ID)
  const a = inputCoverage(path.join(shard('shard-a'), uniFile))
  const b = inputCoverage(path.join(shard('shard-b'), uniFile))
  for (const file of [MATH, GREET]) assert.deepEqual(counts(uni[file]), sumCounts([a[file], b[file]]), file)
  assert.deepEqual(uni[MATH].s, { 0: 3, 1: 1, 2: 1, 3: 0, 4: 0 })

  // .nyc_output: one plain coverage map per test.
  const nycDir = path.join(out, '.nyc_output')
  assert.deepEqual(fs.readdirSync(nycDir).sort(), names)
  const all = createCoverageMap({})
  for (const f of names) {
    const map = createCoverageMap(readJson(path.join(nycDir, f)))
    assert.deepEqual(map.files().sort(), [GREET, MATH])
    all.merge(map)
  }
  assert.deepEqual(readJson(path.join(nycDir, uniFile))[MATH].s, uni[MATH].s)
  assert.deepEqual(all.fileCoverageFor(MATH).s, { 0: 3, 1: 4, 2: 1, 3: 3, 4: 1 })

  // The merged directory reports like its inputs.
  const viaMerge = path.join(tmp, 'report-of-merge')
  const direct = path.join(tmp, 'report-direct')
  ok('report', out, '--out', viaMerge, '--no-per-test', '--reporters', 'json')
  ok('report', shard('shard-a'), shard('shard-b'), '--out', direct, '--no-per-test', '--reporters', 'json')
  assert.deepEqual(readJson(path.join(viaMerge, 'merged', 'coverage-final.json')), readJson(path.join(direct, 'merged', 'coverage-final.json')))
  const strip = (rows) => rows.map(({ test, statements, branches, functions, lines }) => ({ test, statements, branches, functions, lines }))
  assert.deepEqual(strip(readJson(path.join(viaMerge, 'summary.json'))), strip(readJson(path.join(direct, 'summary.json'))))

  // Running again into its own output replaces it; a foreign directory is refused.
  ok('merge', shard('shard-a'), '--out', out)
  assert.equal(listTests(out).length, 3)
  assert.ok(!fs.existsSync(nycDir))
  const refused = cli('merge', shard('shard-a'), shard('shard-b'), '--out', shard('shard-b'))
  assert.equal(refused.code, 2, 'an input directory as output is bad usage')
  const foreign = path.join(tmp, 'foreign')
  fs.mkdirSync(foreign)
  fs.writeFileSync(path.join(foreign, 'x.json'), '{}')
  const r2 = cli('merge', shard('shard-a'), '--out', foreign)
  assert.equal(r2.code, 1)
  assert.match(r2.stderr, /refusing to write into/)
})

// A run store made from a fixture shard's per-test files (as a server would
// have flushed them).
function storeOf(name) {
  const dir = path.join(tmp, 'stores', name)
  if (fs.existsSync(dir)) return dir
  for (const file of fs.readdirSync(shard(name))) {
    const json = readJson(path.join(shard(name), file))
    const testId = json.testId || file.replace(/\.json$/, '')
    writeTestCoverage(dir, testId, json.testId ? json.coverage : json)
  }
  return dir
}

test('report of a run store and per-test files of the same tests counts each once, and lists each test once per line', () => {
  const mixed = path.join(tmp, 'report-mixed')
  const files = path.join(tmp, 'report-files')
  ok('report', storeOf('shard-a'), shard('shard-b'), '--out', mixed)
  ok('report', shard('shard-a'), shard('shard-b'), '--out', files)
  assert.deepEqual(readJson(path.join(mixed, 'merged', 'coverage-final.json')), readJson(path.join(files, 'merged', 'coverage-final.json')))
  const strip = (rows) =>
    rows.map(({ test, files, statements, branches, functions, lines, unique }) => ({ test, files, statements, branches, functions, lines, unique }))
  assert.deepEqual(strip(readJson(path.join(mixed, 'summary.json'))), strip(readJson(path.join(files, 'summary.json'))))
  // The per-line data of math.js: the same from both, the unicode test (in both inputs) once.
  const data = (dir) => fs.readFileSync(path.join(dir, 'merged', 'math.js.tests.js'), 'utf8')
  assert.equal(data(mixed), data(files))
  const parsed = JSON.parse(
    data(mixed)
      .replace(/^covAlsLineTests\(/, '')
      .replace(/\)\s*$/, ''),
  )
  assert.deepEqual(
    parsed.tests.map(([id]) => id),
    [UNICODE_ID, 'math/clamp edge', 'startup'],
  )
  // Line 5 (`if (x < lo) return lo`): the unicode test's statement hits from both shards add up (1 + 1), clamp's 3.
  const line5 = parsed.lines.find(([l]) => l === 5)[1]
  assert.deepEqual(
    line5.map(([i, , , , , hits]) => [parsed.tests[i][0], hits]),
    [
      [UNICODE_ID, 2],
      ['math/clamp edge', 3],
    ],
  )
  assert.ok(!fs.existsSync(path.join(mixed, '.cov-als-lines')), 'the scratch store is removed')
})

test('merge of two shard stores equals one store of both runs', () => {
  const viaStores = path.join(tmp, 'merged-stores')
  ok('merge', storeOf('shard-a'), storeOf('shard-b'), '--out', viaStores)
  const viaFiles = path.join(tmp, 'merged-files')
  ok('merge', shard('shard-a'), shard('shard-b'), '--out', viaFiles)
  assert.deepEqual(listTests(viaStores), listTests(viaFiles))
  for (const id of listTests(viaStores)) assert.deepEqual(readTestCoverage(viaStores, id), readTestCoverage(viaFiles, id), id)
  // A store of some other package version is refused, naming both versions.
  const foreign = path.join(tmp, 'foreign-version')
  fs.mkdirSync(foreign)
  writeTestCoverage(foreign, 't', readTestCoverage(storeOf('shard-a'), 'startup'))
  closeStore(foreign) // checkpoints the WAL into cov-als.db
  const db = path.join(foreign, 'cov-als.db')
  const version = require('../package.json').version
  const bytes = fs.readFileSync(db)
  const at = bytes.indexOf(Buffer.from(`package_version${version}`))
  assert.ok(at > 0, 'the version is in the database file')
  bytes.write('9'.repeat(version.length), at + 'package_version'.length)
  fs.writeFileSync(db, bytes)
  const refused = cli('report', foreign, '--out', path.join(tmp, 'foreign-report'))
  assert.equal(refused.code, 1)
  assert.match(refused.stderr, new RegExp(`written by cov-als-native 9+\\).*\\(cov-als-native ${version.replace(/\./g, '\\.')}\\)`))
})

test('export: Istanbul JSON of chosen tests, keys sorted, byte-stable; halves; unknown test fails', () => {
  const dir = storeOf('shard-a')
  writeTestCoverage(dir, 'math/clamp edge', readTestCoverage(dir, 'math/clamp edge', { part: 'server' }), 'browser')
  const one = ok('export', dir, '--test', UNICODE_ID)
  assert.deepEqual(JSON.parse(one.stdout), readTestCoverage(dir, UNICODE_ID))
  assert.equal(ok('export', dir, '--test', UNICODE_ID).stdout, one.stdout, 'same bytes')
  const keys = Object.keys(JSON.parse(one.stdout)[MATH])
  assert.deepEqual(keys, [...keys].sort(), 'sorted keys')
  // Both halves add up; one half alone.
  const both = JSON.parse(ok('export', dir, '-t', 'math/clamp edge').stdout)
  const server = JSON.parse(ok('export', dir, '-t', 'math/clamp edge', '--part', 'server').stdout)
  assert.deepEqual(
    Object.values(both[MATH].s),
    Object.values(server[MATH].s).map((n) => 2 * n),
  )
  // All tests: the merged counts; written to a file.
  const file = path.join(tmp, 'export', 'all.json')
  ok('export', dir, '--out', file)
  const all = readJson(file)
  const sum = sumCounts(listTests(dir).map((id) => readTestCoverage(dir, id)[MATH]))
  assert.deepEqual(counts(all[MATH]), sum)
  const unknown = cli('export', dir, '--test', 'nope')
  assert.equal(unknown.code, 1)
  assert.match(unknown.stderr, /unknown test: "nope"/)
  assert.equal(cli('export', dir, '--part', 'client').code, 2)
  assert.match(cli('export', tmp).stderr, /no run store/)
})

// ------------------------------------------------------------ errors

test('bad usage and bad input: non-zero exit with a clear message', () => {
  const none = cli()
  assert.equal(none.code, 2)
  assert.match(none.stderr, /Usage: cov-als/)

  const help = ok('--help')
  assert.match(help.stdout, /report <dir\.\.\.>/)
  assert.match(ok('report', '--help').stdout, /--per-test-reporters/)

  const unknown = cli('frobnicate')
  assert.equal(unknown.code, 2)
  assert.match(unknown.stderr, /unknown command "frobnicate"/)

  const noDir = cli('report')
  assert.equal(noDir.code, 2)
  assert.match(noDir.stderr, /needs at least one input directory/)

  const missing = cli('report', path.join(tmp, 'no-such-dir'))
  assert.equal(missing.code, 1)
  assert.match(missing.stderr, /input directory not found: .*no-such-dir/)

  const notDir = cli('report', path.join(shard('shard-a'), `${safeName('startup')}.json`))
  assert.equal(notDir.code, 1)
  assert.match(notDir.stderr, /not a directory/)

  const badOpt = cli('report', shard('shard-a'), '--bogus')
  assert.equal(badOpt.code, 2)
  assert.match(badOpt.stderr, /--bogus/)

  const badReporter = cli('report', shard('shard-a'), '--reporters', 'html,nope')
  assert.equal(badReporter.code, 2)
  assert.match(badReporter.stderr, /unknown reporter "nope"/)

  const noOut = cli('merge', shard('shard-a'))
  assert.equal(noOut.code, 2)
  assert.match(noOut.stderr, /--out/)

  const empty = path.join(tmp, 'empty')
  fs.mkdirSync(empty)
  const emptyRun = cli('report', empty, '--out', path.join(tmp, 'empty-report'))
  assert.equal(emptyRun.code, 1)
  assert.match(emptyRun.stderr, /no coverage files/)

  // An invalid file fails the run, naming the file, before anything is written...
  const bad = path.join(tmp, 'with-bad')
  fs.cpSync(shard('shard-a'), bad, { recursive: true })
  fs.writeFileSync(path.join(bad, 'broken.json'), '{"testId": "x", "coverage": {')
  fs.writeFileSync(path.join(bad, 'notcov.json'), JSON.stringify({ '/a.js': { path: '/a.js', s: {} } }))
  const badOut = path.join(tmp, 'bad-report')
  const failed = cli('report', bad, '--out', badOut)
  assert.equal(failed.code, 1)
  assert.match(failed.stderr, /invalid JSON in .*broken\.json/)
  assert.ok(!fs.existsSync(badOut), 'nothing written')
  // ...or is skipped with a warning with --skip-invalid.
  const skipped = cli('report', bad, '--out', badOut, '--skip-invalid')
  assert.equal(skipped.code, 0, skipped.stderr)
  assert.match(skipped.stderr, /warning: skipping invalid JSON in .*broken\.json/)
  assert.match(skipped.stderr, /warning: skipping .*notcov\.json: not Istanbul coverage: coverage entry "\/a\.js" has no "statementMap"/)
  assert.equal(readJson(path.join(badOut, 'summary.json')).length, 4)
})

test('summary table: columns by terminal width (string-width), long names truncated to 60 columns', () => {
  const { formatTable } = require('../lib/report/table.js')
  const pct = { total: 1, covered: 1, skipped: 0, pct: 100 }
  const row = (test) => ({ test, files: 1, statements: pct, branches: pct, functions: pct, lines: pct, unique: 0 })
  // 40 wide characters take 80 columns: 29 of them (58) and the ellipsis fit in 60.
  const wide = '测'.repeat(40)
  const lines = formatTable([row(wide), row('e\u0301cole 🎉'), row('plain')]).split('\n')
  // The name column is 59 columns wide (the truncated name); "files" is right-aligned in 5.
  assert.ok(lines[2].startsWith('测'.repeat(29) + '…' + ' '.repeat(6) + '1  '), lines[2])
  // é as e + combining accent is one column, the emoji two: 8 columns, padded with 51.
  assert.ok(lines[3].startsWith('e\u0301cole 🎉' + ' '.repeat(51 + 6) + '1  '), lines[3])
  assert.ok(lines[4].startsWith('plain' + ' '.repeat(54 + 6) + '1  '), lines[4])
})

test('report model: errors are its own (ReportError), bad options marked, not the CLI usage errors', () => {
  const { report, merge, ReportError } = require('../lib/report/index.js')
  const { CliError } = require('../lib/cli/errors.js')
  const thrown = (fn) => {
    try {
      fn()
    } catch (err) {
      return err
    }
    assert.fail('expected an error')
  }
  const noDirs = thrown(() => report({ dirs: [] }))
  assert.ok(noDirs instanceof ReportError && !(noDirs instanceof CliError))
  assert.equal(noDirs.badOption, true)
  assert.match(noDirs.message, /no input directory/)
  const missing = thrown(() => report({ dirs: [path.join(tmp, 'no-such-dir')] }))
  assert.ok(missing instanceof ReportError)
  assert.equal(missing.badOption, false)
  assert.match(missing.message, /input directory not found/)
  const noOut = thrown(() => merge({ dirs: [shard('shard-a')] }))
  assert.equal(noOut.badOption, true)
})
