'use strict'
// Parity of our instrumenter's coverage maps with istanbul-lib-instrument 6.
//
// For a corpus of real files, instrument each file with ours and with
// istanbul-lib-instrument and compare statementMap, fnMap and branchMap entry by
// entry. Known, documented differences (see parity-differences.md) are
// normalised away first; anything else fails the test.
//
// The default corpus takes a few seconds. COV_ALS_PARITY_FULL=1 adds
// typescript/lib/typescript.js (~9 MB; istanbul alone needs ~25 s on it) and
// prints the instrumentation time of both instrumenters for it.
//
// The second part holds minimal snippets: the documented differences (asserted
// as such), common syntax (asserted equal), and repros of the differences this
// suite found and that have been fixed since (asserted equal: regressions). A
// newly found difference gets a repro there, marked `todo` until it is fixed or
// documented as intended.

const { describe, test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')

const ROOT = path.join(__dirname, '..')
const NM = path.join(ROOT, 'node_modules')
const cov = require(ROOT)
const { createInstrumenter } = require('istanbul-lib-instrument')
const babelParser = require('@babel/parser')
const { defaults: istanbulDefaults } = require('@istanbuljs/schema')

const { corpus } = require('./support/parity-corpus')

// ---- normalisation and comparison --------------------------------------------------

const LOGICAL_ASSIGNMENT = new Set(['||=', '&&=', '??='])
const locKey = (l) => `${l.start.line}:${l.start.column}-${l.end.line}:${l.end.column}`

// Locations of every logical assignment (`a ||= b`, `&&=`, `??=`) in `code`,
// found with the parser istanbul itself uses, under istanbul's parser options.
function logicalAssignmentLocs(code, esm) {
  const ast = babelParser.parse(code, {
    sourceType: esm ? 'module' : 'script',
    allowReturnOutsideFunction: true,
    plugins: istanbulDefaults.instrumenter.parserPlugins,
  })
  const found = new Set()
  const stack = [ast.program]
  while (stack.length) {
    const node = stack.pop()
    if (node.type === 'AssignmentExpression' && LOGICAL_ASSIGNMENT.has(node.operator)) found.add(locKey(node.loc))
    for (const key in node) {
      if (key === 'loc' || key === 'leadingComments' || key === 'trailingComments' || key === 'innerComments' || key === 'extra') continue
      const v = node[key]
      if (Array.isArray(v)) {
        for (const c of v) if (c && typeof c.type === 'string') stack.push(c)
      } else if (v && typeof v.type === 'string') {
        stack.push(v)
      }
    }
  }
  return found
}

// Known difference #1 (parity-differences.md): we count a logical assignment as a
// two-path 'binary-expr' branch, istanbul-lib-instrument 6 does not count it at
// all. Drop those branches and shift later keys down, keeping any gaps in the
// key sequence (istanbul leaves gaps where it prunes empty branches).
function dropLogicalAssignmentBranches(branchMap, code, esm) {
  const keys = Object.keys(branchMap)
    .map(Number)
    .sort((a, b) => a - b)
  const candidates = keys.filter((k) => branchMap[k].type === 'binary-expr')
  if (candidates.length === 0) return { branchMap, dropped: 0 }
  const locs = logicalAssignmentLocs(code, esm)
  if (locs.size === 0) return { branchMap, dropped: 0 }
  const out = {}
  let dropped = 0
  for (const k of keys) {
    const b = branchMap[k]
    if (b.type === 'binary-expr' && locs.has(locKey(b.loc))) {
      dropped++
      continue
    }
    out[k - dropped] = b
  }
  return { branchMap: out, dropped }
}

// Stable JSON (sorted keys), so property order never counts as a difference.
function canon(v) {
  if (Array.isArray(v)) return `[${v.map(canon).join(',')}]`
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canon(v[k])}`)
      .join(',')}}`
  }
  return JSON.stringify(v)
}

const MAPS = ['statementMap', 'fnMap', 'branchMap']

function instrumentOurs(code, file, esm) {
  const t0 = process.hrtime.bigint()
  const result = cov.instrument(code, file, { sourceType: esm ? 'module' : 'commonjs' })
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  assert.equal(typeof result.code, 'string')
  assert.notEqual(result.fileId, null, `${file}: our instrumenter registered no coverage (ignore-file hint?)`)
  // flush() reports every registered file; pick ours.
  const fc = cov.flush(`parity:${file}`)[file]
  assert.ok(fc, `${file}: missing from our coverage map`)
  return { fc, ms }
}

