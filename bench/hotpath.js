'use strict'
// Section 3: hot-path micro-benchmark. A tight loop calls a small function,
// uninstrumented vs instrumented by cov-als-native (inside run()) vs
// instrumented by istanbul-lib-instrument, alternating, on each Node given
// (npm run bench: the machine's and the lines of --node-lines).
//   e(x): 1 statement  -> function entry + 2 counter increments (f, s)
//   b(x): 21 statements -> function entry + 22 counter increments
// ns per increment   = ((b_instr - b_plain) - (e_instr - e_plain)) / (incs_b - incs_e)
// ns per entry lookup = (e_instr - e_plain) - incs_e * ns per increment
// (istanbul has no per-entry lookup: every increment calls cov_x() instead.)
// The cov-als and plain loops also run inside an http request handler on
// 127.0.0.1 (one request per round), where Node 20's lookup costs more.

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { AsyncResource } = require('node:async_hooks')
const { runChild } = require('./lib/proc')
const { ROOT } = require('./lib/files')
const { nodeLines } = require('./lib/node-lines')
const { fmtSpread, fmtRatio, pairRatios, mdTable } = require('./lib/stats')

const TARGET = `'use strict'
function e(x) {
  return (x * 3 + 1) | 0
}
function b(x) {
${Array.from({ length: 20 }, (_, i) => `  x = (x ${['+', '^', '+', '|'][i % 4]} ${i * 7 + 3}) | 0`).join('\n')}
  return x
}
module.exports = { e, b }
`

function harness(modFile, fn) {
  // One file per (variant, function): its own loop function, so call-site feedback is not shared.
  return `'use strict'
const f = require(${JSON.stringify(modFile)}).${fn}
function loop(n) {
  let s = 0
  for (let i = 0; i < n; i++) s = (s + f(i)) | 0
  return s
}
// Tier every loop up the same way (TurboFan) before timing: left to itself,
// V8 sometimes keeps one variant's loop in a lower tier (bimodal 0.7/4.5 ns).
%PrepareFunctionForOptimization(loop);
loop(1000);
loop(1000);
%OptimizeFunctionOnNextCall(loop);
loop(1000);
module.exports = loop
`
}

