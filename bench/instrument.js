'use strict'
// Section 1: instrumentation speed and peak memory on real files.
//   (a) cov-als-native instrument()          (napi, in Node)
//   (b) istanbul-lib-instrument instrumentSync (in Node, same process as (a), alternating)
//   (c) oxc_coverage_instrument 0.12.0 vs cov_core::instrument, both from one
//       Rust binary (bench/oxc-crate), alternating: Rust-to-Rust, no napi.
// Peak memory: one child per (tool, file), maxRSS high-water before/after.

const fs = require('node:fs')
const path = require('node:path')
const { runChild } = require('./lib/proc')
const { benchFiles, ROOT } = require('./lib/files')
const { median, pairRatios, fmt, fmtRatio, mdTable } = require('./lib/stats')

const OXC_BIN = path.join(__dirname, 'oxc-crate/target/release/cov_als_oxc_bench')
const WARM_FILE = path.join(ROOT, 'node_modules/express/lib/response.js')

// ---- child side -------------------------------------------------------------

function tools() {
  const cov = require('..')
  const { createInstrumenter } = require('istanbul-lib-instrument')
  const ist = createInstrumenter({ esModules: false })
  let n = 0
  return {
    // A fresh path per call: re-instrumenting one path merges into its report
    // (the chunk-merging feature), which a real server does not do per file.
    ours: (src, file) => cov.instrument(src, `${file}.${n++}.js`, { sourceType: 'commonjs' }).code.length,
    istanbul: (src, file) => ist.instrumentSync(src, file).length,
  }
}

function childTime(file, rounds, names) {
  const t = tools()
  const warm = fs.readFileSync(WARM_FILE, 'utf8')
  for (let i = 0; i < 3; i++) for (const k of names) t[k](warm, WARM_FILE)
  const src = fs.readFileSync(file, 'utf8')
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 ? [...names].reverse() : names
    for (const k of order) {
      const t0 = process.hrtime.bigint()
      const bytes = t[k](src, file)
      const ns = Number(process.hrtime.bigint() - t0)
      console.log(JSON.stringify({ round: r, tool: k, ns, bytes }))
    }
  }
}

function childMem(tool, file) {
  const t = tools()
  const src = fs.readFileSync(file, 'utf8')
  const before = process.resourceUsage().maxRSS
  const t0 = process.hrtime.bigint()
  if (tool !== 'none') t[tool](src, file)
  const ns = Number(process.hrtime.bigint() - t0)
  const after = process.resourceUsage().maxRSS
  console.log(JSON.stringify({ tool, beforeKb: before, afterKb: after, ns }))
}

// ---- parent side ------------------------------------------------------------

function plan(quick, size) {
  // rounds of (ours, istanbul) per file; istanbul takes ~30-60 s on typescript.js
  if (size < 100e3) return quick ? 10 : 20
  if (size < 1e6) return quick ? 3 : 5
  if (size < 4e6) return quick ? 2 : 3
  return quick ? 1 : 2
}

async function run({ quick = false, log = console.error } = {}) {
  const files = benchFiles()
  const result = { files: [], oxc: [], mem: [] }
  const haveOxc = fs.existsSync(OXC_BIN)

  for (const f of files) {
    const rounds = plan(quick, f.size)
    log(`  instrument: ${f.label} (${(f.size / 1e6).toFixed(2)} MB), ${rounds} alternating rounds ours/istanbul`)
    const { lines } = await runChild(process.execPath, [__filename, '--child-time', f.file, String(rounds), 'ours,istanbul'], { timeoutMs: 900_000 })
    const ours = lines.filter((l) => l.tool === 'ours').map((l) => l.ns)
    const ist = lines.filter((l) => l.tool === 'istanbul').map((l) => l.ns)
    result.files.push({ ...f, rounds, oursNs: ours, istanbulNs: ist, speedup: pairRatios(ist, ours) })

    if (haveOxc) {
      const oxcRounds = Math.max(3, Math.min(quick ? 5 : 15, Math.round(2e7 / f.size)))
      log(`  instrument (Rust-to-Rust): ${f.label}, ${oxcRounds} alternating rounds cov_core/oxc_coverage_instrument`)
      try {
        const r = await runChild(OXC_BIN, ['alt', f.file, String(oxcRounds)], { timeoutMs: 600_000 })
        const o = r.lines.filter((l) => l.tool === 'ours').map((l) => l.ns)
        const x = r.lines.filter((l) => l.tool === 'oxc').map((l) => l.ns)
        result.oxc.push({ label: f.label, size: f.size, oursNs: o, oxcNs: x, ratio: pairRatios(o, x) })
      } catch (err) {
        result.oxc.push({ label: f.label, size: f.size, error: err.message.split('\n').slice(0, 3).join(' ') })
      }
    }
  }

  // Peak memory: a child per (tool, file); the two largest files only in quick mode.
  const memFiles = quick ? files.slice(-2) : files
  for (const f of memFiles) {
    log(`  instrument memory: ${f.label}`)
    const row = { label: f.label, size: f.size }
    for (const tool of ['ours', 'istanbul']) {
      const { lines } = await runChild(process.execPath, [__filename, '--child-mem', tool, f.file], { timeoutMs: 900_000 })
      row[tool] = lines[0]
    }
    if (haveOxc) {
      for (const tool of ['none', 'ours', 'oxc']) {
        try {
          const { lines } = await runChild(OXC_BIN, ['once', tool, f.file])
          row[`rust_${tool}`] = lines[0]
        } catch (err) {
          row[`rust_${tool}`] = { error: err.message.split('\n')[0] }
        }
      }
    }
    result.mem.push(row)
  }
  return result
}

