#!/usr/bin/env node
'use strict'
// Solo-vs-parallel exactness for the field trials: compares one test's server
// half exported from the parallel run's store with the same test's server half
// from a run of that test alone, counter by counter. Counters are matched by
// source location (not by id), so a difference in id order between two builds
// or runs does not show up as a difference in counts.
//
//   node field/compare-solo.js <parallel.json> <solo.json>
//
// Both files are `cov-als export --part server --test <id>` output. Prints the
// number of differing counters and, per file, the differing locations with
// both counts, as JSON.

const fs = require('node:fs')

const locKey = (loc) => `${loc.start.line}:${loc.start.column}-${loc.end.line}:${loc.end.column}`

/** { file: { 's@loc': n, 'f@loc': n, 'b@loc#i': n } } of one Istanbul coverage map. */
function countersByLocation(map) {
  const out = {}
  for (const [file, fc] of Object.entries(map)) {
    const counters = {}
    for (const [id, loc] of Object.entries(fc.statementMap || {})) counters[`s@${locKey(loc)}`] = (counters[`s@${locKey(loc)}`] || 0) + fc.s[id]
    for (const [id, fn] of Object.entries(fc.fnMap || {}))
      counters[`f@${fn.name}@${locKey(fn.loc)}`] = (counters[`f@${fn.name}@${locKey(fn.loc)}`] || 0) + fc.f[id]
    for (const [id, br] of Object.entries(fc.branchMap || {})) {
      fc.b[id].forEach((n, i) => {
        const k = `b@${locKey(br.loc)}#${i}`
        counters[k] = (counters[k] || 0) + n
      })
    }
    out[file] = counters
  }
  return out
}

function compare(parallel, solo) {
  const a = countersByLocation(parallel)
  const b = countersByLocation(solo)
  const files = {}
  let differing = 0
  let nonZero = 0
  for (const file of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const ca = a[file] || {}
    const cb = b[file] || {}
    for (const k of new Set([...Object.keys(ca), ...Object.keys(cb)])) {
      const x = ca[k] || 0
      const y = cb[k] || 0
      if (x || y) nonZero++
      if (x === y) continue
      differing++
      ;(files[file] ||= []).push({ counter: k, parallel: x, solo: y })
    }
  }
  return { differing, nonZero, files }
}

if (require.main === module) {
  const [p, s] = process.argv.slice(2)
  if (!p || !s) {
    console.error('usage: node field/compare-solo.js <parallel.json> <solo.json>')
    process.exit(2)
  }
  const read = (f) => JSON.parse(fs.readFileSync(f, 'utf8'))
  console.log(JSON.stringify(compare(read(p), read(s)), null, 1))
}

module.exports = { compare, countersByLocation }
