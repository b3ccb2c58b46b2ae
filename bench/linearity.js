'use strict'
// Section 1b: instrumentation time grows linearly with size. On the 50
// largest .js files of node_modules, each instrumented a few times in one
// process: MB/s per file; the goal (issue 21) is the slowest file's MB/s
// within 2x of the median file's. A superlinear step (such as a column
// computed by scanning from the start of a megabyte-long line) shows up as
// one file far below the median.
//   node bench/linearity.js [--quick] [--count=50]

const fs = require('node:fs')
const path = require('node:path')
const { ROOT } = require('./lib/files')
const { median, fmt, mdTable } = require('./lib/stats')

function walk(dir, out = []) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) walk(p, out)
    else if (/\.(c|m)?js$/.test(e.name) && e.isFile()) out.push({ file: p, size: fs.statSync(p).size })
  }
  return out
}

/** The `count` largest .js files of node_modules (one per content: copies are common). */
function largestFiles(count) {
  const seen = new Set()
  const out = []
  for (const f of walk(path.join(ROOT, 'node_modules')).sort((a, b) => b.size - a.size || a.file.localeCompare(b.file))) {
    const key = `${f.size}:${path.basename(f.file)}`
    if (seen.has(key)) continue
    seen.add(key)
    out.push(f)
    if (out.length === count) break
  }
  return out
}

async function run({ quick = false, log = console.error, count = 50 } = {}) {
  const cov = require('..')
  const rounds = quick ? 1 : 3
  const rows = []
  let n = 0
  for (const { file, size } of largestFiles(count)) {
    const src = fs.readFileSync(file, 'utf8')
    const ms = []
    let error = null
    let out = 0
    for (let r = 0; r < rounds; r++) {
      const t0 = process.hrtime.bigint()
      try {
        // A fresh path per call: one path instrumented again merges into its report.
        out = cov.instrument(src, `${file}.${n++}`, { sourceType: file.endsWith('.mjs') ? 'module' : 'unambiguous' }).code.length
      } catch (err) {
        error = err.code || err.message
        break
      }
      ms.push(Number(process.hrtime.bigint() - t0) / 1e6)
    }
    if (error) {
      log(`  linearity: ${path.relative(ROOT, file)}: not instrumented (${error})`)
      continue
    }
    const best = Math.min(...ms)
    // growth: output / input size, how densely the file is counted (minified code: more counters a byte).
    rows.push({ file: path.relative(ROOT, file), mb: size / 1e6, ms: best, mbps: size / 1e6 / (best / 1e3), growth: out / src.length })
  }
  const med = median(rows.map((r) => r.mbps))
  const slowest = rows.reduce((a, b) => (b.mbps < a.mbps ? b : a))
  // Growth with size on the same code: the slowest files, and 4 copies of
  // each (each in a function, so the copies do not clash) in one file.
  const scaling = []
  for (const row of [...rows].sort((a, b) => a.mbps - b.mbps).slice(0, 3)) {
    const src = fs.readFileSync(path.join(ROOT, row.file), 'utf8')
    const wrapped = `(function () {\n${src}\n})();\n`
    const time = (code) => {
      let best = Infinity
      for (let r = 0; r < Math.max(rounds, 2); r++) {
        const t0 = process.hrtime.bigint()
        cov.instrument(code, `/bench/linearity/${n++}.js`, { sourceType: 'script' })
        best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6)
      }
      return best
    }
    try {
      const one = time(wrapped)
      const four = time(wrapped.repeat(4))
      scaling.push({ file: row.file, one, four, perByte: four / 4 / one })
    } catch (err) {
      log(`  linearity: ${row.file} as a script: ${err.code || err.message}`)
    }
  }
  return { rounds, rows, median: med, slowest, ratio: med / slowest.mbps, met: med / slowest.mbps <= 2, scaling }
}

function report(r) {
  const worst = [...r.rows].sort((a, b) => a.mbps - b.mbps).slice(0, 5)
  return [
    `${r.rows.length} largest .js files of node_modules, best of ${r.rounds} instrument() call(s) each.`,
    `Median ${fmt(r.median)} MB/s; slowest ${fmt(r.slowest.mbps)} MB/s (\`${r.slowest.file}\`): median / slowest = ${r.ratio.toFixed(2)}x, goal ≤2x: **${r.met ? 'met' : 'missed'}**.`,
    '',
    'The five slowest:',
    '',
    mdTable(
      ['file', 'MB', 'ms', 'MB/s', 'output / input size'],
      worst.map((w) => [`\`${w.file}\``, fmt(w.mb), fmt(w.ms), fmt(w.mbps), `${w.growth.toFixed(2)}x`]),
    ),
    '',
    `Median output / input size: ${median(r.rows.map((w) => w.growth)).toFixed(2)}x.`,
    '',
    'Growth with size on the same code (the file wrapped in a function, once and four times in one file; 1.00x is linear):',
    '',
    mdTable(
      ['file', '1 copy (ms)', '4 copies (ms)', 'time per copy, 4 vs 1'],
      r.scaling.map((s) => [`\`${s.file}\``, fmt(s.one), fmt(s.four), `${s.perByte.toFixed(2)}x`]),
    ),
  ].join('\n')
}

module.exports = { run, report, largestFiles }

if (require.main === module) {
  const quick = process.argv.includes('--quick')
  const count = Number((process.argv.find((a) => a.startsWith('--count=')) || '--count=50').slice(8))
  run({ quick, count }).then((r) => console.log(report(r)))
}
