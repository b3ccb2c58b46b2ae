'use strict'
// Runs istanbul-lib-instrument's specification cases (../shared/conformance)
// through our instrumenter, the way their reference runner does: the
// instrumented code becomes a function body, is called inside a test context,
// and that test's flushed coverage must match the spec exactly.

const { test, after } = require('node:test')
const assert = require('node:assert/strict')
const cov = require('..')

const { loadCases, assertCounts, sourceTypeOf } = require('./support/conformance-cases')
const KNOWN_FAILURES = require('./conformance-known-failures.json')
const AsyncFunction = (async () => {}).constructor

function instrumentCase({ file, index, doc }) {
  const o = doc.instrumentOpts || {}
  const filename = `/conformance/${file.replace('.yaml', '')}/${index}.js`
  let inputSourceMap = doc.inputSourceMap
  if (inputSourceMap && doc.inputSourceMapClass) {
    // The spec hands over a class instance instead of a plain object.
    inputSourceMap = Object.assign(Object.create({ constructor() {} }), inputSourceMap)
  }
  const out = cov.instrument(doc.code, filename, {
    sourceType: sourceTypeOf(doc),
    reportLogic: o.reportLogic,
    ignoreClassMethods: o.ignoreClassMethods,
    inputSourceMap,
    // The specs describe istanbul's default: keep generated positions and
    // carry the input map on the coverage.
    composeSourceMap: false,
  })
  return { filename, out }
}

let passed = 0
const cases = loadCases()

for (const c of cases) {
  const known = KNOWN_FAILURES[c.id]
  test(`conformance ${c.id}`, { todo: known ? `known failure: ${known}` : undefined }, async () => {
    const { doc } = c
    const { filename, out } = instrumentCase(c)
    const opts = doc.opts || {}
    assert.equal(typeof out.code, 'string')
    if (opts.generateOnly) {
      passed++
      return
    }
    if (opts.noCoverage) {
      assert.equal(out.fileId, null, 'an ignored file registers no coverage')
      assert.equal(cov.peek(cov.STARTUP_ID)[filename], undefined)
      passed++
      return
    }
    for (const [i, t] of (doc.tests || []).entries()) {
      const testId = `conf:${c.id}:${i}`
      const Ctor = opts.isAsync ? AsyncFunction : Function
      const fn = new Ctor('args', `{ var output;\n${out.code}\nreturn output;\n}`)
      const output = await cov.run(testId, () => fn(t.args))
      const fc = cov.flush(testId)[filename]
      assert.ok(fc, `coverage for ${filename}`)
      const where = `${c.id} / ${t.name}`
      assert.deepEqual(output, t.out, `output: ${where}`)
      assertCounts(assert, fc, t, where)
    }
    passed++
  })
}

after(() => {
  const knownCount = Object.keys(KNOWN_FAILURES).length
  console.log(`conformance: ${passed}/${cases.length} cases pass (${knownCount} listed as known failures)`)
})
