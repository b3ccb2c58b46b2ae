'use strict'
// Section 4: flush of a test that touched 500 files / ~212k counters:
// cov-als-native flushJson(testId) (Istanbul JSON serialized in Rust) vs
// JSON.stringify(globalThis.__coverage__) of istanbul instrumentation of the
// same 500 files, run once. Time: alternating in one process. Peak memory:
// VmHWM reset (/proc/self/clear_refs) just before the call, in a child per tool.

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { runChild } = require('./lib/proc')
const synth = require('./lib/synth')
const { median, fmt, fmtSpread, fmtRatio, pairRatios, mdTable } = require('./lib/stats')

const N_FILES = 500

function setup(dir, wantOurs, wantIstanbul) {
  const files = Array.from({ length: N_FILES }, (_, i) => path.join(dir, 'src', `mod_${String(i).padStart(3, '0')}.js`))
  const cov = require('..')
  const ours = wantOurs ? synth.loadOurs(cov, dir, files) : []
  const ist = wantIstanbul ? synth.istanbulDir(dir, files).map((f) => require(f)) : []
  return { cov, ours, ist }
}

async function childTime(dir, rounds) {
  const { cov, ours, ist } = setup(dir, true, true)
  const touch = (mods, x) => mods.forEach((m) => m.touch(x))
  // warm-up
  for (let w = 0; w < 2; w++) {
    cov.run(`warm${w}`, () => touch(ours, w))
    cov.flushJson(`warm${w}`)
    touch(ist, w)
    JSON.stringify(globalThis.__coverage__)
  }
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 ? ['istanbul', 'ours', 'ours1'] : ['ours', 'ours1', 'istanbul']
    for (const k of order) {
      // Between calls, as in a server: an event-loop turn (which lets Node
      // run the finalizers that free flushed tables) and a full GC, so that
      // neither side is timed together with the previous one's garbage.
      await new Promise((r) => setImmediate(r))
      global.gc()
      let ns, bytes
      if (k === 'istanbul') {
        touch(ist, r)
        const t0 = process.hrtime.bigint()
        const json = JSON.stringify(globalThis.__coverage__)
        ns = Number(process.hrtime.bigint() - t0)
        bytes = json.length
      } else {
        const id = `${k} round ${r}`
        // ours: the test touched all 500 files; ours1: it touched one file
        cov.run(id, () => (k === 'ours' ? touch(ours, r) : ours[r % ours.length].touch(r)))
        const t0 = process.hrtime.bigint()
        const json = cov.flushJson(id)
        ns = Number(process.hrtime.bigint() - t0)
        bytes = json.length
      }
      console.log(JSON.stringify({ round: r, tool: k, ns, bytes }))
    }
  }
}

// `warm`: after one flush of another test (a server's every flush but its
// first: the maps of every file are rendered once, at the first flush, and kept).
function childMem(dir, tool, warm) {
  const { cov, ours, ist } = setup(dir, tool === 'ours', tool === 'istanbul')
  if (warm) {
    if (tool === 'ours') {
      cov.run('warm', () => ours.forEach((m) => m.touch(0)))
      cov.flushJson('warm')
    } else {
      ist.forEach((m) => m.touch(0))
      JSON.stringify(globalThis.__coverage__)
    }
  }
  if (tool === 'ours') cov.run('t', () => ours.forEach((m) => m.touch(1)))
  else ist.forEach((m) => m.touch(1))
  global.gc()
  global.gc()
  const rss = synth.vmKb('VmRSS')
  const ok = synth.resetPeak()
  const t0 = process.hrtime.bigint()
  const json = tool === 'ours' ? cov.flushJson('t') : JSON.stringify(globalThis.__coverage__)
  const ns = Number(process.hrtime.bigint() - t0)
  const peak = synth.vmKb('VmHWM')
  console.log(JSON.stringify({ tool, warm, rssKb: rss, peakKb: peak, growthKb: peak - rss, resetOk: ok, ns, bytes: json.length }))
}

