'use strict'
// istanbul-lib-instrument's specification cases (../shared/conformance)
// through the browser form (`instrument(.., { browser: true })`): each test of
// a case runs in a fresh realm (one page per test), and the realm's
// `__coverage__[file]` must match the spec, with the same maps as the server
// form gives for the same source.

const { test, after } = require('node:test')
const assert = require('node:assert/strict')
const vm = require('node:vm')
const cov = require('..')

const { loadCases, assertCounts, sourceTypeOf } = require('./support/conformance-cases')
const KNOWN_FAILURES = require('./conformance-known-failures.json')

// As conformance.test.js, plus the form.
function instrumentCase({ file, index, doc }, form) {
  const o = doc.instrumentOpts || {}
  const filename = `/conformance-${form}/${file.replace('.yaml', '')}/${index}.js`
  let inputSourceMap = doc.inputSourceMap
  if (inputSourceMap && doc.inputSourceMapClass) inputSourceMap = Object.assign(Object.create({ constructor() {} }), inputSourceMap)
  const out = cov.instrument(doc.code, filename, {
    sourceType: sourceTypeOf(doc),
    reportLogic: o.reportLogic,
    ignoreClassMethods: o.ignoreClassMethods,
    inputSourceMap,
    composeSourceMap: false,
    browser: form === 'browser',
  })
  return { filename, out }
}

const maps = (fc) => ({ statementMap: fc.statementMap, fnMap: fc.fnMap, branchMap: fc.branchMap })

let passed = 0
const cases = loadCases()

for (const c of cases) {
  const known = KNOWN_FAILURES[c.id]
  test(`browser conformance ${c.id}`, { todo: known ? `known failure: ${known}` : undefined }, async () => {
    const { doc } = c
    const { filename, out } = instrumentCase(c, 'browser')
    const opts = doc.opts || {}
    assert.equal(typeof out.code, 'string')
    assert.equal(out.fileId, null, 'the browser form registers nothing')
    if (opts.generateOnly) return passed++
    if (opts.noCoverage) {
      const realm = vm.createContext({})
      vm.runInContext(`(function (args) { var output;\n${out.code}\n})`, realm)()
      assert.equal(realm.__coverage__, undefined, 'an ignored file creates no coverage')
      return passed++
    }
    // The server form of the same source: its maps are the reference.
    const server = instrumentCase(c, 'server')
    let serverMaps = null
    for (const t of doc.tests || []) {
      const realm = vm.createContext({})
      const fn = vm.runInContext(`(${opts.isAsync ? 'async ' : ''}function (args) { var output;\n${out.code}\nreturn output;\n})`, realm)
      const output = await fn(t.args)
      const fc = JSON.parse(JSON.stringify(realm.__coverage__[filename]))
      const where = `${c.id} / ${t.name}`
      if (!serverMaps) {
        const testId = `conf-browser:${c.id}`
        const sfn = new (opts.isAsync ? (async () => {}).constructor : Function)('args', `{ var output;\n${server.out.code}\nreturn output;\n}`)
        await cov.run(testId, () => sfn(t.args))
        serverMaps = maps(cov.flush(testId)[server.filename])
      }
      assert.deepEqual(maps(fc), serverMaps, `maps equal the server form's: ${where}`)
      assert.equal(fc.path, filename)
      assert.equal(typeof fc.hash, 'string')
      assert.deepEqual(JSON.parse(JSON.stringify(output ?? null)), JSON.parse(JSON.stringify(t.out ?? null)), `output: ${where}`)
      assertCounts(assert, fc, t, where)
    }
    passed++
  })
}

after(() => console.log(`browser conformance: ${passed}/${cases.length} cases pass (${Object.keys(KNOWN_FAILURES).length} listed as known failures)`))