function instrumentIstanbul(code, file, esm) {
  const t0 = process.hrtime.bigint()
  const instrumenter = createInstrumenter({ esModules: esm, compact: false, produceSourceMap: false })
  instrumenter.instrumentSync(code, file)
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  // JSON round trip: undefined positions (an `if` without `else`) drop out,
  // exactly as in the JSON istanbul writes and in ours.
  return { fc: JSON.parse(JSON.stringify(instrumenter.lastFileCoverage())), ms }
}

function lineOf(code, line) {
  const text = code.split(/\r\n|[\r\n\u2028\u2029]/)[line - 1]
  if (text === undefined) return ''
  return text.length > 160 ? `${text.slice(0, 157)}...` : text
}

function describeEntry(code, entry) {
  if (!entry) return 'none'
  const loc = entry.loc || entry
  const json = canon(entry)
  return `${json.length > 300 ? `${json.slice(0, 297)}...` : json}\n        source ${loc.start && loc.start.line}: ${lineOf(code, loc.start && loc.start.line)}`
}

// Entry-by-entry comparison of one map; also the multiset difference, which
// points at the actual culprit when one extra/missing entry shifts every later key.
function diffMap(name, ours, theirs, code, limit = 8) {
  const lines = []
  const keys = [...new Set([...Object.keys(ours), ...Object.keys(theirs)])].map(Number).sort((a, b) => a - b)
  const differing = keys.filter((k) => canon(ours[k]) !== canon(theirs[k]))
  if (differing.length === 0) return { equal: true, lines }
  lines.push(`  ${name}: ${differing.length} of ${keys.length} keys differ (ours ${Object.keys(ours).length}, istanbul ${Object.keys(theirs).length} entries)`)
  for (const k of differing.slice(0, 3)) {
    lines.push(`    [${k}] ours:     ${describeEntry(code, ours[k])}`)
    lines.push(`    [${k}] istanbul: ${describeEntry(code, theirs[k])}`)
  }
  const count = (map) => {
    const m = new Map()
    for (const v of Object.values(map)) m.set(canon(v), (m.get(canon(v)) || 0) + 1)
    return m
  }
  const a = count(ours)
  const b = count(theirs)
  const onlyOurs = [...a].filter(([k, n]) => n > (b.get(k) || 0)).map(([k]) => JSON.parse(k))
  const onlyTheirs = [...b].filter(([k, n]) => n > (a.get(k) || 0)).map(([k]) => JSON.parse(k))
  for (const e of onlyOurs.slice(0, limit)) lines.push(`    only in ours:     ${describeEntry(code, e)}`)
  if (onlyOurs.length > limit) lines.push(`    ... ${onlyOurs.length - limit} more only in ours`)
  for (const e of onlyTheirs.slice(0, limit)) lines.push(`    only in istanbul: ${describeEntry(code, e)}`)
  if (onlyTheirs.length > limit) lines.push(`    ... ${onlyTheirs.length - limit} more only in istanbul`)
  return { equal: false, lines }
}

function compare(code, esm, ours, theirs) {
  const { branchMap, dropped } = dropLogicalAssignmentBranches(ours.branchMap, code, esm)
  const normalised = { statementMap: ours.statementMap, fnMap: ours.fnMap, branchMap }
  const report = []
  const equal = {}
  for (const name of MAPS) {
    const d = diffMap(name, normalised[name], theirs[name], code)
    equal[name] = d.equal
    report.push(...d.lines)
  }
  const counts = Object.fromEntries(MAPS.map((m) => [m, Object.keys(theirs[m]).length]))
  return { equal, allEqual: MAPS.every((m) => equal[m]), report, dropped, counts }
}

// ---- real files --------------------------------------------------------------------

const summary = []

