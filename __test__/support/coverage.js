'use strict'
// Reading counts out of Istanbul file coverage by line and by function name.
const { createFileCoverage } = require('istanbul-lib-coverage')

function lineHits(fileCoverage, line) {
  return createFileCoverage(fileCoverage).getLineCoverage()[line] ?? null
}

function fnHits(fileCoverage, name) {
  const entry = Object.entries(fileCoverage.fnMap).find(([, f]) => f.name === name)
  if (!entry) throw new Error(`no function ${name} in ${fileCoverage.path}`)
  return fileCoverage.f[entry[0]]
}

function entryFor(map, suffix) {
  const key = Object.keys(map).find((k) => k.endsWith(suffix))
  return key ? map[key] : undefined
}

module.exports = { lineHits, fnHits, entryFor }
