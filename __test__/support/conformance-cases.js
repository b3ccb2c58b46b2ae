'use strict'
// istanbul-lib-instrument's specification cases (../shared/conformance), read
// once for the server-form and browser-form conformance suites.

const fs = require('node:fs')
const path = require('node:path')
const yaml = require('js-yaml')

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

module.exports = { loadCases, SPEC_DIR }