describe('istanbul-lib-instrument parity on real files', () => {
  before(() => {
    // Warm both instrumenters up (module loading, JIT) so timings mean something.
    cov.instrument('var warm = a || b', path.join(__dirname, '__warmup__.js'))
    createInstrumenter({ compact: false, produceSourceMap: false }).instrumentSync('var warm = a || b', '/warmup.js')
  })

  after(() => {
    const pad = (s, n) => String(s).padEnd(n)
    const padl = (s, n) => String(s).padStart(n)
    const lines = ['', 'parity summary (S/F/B = statements/functions/branches, per istanbul; +LA = our logical-assignment branches dropped)']
    for (const r of summary) {
      const status = r.allEqual ? 'equal' : `DIFFERENT (${MAPS.filter((m) => !r.equal[m]).join(', ')})`
      lines.push(
        `  ${pad(r.rel, 62)} S ${padl(r.counts.statementMap, 6)}  F ${padl(r.counts.fnMap, 5)}  B ${padl(r.counts.branchMap, 5)}  +LA ${padl(r.dropped, 3)}  ` +
          `ours ${padl(r.oursMs.toFixed(1), 8)} ms  istanbul ${padl(r.istanbulMs.toFixed(1), 8)} ms  ${status}`,
      )
    }
    const ts = summary.find((r) => r.rel.endsWith('typescript/lib/typescript.js'))
    if (ts) {
      lines.push(`typescript.js instrumentation time: ours ${ts.oursMs.toFixed(0)} ms, istanbul-lib-instrument ${ts.istanbulMs.toFixed(0)} ms`)
    } else {
      lines.push('typescript.js not in the corpus; set COV_ALS_PARITY_FULL=1 to include it (and time it)')
    }
    console.log(lines.join('\n'))
  })

  for (const { file, esm } of corpus()) {
    const rel = path.relative(NM, file)
    test(rel, () => {
      const code = fs.readFileSync(file, 'utf8')
      const ours = instrumentOurs(code, file, esm)
      const theirs = instrumentIstanbul(code, file, esm)
      const result = compare(code, esm, ours.fc, theirs.fc)
      summary.push({ rel, ...result, oursMs: ours.ms, istanbulMs: theirs.ms })
      console.log(
        `parity ${rel}${esm ? ' (esm)' : ''}: S ${result.counts.statementMap} F ${result.counts.fnMap} B ${result.counts.branchMap}` +
          ` (+${result.dropped} logical-assignment) ${result.allEqual ? 'equal' : 'DIFFERENT'}; ours ${ours.ms.toFixed(1)} ms, istanbul ${theirs.ms.toFixed(1)} ms`,
      )
      if (!result.allEqual) {
        assert.fail(`${rel}: coverage maps differ from istanbul-lib-instrument beyond the documented differences\n${result.report.join('\n')}`)
      }
    })
  }
})

// ---- snippets ----------------------------------------------------------------------

let snippetCounter = 0

function snippetMaps(code, { esm = false, options = {} } = {}) {
  const file = path.join(__dirname, `__snippet_${snippetCounter++}.js`)
  cov.instrument(code, file, { sourceType: esm ? 'module' : 'commonjs', ...options })
  const ours = cov.flush(`snippet:${file}`)[file]
  const instrumenter = createInstrumenter({ esModules: esm, compact: false, produceSourceMap: false, ...options })
  instrumenter.instrumentSync(code, file)
  const theirs = JSON.parse(JSON.stringify(instrumenter.lastFileCoverage()))
  return { ours, theirs }
}

function assertSnippetParity(code, opts) {
  const { ours, theirs } = snippetMaps(code, opts)
  const result = compare(code, opts && opts.esm, ours, theirs)
  if (!result.allEqual) assert.fail(`${JSON.stringify(code)}\n${result.report.join('\n')}`)
  return result
}

describe('documented difference: logical assignment is a binary-expr branch', () => {
  test('ours counts `a ||= b` with two paths, istanbul does not; normalised maps are equal', () => {
    const code = 'let a, b, c\na ||= b\nif (c) a &&= c || b\nb ??= function () {}\nconst d = a ? 1 : 2\n'
    const { ours, theirs } = snippetMaps(code)
    const oursTypes = Object.values(ours.branchMap).map((b) => b.type)
    const theirTypes = Object.values(theirs.branchMap).map((b) => b.type)
    assert.deepEqual(theirTypes, ['if', 'binary-expr', 'cond-expr'])
    assert.deepEqual(oursTypes, ['binary-expr', 'if', 'binary-expr', 'binary-expr', 'binary-expr', 'cond-expr'])
    const la = Object.values(ours.branchMap).filter((b) => b.type === 'binary-expr' && b.loc.start.column === 0)
    assert.deepEqual(la[0].locations, [
      { start: { line: 2, column: 0 }, end: { line: 2, column: 1 } },
      { start: { line: 2, column: 6 }, end: { line: 2, column: 7 } },
    ])
    const result = compare(code, false, ours, theirs)
    assert.equal(result.dropped, 3)
    assert.ok(result.allEqual, result.report.join('\n'))
  })

  test('nested logical expressions inside a logical assignment stay separate branches', () => {
    assertSnippetParity('x ||= a || b')
    assertSnippetParity('x = a || (b ||= c)')
    assertSnippetParity('x.y ??= a ? b : c')
    assertSnippetParity('if (x ||= y) {}')
  })
})

