'use strict'
// A/B of two builds of the addon on instrumentation speed, side by side in one
// process, alternating rounds: for refactors that must not change speed.
//   cp cov-als-native.*.node /tmp/before.node   # before the change
//   npm run build                                # after it
//   node bench/ab-instrument.js /tmp/before.node cov-als-native.linux-x64-gnu.node [--quick]
// Prints, per file, whether both emit the same code, the median time of each
// and the median of the per-round ratios B/A (1.00 = same speed).

const fs = require('node:fs')
const path = require('node:path')
const { benchFiles } = require('./lib/files')
const { median, pairRatios, fmt, fmtRatio, mdTable } = require('./lib/stats')

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'))
if (args.length !== 2) {
  console.error('usage: node bench/ab-instrument.js <a.node> <b.node> [--quick]')
  process.exit(2)
}
const quick = process.argv.includes('--quick')
const [a, b] = args.map((p) => require(path.resolve(p)))

// Both builds get the same fresh name per round (the name shapes the emitted
// identifiers); a fresh one, since re-instrumenting a path merges into its report.
function time(native, src, name) {
  const t0 = process.hrtime.bigint()
  const out = native.instrument(src, name, { sourceType: 'commonjs' })
  const ns = Number(process.hrtime.bigint() - t0)
  if (out.error) throw new Error(`${name}: ${out.error.message}`)
  return { ns, code: out.code }
}

const rows = []
for (const f of benchFiles()) {
  const src = fs.readFileSync(f.file, 'utf8')
  const rounds = f.size < 100e3 ? (quick ? 20 : 60) : f.size < 1e6 ? (quick ? 6 : 20) : quick ? 3 : 8
  const warmA = time(a, src, `${f.file}.warm.js`)
  const warmB = time(b, src, `${f.file}.warm.js`)
  const same = warmA.code === warmB.code
  const ta = []
  const tb = []
  for (let r = 0; r < rounds; r++) {
    const [first, second, x, y] = r % 2 ? [b, a, tb, ta] : [a, b, ta, tb]
    x.push(time(first, src, `${f.file}.${r}.js`).ns)
    y.push(time(second, src, `${f.file}.${r}.js`).ns)
  }
  rows.push([
    f.label,
    `${(f.size / 1e3).toFixed(0)} KB`,
    same ? 'yes' : 'NO',
    rounds,
    fmt(median(ta) / 1e6),
    fmt(median(tb) / 1e6),
    fmtRatio(pairRatios(tb, ta)),
  ])
  console.error(`  ${f.label}: done`)
}
console.log(mdTable(['file', 'size', 'same output', 'rounds', 'A (ms, median)', 'B (ms, median)', 'B / A (median, min–max)'], rows))