async function run({ quick = false, log = console.error, dir } = {}) {
  const own = !dir
  dir = dir || fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-flush-'))
  try {
    if (!fs.existsSync(path.join(dir, 'src'))) synth.writeModules(dir, N_FILES)
    log('  flush: instrumenting 500 synthetic files with istanbul (cached for the other children)')
    synth.istanbulDir(
      dir,
      Array.from({ length: N_FILES }, (_, i) => path.join(dir, 'src', `mod_${String(i).padStart(3, '0')}.js`)),
    )
    const rounds = quick ? 5 : 12
    log(`  flush: ${rounds} alternating rounds`)
    const { lines } = await runChild(process.execPath, ['--expose-gc', __filename, '--child-time', dir, String(rounds)])
    const series = (k) => lines.filter((l) => l.tool === k)
    const mem = { ours: [], istanbul: [], oursWarm: [], istanbulWarm: [] }
    const memRuns = quick ? 2 : 3
    for (let r = 0; r < memRuns; r++) {
      for (const tool of r % 2 ? ['istanbul', 'ours'] : ['ours', 'istanbul']) {
        for (const warm of [false, true]) {
          const res = await runChild(process.execPath, ['--expose-gc', __filename, '--child-mem', dir, tool, warm ? 'warm' : 'first'])
          mem[warm ? `${tool}Warm` : tool].push(res.lines[0])
        }
      }
    }
    return { rounds, ours: series('ours'), ours1: series('ours1'), istanbul: series('istanbul'), mem }
  } finally {
    if (own) fs.rmSync(dir, { recursive: true, force: true })
  }
}

function report(r) {
  const ns = (xs) => xs.map((x) => x.ns)
  const ms = (xs) =>
    fmtSpread(
      ns(xs).map((x) => x / 1e6),
      ' ms',
    )
  const out = []
  out.push(
    `500 synthetic modules (${fmt(r.ours[0].bytes / 1e6)} MB of Istanbul JSON per flush, istanbul's: ${fmt(r.istanbul[0].bytes / 1e6)} MB), ${r.rounds} alternating rounds in one process, an event-loop turn and a full gc() before each timed call:`,
    '',
  )
  const ratio = pairRatios(ns(r.istanbul), ns(r.ours))
  out.push(
    mdTable(
      ['operation', 'time', 'vs JSON.stringify(__coverage__)'],
      [
        ['`JSON.stringify(__coverage__)`, istanbul, 500 files touched', ms(r.istanbul), '1'],
        [
          '`flushJson(id)`, test touched 500 files',
          ms(r.ours),
          `${fmtRatio(pairRatios(ns(r.ours), ns(r.istanbul)))} of the time (stringify/flush ${fmtRatio(ratio)}) — target "faster": ${median(ratio) > 1 ? 'met' : '**missed**'}`,
        ],
        ['`flushJson(id)`, test touched 1 of the 500 files', ms(r.ours1), `${fmtRatio(pairRatios(ns(r.ours1), ns(r.istanbul)))} of the time`],
      ],
    ),
  )
  const g = (xs) => xs.map((x) => x.growthKb / 1024)
  const rssCell = (xs) =>
    fmtSpread(
      xs.map((x) => x.rssKb / 1024),
      ' MB',
    )
  out.push('', 'Peak memory of the call (VmHWM reset just before it, minus RSS before it; child per tool and case, alternating):', '')
  const peak = (xs) => xs.map((x) => x.peakKb / 1024)
  const memRow = (label, xs, base) => [
    label,
    rssCell(xs),
    fmtSpread(g(xs), ' MB'),
    base ? `${fmt(median(g(xs)) / Math.max(median(g(base)), 0.01))}x` : '1',
    fmtSpread(peak(xs), ' MB'),
    base ? `${fmt(median(peak(xs)) / median(peak(base)))}x` : '1',
  ]
  out.push(
    mdTable(
      ['operation', 'RSS before', 'peak growth during the call', 'vs istanbul', "the process's peak RSS", 'vs istanbul'],
      [
        memRow('istanbul `JSON.stringify(__coverage__)`, first call', r.mem.istanbul),
        memRow("cov-als-native `flushJson`, the process's first flush (renders and keeps every file's maps)", r.mem.ours, r.mem.istanbul),
        ...(r.mem.istanbulWarm
          ? [
              memRow('istanbul `JSON.stringify(__coverage__)`, after one call', r.mem.istanbulWarm),
              memRow('cov-als-native `flushJson`, after one flush of another test', r.mem.oursWarm, r.mem.istanbulWarm),
            ]
          : []),
      ],
    ),
  )
  out.push(
    '',
    `Output ${fmt(r.ours[0].bytes / 1e6)} MB. Goal 4 (peak of a full flush ≤ stringify's): ${median(g(r.mem.oursWarm || r.mem.ours)) <= Math.max(median(g(r.mem.istanbulWarm || r.mem.istanbul)), 0) ? 'met' : '**missed**'}.`,
  )
  if (r.mem.ours.some((x) => !x.resetOk)) out.push('', '(resetting VmHWM failed: growth figures are lower bounds)')
  return out.join('\n')
}

if (require.main === module) {
  const [mode, ...rest] = process.argv.slice(2)
  if (mode === '--child-time') childTime(rest[0], Number(rest[1]))
  else if (mode === '--child-mem') childMem(rest[0], rest[1], rest[2] === 'warm')
  else run({ quick: process.argv.includes('--quick') }).then((r) => console.log(report(r)))
}

module.exports = { run, report, N_FILES }