describe('snippet parity (sanity: common syntax is equal)', () => {
  const snippets = [
    'a?.b?.(c ?? d)',
    'x = a || b && c || (d ?? e)',
    'x = a ? b ? c : d : e',
    'async function* g() { for await (const x of y) { yield* z } }',
    'class A extends (B || C) { static p = 1; get x() { return 1 } set x(v) {} static { a() } constructor(...args) { super(...args) } }',
    'const {a = 1, b: {c = 2} = {}, ...rest} = o',
    'function f(a, b = 1, {c} = {}, [d] = [], ...e) {}',
    'const o = { a() {}, get b() { return 1 }, async c() {}, *d() {}, [f]() {}, h: function() {}, i: () => 1, j: function k() {} }',
    'if (a) b(); else if (c) d(); else { e() }',
    'switch (a) { case 1: case 2: b(); break; default: }',
    'try { a() } catch { b() } finally { c() }',
    'label: for (;;) { continue label }',
    'x = `a${b ? c : d}b${() => 1}`',
    '"use strict"\nif (a) {\r\n  b()\r\n} else c()\u2028d = "😀" || "é"',
    '/* istanbul ignore next */ function f() {}\nfunction g() { /* istanbul ignore if */ if (a) { b() } else { c() } }',
    'x = a || /* istanbul ignore next */ b',
    'x = a ? /* istanbul ignore next */ b : c',
  ]
  for (const code of snippets) test(JSON.stringify(code).slice(0, 90), () => assertSnippetParity(code))
  test('ESM export forms', () => {
    assertSnippetParity('export default function () {}\nexport const a = () => 1, b = function () {}\nexport class C { m() {} }', { esm: true })
  })
})

// Differences this suite found in the first build it ran against, fixed since
// in the instrumenter (b9a697d). Each is a minimal repro, numbered as in
// parity-differences.md ("Fixed"); they now guard against regressions.
describe('fixed differences (regression repros)', () => {
  const fixed = [
    [
      '#F1 hint between `}` and `else if`: istanbul attaches it to nothing',
      'if (a) {\n  x()\n} /* istanbul ignore else */ else if (b) {\n  y()\n} else {\n  z()\n}',
    ],
    ['#F2 `ignore next` between `}` and `else`', 'if (a) {\n  x()\n} /* istanbul ignore next */ else {\n  z()\n}'],
    ['#F2 `// istanbul ignore next` line before `else`', 'if (a) { b() }\n// istanbul ignore next\nelse { c() }'],
    ['#F3 `ignore next` before a catch block', 'try { a() } catch (e) /* istanbul ignore next */ { b() }'],
    ['#F3 `ignore next` before a try block', 'try /* istanbul ignore next */ { a() } catch (e) { b() }'],
    ['#F3 `ignore next` before a finally block', 'try { a() } finally /* istanbul ignore next */ { b() }'],
    ['#F4 `ignore next` before a function body', 'function f() /* istanbul ignore next */ { a() }'],
    ['#F4 `ignore next` before an arrow body', 'f = () => /* istanbul ignore next */ { a() }'],
    ['#F4 `ignore next` before a method body', 'x = { m() /* istanbul ignore next */ { a() } }'],
    ['#F5 `ignore next` before a for-init declaration', 'for (/* istanbul ignore next */ var i = 0;;) {}'],
    ['#F6 empty switch branch is pruned', 'switch (a) {}\nswitch (b) { /* istanbul ignore next */ default: x() }\nif (c) {}'],
    ['#F7 hint on a declarator init is lost by istanbul', 'var f = /* istanbul ignore next */ a ? b : c'],
    ['#F7 hint on a function init in a case is lost by istanbul', 'switch (a) { case 1: var f = /* istanbul ignore next */ function () {} }'],
    ['#F7 hint on a function init in a for head is lost by istanbul', 'for (var i = /* istanbul ignore next */ function () {};;) {}'],
    ['#F7 hint on a function init after a label is lost by istanbul', 'label: var f = /* istanbul ignore next */ function () {}'],
    [
      '#F8 hint on a class property value is lost by istanbul',
      'class A { x = /* istanbul ignore next */ () => 1; static y = /* istanbul ignore next */ a || b }',
    ],
    [
      '#F9 hint on a default value is lost by istanbul',
      'function g(a = /* istanbul ignore next */ b || c) {}\nf = (a = /* istanbul ignore next */ () => 1) => 1',
    ],
    ['#F10 hint on a shorthand pattern default', 'const {/* istanbul ignore next */ a = 1} = o;\n({ /* istanbul ignore next */ b = 1 } = o)'],
    ['#F11 `export default /* ignore next */ class`', 'export default /* istanbul ignore next */ class { m() {} }', { esm: true }],
    ['#F12 hint on a destructured parameter with defaults', 'function f(/* istanbul ignore next */ {a = 1} = {}) {}'],
    ['#F13 hint word boundary: `ignore next1`, `ignore next_x`', '/* istanbul ignore next1 */ function f() {}\n/* istanbul ignore next_x */ function g() {}'],
    ['#F14 private methods are not counted by istanbul 6', 'class A { #m() { a() } static #n() { return a || b } get #g() { return 1 } }'],
    [
      '#F15 ignoreClassMethods does not ignore function declarations',
      'function render() {}\nx = function render() {}',
      { options: { ignoreClassMethods: ['render'] } },
    ],
    [
      '#F16 ignoreClassMethods: istanbul ignores computed `[name]()` methods',
      'class A { [render]() {} "render"() {} }',
      { options: { ignoreClassMethods: ['render'] } },
    ],
  ]
  for (const [name, code, opts] of fixed) test(name, () => assertSnippetParity(code, opts))

  test('#F17 top-level return: accepted by default, as istanbul (autoWrap) does', () => {
    const code = 'if (a) return\nb()'
    createInstrumenter({ compact: false, produceSourceMap: false }).instrumentSync(code, '/ret.js')
    assert.doesNotThrow(() => cov.instrument(code, path.join(__dirname, '__ret__.js')))
    assertSnippetParity(code)
  })
})

