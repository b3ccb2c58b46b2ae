'use strict'
// Per-request self time by function over the measured window, profile B
// minus profile A (µs/request). Profiles written by server-profile.js (they
// carry a .window.json with the window and the request count).
// node bench/profile/diff-profiles.js a.cpuprofile b.cpuprofile [N]
const fs = require('node:fs')
const { summarize } = require('./cpuprofile-summary')
const [a, b, n = '25'] = process.argv.slice(2)
function per(file) {
  const w = JSON.parse(fs.readFileSync(file + '.window.json', 'utf8'))
  return new Map(summarize(file, 1e9, w.from, w.to).rows.map((r) => [r.fn.replace(/:\d+$/, ''), (r.ms * 1000) / w.requests]))
}
const A = per(a)
const B = per(b)
const keys = new Set([...A.keys(), ...B.keys()])
const rows = [...keys].map((k) => [k, (B.get(k) || 0) - (A.get(k) || 0), A.get(k) || 0, B.get(k) || 0]).sort((x, y) => y[1] - x[1])
const tot = (m) => [...m.values()].reduce((x, y) => x + y, 0)
console.log(`sampled µs/request (incl. idle): A ${tot(A).toFixed(0)}, B ${tot(B).toFixed(0)}, B-A ${(tot(B) - tot(A)).toFixed(0)}`)
for (const r of rows.slice(0, Number(n))) console.log(`${r[1].toFixed(1).padStart(7)} µs/req  (A ${r[2].toFixed(1)}, B ${r[3].toFixed(1)})  ${r[0]}`)