function report(r) {
  const mb = (kb) => `${(kb / 1024).toFixed(0)} MB`
  const out = []
  out.push('Time per file, cov-als-native `instrument()` vs istanbul-lib-instrument `instrumentSync`, same process, alternating:')
  out.push('')
  out.push(
    mdTable(
      ['file', 'size', 'rounds', 'ours (ms, median)', 'istanbul (ms, median)', 'istanbul / ours (median, min–max)', 'target ≥30x'],
      r.files.map((f) => {
        const sp = median(f.speedup)
        return [
          f.label,
          `${(f.size / 1e6).toFixed(2)} MB`,
          f.rounds,
          fmt(median(f.oursNs) / 1e6),
          fmt(median(f.istanbulNs) / 1e6),
          fmtRatio(f.speedup),
          sp >= 30 ? 'met' : '**missed**',
        ]
      }),
    ),
  )
  const origin = r.files.find((f) => f.origin)
  if (origin) out.push('', `Next.js chunk: ${origin.origin}.`)
  if (r.oxc.length) {
    out.push(
      '',
      'Rust-to-Rust, one binary (`bench/oxc-crate`), alternating: `cov_core::instrument::instrument` vs `oxc_coverage_instrument::instrument` 0.12.0 (Istanbul compat profile, optional-chain tracking off, CommonJS):',
      '',
    )
    out.push(
      mdTable(
        ['file', 'cov_core (ms, median)', 'oxc_coverage_instrument (ms, median)', 'cov_core / oxc (median, min–max)', 'target ≤1.3x'],
        r.oxc.map((o) =>
          o.error
            ? [o.label, '—', '—', `error: ${o.error}`, '—']
            : [o.label, fmt(median(o.oursNs) / 1e6), fmt(median(o.oxcNs) / 1e6), fmtRatio(o.ratio), median(o.ratio) <= 1.3 ? 'met' : '**missed**'],
        ),
      ),
    )
  }
  if (r.mem.length) {
    out.push('', 'Peak memory (maxRSS high-water of a child that instruments the file once; "+" is the growth over the high-water mark before the call):', '')
    out.push(
      mdTable(
        ['file', 'ours (Node)', 'istanbul (Node)', 'istanbul / ours (growth)', 'cov_core (Rust)', 'oxc crate (Rust)', 'cov_core / oxc (growth)'],
        r.mem.map((m) => {
          const g = (x) => (x && x.afterKb ? x.afterKb - x.beforeKb : NaN)
          const rg = (x) => (x && x.hwmAfterKb ? x.hwmAfterKb - x.hwmBeforeKb : NaN)
          const cell = (x) => (x && x.afterKb ? `${mb(x.afterKb)} (+${mb(g(x))})` : '—')
          const rcell = (x) => (x && x.hwmAfterKb ? `${mb(x.hwmAfterKb)} (+${mb(rg(x))})` : '—')
          return [
            m.label,
            cell(m.ours),
            cell(m.istanbul),
            `${fmt(g(m.istanbul) / g(m.ours))}x`,
            rcell(m.rust_ours),
            rcell(m.rust_oxc),
            m.rust_oxc ? `${fmt(rg(m.rust_ours) / rg(m.rust_oxc))}x` : '—',
          ]
        }),
      ),
    )
  }
  return out.join('\n')
}

if (require.main === module) {
  const [mode, ...rest] = process.argv.slice(2)
  if (mode === '--child-time') childTime(rest[0], Number(rest[1]), rest[2].split(','))
  else if (mode === '--child-mem') childMem(rest[0], rest[1])
  else {
    const quick = process.argv.includes('--quick')
    run({ quick }).then((r) => console.log(report(r)))
  }
}

module.exports = { run, report }
