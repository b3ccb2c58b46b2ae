'use strict'
// Section 5: memory per concurrent test id (1, 16, 256 tests alive at once,
// each touching the 500 synthetic files), and RSS stability across thousands
// of tests flushed one after another (sampled every 1,000 after gc()).

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { runChild } = require('./lib/proc')
const synth = require('./lib/synth')
const { median, fmt, fmtSpread, mdTable } = require('./lib/stats')

const N_FILES = 500
const SOAK_FILES = 20

function sources(dir, n) {
  return Array.from({ length: n }, (_, i) => path.join(dir, 'src', `mod_${String(i).padStart(3, '0')}.js`))
}

function gcTwice() {
  global.gc()
  global.gc()
}

// The addon itself, for its live-table count (diagnostics only).
function nativeAddon() {
  return require(path.join(__dirname, '..', 'cov-als-native.linux-x64-gnu.node'))
}

const turn = () => new Promise((r) => setImmediate(r))

// Node runs the finalizers of external ArrayBuffers (which free the Rust
// tables) after a GC *and* an event-loop turn: settle both before sampling.
async function settle() {
  for (let i = 0; i < 3; i++) {
    global.gc()
    await turn()
  }
}

async function childConcurrent(dir, n) {
  const cov = require('..')
  const mods = synth.loadOurs(cov, dir, sources(dir, N_FILES))
  const touch = (x) => mods.forEach((m) => m.touch(x))
  const counters = (() => {
    cov.run('count', () => touch(1))
    const c = cov.flush('count')
    let k = 0
    for (const f of Object.values(c)) k += Object.keys(f.s).length + Object.keys(f.f).length + Object.values(f.b).reduce((a, b) => a + b.length, 0)
    return k
  })()
  // one more full test cycle so the baseline already holds a flush's transient memory
  cov.run('warm', () => touch(2))
  cov.flushJson('warm')
  await settle()
  const rss0 = synth.vmKb('VmRSS')
  const ext0 = process.memoryUsage().external
  const ids = Array.from({ length: n }, (_, i) => `concurrent ${i}`)
  // In its own function, so nothing of the tests' promises (which carry their
  // context, hence their tables) stays reachable from here afterwards.
  const { rss1, ext1 } = await (async () => {
    let release
    const gate = new Promise((r) => (release = r))
    const done = ids.map((id, i) =>
      cov.run(id, async () => {
        touch(i)
        await gate
        touch(i + 1)
      }),
    )
    gcTwice()
    const rss = synth.vmKb('VmRSS')
    const ext = process.memoryUsage().external
    release()
    await Promise.all(done)
    return { rss1: rss, ext1: ext }
  })()
  const t0 = process.hrtime.bigint()
  let bytes = 0
  for (const id of ids) bytes += cov.flushJson(id).length
  const flushNs = Number(process.hrtime.bigint() - t0)
  await settle()
  const rss2 = synth.vmKb('VmRSS')
  console.log(
    JSON.stringify({
      n,
      counters,
      rss0,
      rss1,
      rss2,
      ext0,
      ext1,
      flushNsPerTest: flushNs / n,
      bytesPerFlush: bytes / n,
      tablesLeft: nativeAddon().tableCount(),
    }),
  )
}

// Tests one after another as a server sees them: each runs async in its
// context, is flushed, and the event loop turns before the next one.
async function childSoak(dir, tests, every) {
  const cov = require('..')
  const mods = synth.loadOurs(cov, dir, sources(dir, SOAK_FILES))
  const t0 = process.hrtime.bigint()
  for (let i = 1; i <= tests; i++) {
    const id = `soak test ${i}`
    await cov.run(id, async () => {
      mods.forEach((m) => m.touch(i))
      await null
    })
    cov.flushJson(id)
    await turn()
    if (i % every === 0) {
      await settle()
      const mu = process.memoryUsage()
      console.log(
        JSON.stringify({
          tests: i,
          rssKb: synth.vmKb('VmRSS'),
          heapUsed: mu.heapUsed,
          external: mu.external,
          pending: cov.tests().length,
          tables: nativeAddon().tableCount(),
          ms: Number(process.hrtime.bigint() - t0) / 1e6,
        }),
      )
    }
  }
}

// The same without ever yielding to the event loop (a synchronous script
// running many tests): shows that tables wait for an event-loop turn.
function childSoakSync(dir, tests, every) {
  const cov = require('..')
  const mods = synth.loadOurs(cov, dir, sources(dir, SOAK_FILES))
  for (let i = 1; i <= tests; i++) {
    const id = `sync soak test ${i}`
    cov.run(id, () => mods.forEach((m) => m.touch(i)))
    cov.flushJson(id)
    if (i % every === 0) {
      gcTwice()
      console.log(JSON.stringify({ tests: i, rssKb: synth.vmKb('VmRSS'), tables: nativeAddon().tableCount(), external: process.memoryUsage().external }))
    }
  }
}

