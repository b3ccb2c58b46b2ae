'use strict'
// The leaf entry (docs/function-entry.md): µs per 400-item sort (a leaf
// comparator, ~3,400 calls) plus a forEach sum, inside a test context, for one
// or more checkouts side by side (a before/after pair: build both first).
// node bench/profile/leaf-entry.js [checkout ...]   (default: this one)
const path = require('node:path')
const { median } = require('../lib/stats')

const SRC = `
exports.sortBy = function sortBy(list) { return list.slice().sort((a, b) => a.price - b.price || a.id - b.id) }
exports.sum = function sum(list) { let s = 0; list.forEach((x) => { s += x.price }); return s }
`
const ITEMS = Array.from({ length: 400 }, (_, i) => ({ id: i, price: (i * 7919) % 1000 }))

function timePer(fn, n) {
  const t = process.hrtime.bigint()
  for (let i = 0; i < n; i++) fn()
  return Number(process.hrtime.bigint() - t) / n
}

function measure(checkout) {
  const cov = require(checkout)
  const m = { exports: {} }
  new Function('exports', cov.instrument(SRC, path.join(checkout, '__leaf-entry.js')).code)(m.exports)
  const once = () => {
    m.exports.sortBy(ITEMS)
    m.exports.sum(ITEMS)
  }
  return cov.run('leaf-entry', () => {
    timePer(once, 2000)
    return median(Array.from({ length: 7 }, () => timePer(once, 3000))) / 1000
  })
}

const checkouts = process.argv.slice(2).map((c) => path.resolve(c))
if (checkouts.length === 0) checkouts.push(path.join(__dirname, '..', '..'))
// A child per checkout: each loads its own runtime global.
if (process.env.COV_ALS_LEAF_CHILD) console.log(JSON.stringify(measure(process.env.COV_ALS_LEAF_CHILD)))
else {
  const { execFileSync } = require('node:child_process')
  for (let round = 0; round < 2; round++) {
    for (const c of checkouts) {
      const us = JSON.parse(execFileSync(process.execPath, [__filename], { env: { ...process.env, COV_ALS_LEAF_CHILD: c }, encoding: 'utf8' }))
      console.log(`${process.version} round ${round + 1} ${path.basename(c)}: ${us.toFixed(1)} µs per sort + sum`)
    }
  }
}
