'use strict'
// Summarize a V8 .cpuprofile: self time by function (name + file:line), top N.
// node bench/profile/cpuprofile-summary.js <file.cpuprofile> [N]
const fs = require('node:fs')
const path = require('node:path')

// fromUs/toUs: only samples in this window (V8 profile timestamps are CLOCK_MONOTONIC µs, as process.hrtime).
function summarize(file, top = 25, fromUs = -Infinity, toUs = Infinity) {
  const p = JSON.parse(fs.readFileSync(file, 'utf8'))
  const byId = new Map(p.nodes.map((n) => [n.id, n]))
  const self = new Map()
  const dt = p.timeDeltas
  let total = 0
  let t = p.startTime
  for (let i = 0; i < p.samples.length; i++) {
    t += dt[i] || 0
    if (t < fromUs || t > toUs) continue
    const n = byId.get(p.samples[i])
    const d = dt[i] || 0
    total += d
    const cf = n.callFrame
    const key = `${cf.functionName || '(anonymous)'} ${cf.url ? path.basename(cf.url) : ''}${cf.url ? `:${cf.lineNumber + 1}` : ''}`
    self.set(key, (self.get(key) || 0) + d)
  }
  const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)
  return { total, rows: rows.map(([k, v]) => ({ fn: k, ms: v / 1000, pct: (100 * v) / total })) }
}

if (require.main === module) {
  const { total, rows } = summarize(process.argv[2], Number(process.argv[3] || 25))
  console.log(`total sampled: ${(total / 1000).toFixed(0)} ms`)
  for (const r of rows) console.log(`${r.pct.toFixed(1).padStart(5)}%  ${r.ms.toFixed(0).padStart(6)} ms  ${r.fn}`)
}

module.exports = { summarize }