async function run({ quick = false, log = console.error, dir } = {}) {
  const own = !dir
  dir = dir || fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-scale-'))
  try {
    if (!fs.existsSync(path.join(dir, 'src'))) synth.writeModules(dir, N_FILES)
    const conc = []
    const levels = [1, 16, 256]
    const repeats = quick ? 1 : 2
    for (let r = 0; r < repeats; r++) {
      for (const n of r % 2 ? [...levels].reverse() : levels) {
        log(`  scale: ${n} concurrent tests × ${N_FILES} files`)
        const { lines } = await runChild(process.execPath, ['--expose-gc', __filename, '--child-concurrent', dir, String(n)], { timeoutMs: 600_000 })
        conc.push(lines[0])
      }
    }
    const tests = quick ? 3000 : 10000
    log(`  scale: soak, ${tests} tests flushed one after another (${SOAK_FILES} files each)`)
    const { lines: soak } = await runChild(process.execPath, ['--expose-gc', __filename, '--child-soak', dir, String(tests), '1000'], { timeoutMs: 600_000 })
    log(`  scale: the same, synchronous (no event-loop turn), ${quick ? 2000 : 3000} tests`)
    const { lines: soakSync } = await runChild(process.execPath, ['--expose-gc', __filename, '--child-soak-sync', dir, String(quick ? 2000 : 3000), '1000'], {
      timeoutMs: 600_000,
    })
    return { conc, soak, soakSync, soakFiles: SOAK_FILES }
  } finally {
    if (own) fs.rmSync(dir, { recursive: true, force: true })
  }
}

function report(r) {
  const out = []
  const counters = r.conc[0].counters
  out.push(
    `Each test touches all 500 files (${counters} counters, ${fmt((counters * 4) / 1024)} KiB as u32). RSS after gc() before the tests start, and with N tests alive at once (all tables created, none flushed):`,
    '',
  )
  const rows = []
  for (const n of [1, 16, 256]) {
    const xs = r.conc.filter((c) => c.n === n)
    const per = xs.map((c) => ((c.rss1 - c.rss0) * 1024) / n)
    const ext = xs.map((c) => (c.ext1 - c.ext0) / n)
    rows.push([
      n,
      fmtSpread(
        per.map((b) => b / 1024),
        ' KiB',
      ),
      `${fmt(median(per) / (counters * 4))}x`,
      fmtSpread(
        ext.map((b) => b / 1024),
        ' KiB',
      ),
      fmtSpread(
        xs.map((c) => c.flushNsPerTest / 1e6),
        ' ms',
      ),
      fmtSpread(
        xs.map((c) => (c.rss2 - c.rss0) / 1024),
        ' MB',
      ),
      xs.map((c) => c.tablesLeft).join(', '),
    ])
  }
  out.push(
    mdTable(
      [
        'concurrent tests',
        'RSS per test',
        'per test / raw u32 counters',
        'V8 external per test',
        'flushJson per test',
        'RSS left after all flushed + gc',
        'live tables left (startup: 500)',
      ],
      rows,
    ),
  )
  const at = (n) => median(r.conc.filter((c) => c.n === n).map((c) => c.rss1 - c.rss0))
  const marginal = ((at(256) - at(16)) * 1024) / 240
  out.push(
    '',
    `Marginal RSS per additional concurrent test (16 → 256, cancels fixed heap growth): ${fmt(marginal / 1024)} KiB = ${fmt(marginal / (counters * 4))}x the raw u32 counters. The Rust side keeps two u32 per counter (live counts + the snapshot last reported), so ~2x is the floor of this design.`,
  )
  const s = r.soak
  out.push(
    '',
    `Soak: ${s[s.length - 1].tests} tests run and flushed one after another, each touching ${r.soakFiles} files (a registry of ${r.soakFiles} files: a flush serializes every registered file, so with the 500 files each flush would take the ~45–70 ms of section 4 and 10,000 of them too long for this suite); RSS after gc() every 1,000 tests:`,
    '',
  )
  const base = s[0].rssKb
  out.push(
    mdTable(
      ['tests', 'RSS (MB)', 'vs after 1,000', 'V8 heapUsed (MB)', 'external (MB)', 'live tables', 'pending ids'],
      s.map((x) => [x.tests, fmt(x.rssKb / 1024), `${fmt(x.rssKb / base, 3)}x`, fmt(x.heapUsed / 1048576), fmt(x.external / 1048576), x.tables, x.pending]),
    ),
  )
  const last = s[s.length - 1]
  const tail = s.filter((x) => x.tests >= 2000).map((x) => x.rssKb)
  out.push(
    '',
    `Growth after warm-up (2,000 → ${last.tests} tests): ${fmt((Math.max(...tail) - Math.min(...tail)) / 1024)} MB (max − min of the samples), ${fmt((last.ms / last.tests) * 1000, 0)} µs per test including its flush.`,
  )
  if (r.soakSync) {
    out.push('', 'The same loop run synchronously (never yielding to the event loop), RSS after gc() every 1,000 tests:', '')
    out.push(
      mdTable(
        ['tests', 'RSS (MB)', 'live tables', 'external (MB)'],
        r.soakSync.map((x) => [x.tests, fmt(x.rssKb / 1024), x.tables, fmt(x.external / 1048576)]),
      ),
    )
  }
  return out.join('\n')
}

if (require.main === module) {
  const [mode, ...rest] = process.argv.slice(2)
  if (mode === '--child-concurrent') childConcurrent(rest[0], Number(rest[1]))
  else if (mode === '--child-soak') childSoak(rest[0], Number(rest[1]), Number(rest[2]))
  else if (mode === '--child-soak-sync') childSoakSync(rest[0], Number(rest[1]), Number(rest[2]))
  else run({ quick: process.argv.includes('--quick') }).then((r) => console.log(report(r)))
}

module.exports = { run, report }