// Found by this suite after the first round of fixes, fixed since: hints
// before a `(` that heads a larger expression, and on a class's superclass.
describe('fixed differences, second round', () => {
  const fixed = [
    ['#O1 hint before `(` heading a call: istanbul attaches it to the call', 'x = /* istanbul ignore next */ (function () { a() })()'],
    ['#O1 hint before `(` heading a member call', 'x = /* istanbul ignore next */ (function () {}).call(this)'],
    ['#O1 hint before `(` heading a call argument', 'f(/* istanbul ignore next */ (function () {})())'],
    ['#O1 hint before `(` heading a member expression', 'x = /* istanbul ignore next */ (a || b).c'],
    ['#O1 hint before `(` heading a binary expression', 'x = /* istanbul ignore next */ (a ? b : c) + 1'],
    ['#O1 a hint before a `(` that is the whole expression still applies inside', 'x = /* istanbul ignore next */ (a ? b : c)'],
    [
      '#O2 hint on a class heritage is lost by istanbul',
      'class A extends /* istanbul ignore next */ (B || C) {}\nclass D extends (/* istanbul ignore next */ E || F) {}',
    ],
  ]
  for (const [name, code, opts] of fixed) test(name, () => assertSnippetParity(code, opts))
})

// Intended difference #2 (parity-differences.md): c8/v8 hints, which istanbul
// ignores. None of the real files above carries one.
describe('documented difference: c8/v8 hints', () => {
  const fnNames = (fc) => Object.values(fc.fnMap).map((f) => f.name)
  const stmtLines = (fc) => Object.values(fc.statementMap).map((l) => l.start.line)

  test('`c8 ignore next` skips the next node; istanbul counts it', () => {
    const { ours, theirs } = snippetMaps('/* c8 ignore next */\nfunction f() {}\n/* v8 ignore next */\nfunction g() {}\nfunction h() {}')
    assert.deepEqual(fnNames(theirs), ['f', 'g', 'h'])
    assert.deepEqual(fnNames(ours), ['h'])
  })

  test('`c8 ignore next N` skips the next N lines', () => {
    const { ours, theirs } = snippetMaps('a()\n/* c8 ignore next 2 */\nb()\nc()\nd()')
    assert.deepEqual(stmtLines(theirs), [1, 3, 4, 5])
    assert.deepEqual(stmtLines(ours), [1, 5])
  })

  test('`c8 ignore start` ... `c8 ignore stop` skips the range', () => {
    const { ours, theirs } = snippetMaps('/* c8 ignore start */\nfunction f() { a() }\n/* c8 ignore stop */\nfunction g() {}')
    assert.deepEqual(fnNames(theirs), ['f', 'g'])
    assert.deepEqual(fnNames(ours), ['g'])
    assert.deepEqual(stmtLines(ours), [])
  })
})
