'use strict'
// istanbul-lib-instrument's specification cases (../shared/conformance), read
// once for the server-form and browser-form conformance suites, and the
// count checks both make.

const fs = require('node:fs')
const path = require('node:path')
const yaml = require('js-yaml')
const { createFileCoverage } = require('istanbul-lib-coverage')

const SPEC_DIR = path.resolve(__dirname, '../../../shared/conformance/istanbul-specs')

/** Every case: `{ file, index, doc, id }`, in file order. */
function loadCases() {
  const cases = []
  for (const file of fs
    .readdirSync(SPEC_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    const docs = yaml.loadAll(fs.readFileSync(path.join(SPEC_DIR, file), 'utf8')).filter(Boolean)
    docs.forEach((doc, i) => cases.push({ file, index: i, doc, id: `${file}#${i} ${doc.name}` }))
  }
  return cases
}

/** Our sourceType for a case: autoWrap allows a top-level return (our CommonJS
 * mode); an async case awaits at top level, which only a module allows. */
function sourceTypeOf(doc) {
  const o = doc.instrumentOpts || {}
  return o.esModules || (doc.opts && doc.opts.isAsync) ? 'module' : o.autoWrap ? 'commonjs' : 'script'
}

const asStrings = (o) => JSON.parse(JSON.stringify(o || {}))

/** The counts a case's test expects (lines, statements, functions, branches, bT, inputSourceMap) against `fc`. */
function assertCounts(assert, fc, t, where) {
  if (t.lines) assert.deepEqual(asStrings(createFileCoverage(fc).getLineCoverage()), asStrings(t.lines), `lines: ${where}`)
  if (t.statements) assert.deepEqual(fc.s, asStrings(t.statements), `statements: ${where}`)
  if (t.functions) assert.deepEqual(fc.f, asStrings(t.functions), `functions: ${where}`)
  if (t.branches) assert.deepEqual(fc.b, asStrings(t.branches), `branches: ${where}`)
  // FORMAT.md: `{}` means no entries; istanbul (and we) omit `bT` when a
  // file has no logical expression.
  if (t.branchesTrue) assert.deepEqual(fc.bT || {}, asStrings(t.branchesTrue), `branchesTrue: ${where}`)
  if (t.inputSourceMap) assert.deepEqual(fc.inputSourceMap, asStrings(t.inputSourceMap), `inputSourceMap: ${where}`)
  else assert.equal(fc.inputSourceMap, undefined, `no inputSourceMap: ${where}`)
}

module.exports = { sourceTypeOf, loadCases, assertCounts, asStrings, SPEC_DIR }