async function child(rounds, iters) {
  const cov = require('..')
  const { createInstrumenter } = require('istanbul-lib-instrument')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-hot-'))
  try {
    const variants = {
      plain: TARGET,
      ours: cov.instrument(TARGET, path.join(dir, 'ours.js'), { sourceType: 'commonjs' }).code,
      istanbul: createInstrumenter({ esModules: false }).instrumentSync(TARGET, path.join(dir, 'istanbul.js')),
    }
    const loops = {}
    for (const [v, code] of Object.entries(variants)) {
      const mod = path.join(dir, `${v}.js`)
      fs.writeFileSync(mod, code)
      for (const fn of ['e', 'b']) {
        const h = path.join(dir, `loop-${v}-${fn}.js`)
        fs.writeFileSync(h, harness(mod, fn))
        loops[`${v}.${fn}`] = require(h)
      }
    }
    // Increments per call, counted rather than assumed.
    const incs = {}
    for (const fn of ['e', 'b']) {
      cov.run('count', () => require(path.join(dir, 'ours.js'))[fn](1))
      const c = cov.flush('count')
      incs[`ours.${fn}`] = sumHits(c[path.join(dir, 'ours.js')])
      const g = globalThis.__coverage__[path.join(dir, 'istanbul.js')]
      const before = sumHits(g)
      require(path.join(dir, 'istanbul.js'))[fn](1)
      incs[`istanbul.${fn}`] = sumHits(g) - before
    }
    console.log(JSON.stringify({ incs, node: process.version }))
    const names = Object.keys(variants)
    const timeLoop = (label, v, fn, r) => {
      const loop = loops[`${v}.${fn}`]
      const t0 = process.hrtime.bigint()
      loop(iters)
      const ns = Number(process.hrtime.bigint() - t0)
      console.log(JSON.stringify({ round: r, variant: label, fn, nsPerCall: ns / iters }))
    }
    // Inside an http request handler (called from C++ by the HTTP parser, as
    // in a real server; the preload's cov.run() wraps it the same way), where
    // Node 20's getStore() has to ask C++ for the current async resource.
    // One loopback request per round.
    const http = require('node:http')
    let pending = null
    const server = http.createServer((req, res) => {
      cov.run('hot path', () => pending())
      res.end('ok')
    })
    await new Promise((r) => server.listen(0, '127.0.0.1', r))
    const inHandler = (fn) =>
      new Promise((resolve, reject) => {
        pending = fn
        http.get({ host: '127.0.0.1', port: server.address().port, path: '/' }, (res) => res.resume().on('end', resolve)).on('error', reject)
      })
    let first
    await cov.run('hot path', async () => {
      first = new AsyncResource('hot path, first frame')
      // warm-up
      for (let w = 0; w < 3; w++) for (const k of Object.keys(loops)) loops[k](iters / 4)
      for (let r = 0; r < rounds; r++) {
        const order = names.map((_, i) => names[(i + r) % names.length])
        for (const v of order) for (const fn of ['e', 'b']) timeLoop(v, v, fn, r)
        // Each call the first instrumented frame of its job: runInAsyncScope
        // empties the entry cache, so every entry looks the context up.
        first.runInAsyncScope(() => {
          for (const fn of ['e', 'b']) timeLoop('ours@first', 'ours', fn, r)
        })
        await inHandler(() => {
          for (const v of r % 2 ? ['ours', 'plain'] : ['plain', 'ours']) for (const fn of ['e', 'b']) timeLoop(`${v}@cb`, v, fn, r)
        })
      }
    })
    server.close()
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

function sumHits(fc) {
  let n = 0
  for (const v of Object.values(fc.s)) n += v
  for (const v of Object.values(fc.f)) n += v
  for (const arr of Object.values(fc.b)) for (const v of arr) n += v
  return n
}

async function run({ quick = false, log = console.error, nodes = [{ label: `Node ${process.version}`, bin: process.execPath }] } = {}) {
  const rounds = quick ? 9 : 21
  const iters = quick ? 1e6 : 2e6
  const out = []
  for (const n of nodes) {
    log(`  hot path: ${n.label}, ${rounds} rounds × ${iters} calls per (variant, function)`)
    const { lines } = await runChild(n.bin, ['--allow-natives-syntax', __filename, '--child', String(rounds), String(iters)], { cwd: ROOT })
    const meta = lines[0]
    const rows = lines.slice(1)
    const series = (v, fn) => rows.filter((l) => l.variant === v && l.fn === fn).map((l) => l.nsPerCall)
    const per = {}
    for (const v of ['plain', 'ours', 'istanbul', 'plain@cb', 'ours@cb', 'ours@first']) for (const fn of ['e', 'b']) per[`${v}.${fn}`] = series(v, fn)
    const derived = {}
    for (const v of ['ours', 'istanbul', 'ours@cb', 'ours@first']) {
      const base = v.endsWith('@cb') ? 'plain@cb' : 'plain'
      const incsOf = (fn) => meta.incs[`${v.replace(/@.*/, '')}.${fn}`]
      const inc = []
      const entry = []
      for (let r = 0; r < rounds; r++) {
        const de = per[`${v}.e`][r] - per[`${base}.e`][r]
        const db = per[`${v}.b`][r] - per[`${base}.b`][r]
        const i = (db - de) / (incsOf('b') - incsOf('e'))
        inc.push(i)
        entry.push(de - incsOf('e') * i)
      }
      derived[v] = { inc, entry }
    }
    out.push({ label: n.label, node: meta.node, incs: meta.incs, per, derived })
  }
  return { rounds, iters, nodes: out }
}

function report(r) {
  const out = []
  out.push(
    `${r.rounds} rounds × ${r.iters.toExponential(0)} calls per (variant, function), variants alternating in rotating order, all inside one \`run()\`; each loop is a separate function, optimized by TurboFan before timing (--allow-natives-syntax); ns figures are medians (min–max) over rounds.`,
  )
  for (const n of r.nodes) {
    out.push(
      '',
      `**${n.label}** (${n.node}); counter increments per call: ours e=${n.incs['ours.e']}, b=${n.incs['ours.b']}; istanbul e=${n.incs['istanbul.e']}, b=${n.incs['istanbul.b']}`,
      '',
    )
    const rows = []
    for (const fn of ['e', 'b']) {
      const plain = n.per[`plain.${fn}`]
      rows.push([
        fn === 'e' ? 'e(x): 1 statement' : 'b(x): 21 statements',
        fmtSpread(plain),
        fmtSpread(n.per[`ours.${fn}`]),
        fmtSpread(n.per[`istanbul.${fn}`]),
        fmtRatio(pairRatios(n.per[`ours.${fn}`], plain)),
        fmtRatio(pairRatios(n.per[`istanbul.${fn}`], plain)),
        fmtRatio(pairRatios(n.per[`ours.${fn}`], n.per[`istanbul.${fn}`])),
      ])
    }
    for (const fn of ['e', 'b']) {
      rows.push([
        `${fn}(x), inside an http request handler`,
        fmtSpread(n.per[`plain@cb.${fn}`]),
        fmtSpread(n.per[`ours@cb.${fn}`]),
        '—',
        fmtRatio(pairRatios(n.per[`ours@cb.${fn}`], n.per[`plain@cb.${fn}`])),
        '—',
        fmtRatio(pairRatios(n.per[`ours@cb.${fn}`], n.per[`istanbul.${fn}`])),
      ])
    }
    for (const fn of ['e', 'b']) {
      rows.push([
        `${fn}(x), each call the first instrumented frame of its job`,
        fmtSpread(n.per[`plain.${fn}`]),
        fmtSpread(n.per[`ours@first.${fn}`]),
        '—',
        fmtRatio(pairRatios(n.per[`ours@first.${fn}`], n.per[`plain.${fn}`])),
        '—',
        fmtRatio(pairRatios(n.per[`ours@first.${fn}`], n.per[`istanbul.${fn}`])),
      ])
    }
    out.push(mdTable(['function', 'plain ns/call', 'cov-als ns/call', 'istanbul ns/call', 'cov-als / plain', 'istanbul / plain', 'cov-als / istanbul'], rows))
    out.push('')
    out.push(
      mdTable(
        ['derived', 'cov-als-native (nested call)', 'cov-als-native in an http handler (nested)', 'cov-als-native, first frame of a job', 'istanbul'],
        [
          [
            'ns per counter increment',
            fmtSpread(n.derived.ours.inc),
            fmtSpread(n.derived['ours@cb'].inc),
            fmtSpread(n.derived['ours@first'].inc),
            fmtSpread(n.derived.istanbul.inc),
          ],
          [
            'ns per function entry (cache read, or lookup; istanbul: none)',
            fmtSpread(n.derived.ours.entry),
            fmtSpread(n.derived['ours@cb'].entry),
            fmtSpread(n.derived['ours@first'].entry),
            fmtSpread(n.derived.istanbul.entry),
          ],
        ],
      ),
    )
  }
  return out.join('\n')
}

if (require.main === module) {
  const [mode, ...rest] = process.argv.slice(2)
  if (mode === '--child') child(Number(rest[0]), Number(rest[1]))
  else {
    // node bench/hotpath.js [--quick] [--node-lines=24,26]
    const majors = (process.argv.find((a) => a.startsWith('--node-lines=')) || '=').split('=')[1].split(',').filter(Boolean)
    const nodes = [{ label: `Node ${process.version}`, bin: process.execPath }, ...nodeLines(majors).map((l) => ({ label: `Node ${l.version}`, bin: l.bin }))]
    run({ quick: process.argv.includes('--quick'), nodes }).then((r) => console.log(report(r)))
  }
}

module.exports = { run, report }
