'use strict'
// Crash-safe live arenas (docs/crash-safety.md), measured:
//   1. hot path: ns per counter increment and per function entry, tables in
//      process memory vs tables in a memory-mapped arena, alternating rounds
//      in one process (the arena only decides where a new table's memory is);
//   2. recovery: a process with 1,000 tests x 100 files of tables is
//      SIGKILLed; arena disk use, `recover` time, and a second recover;
//   3. cluster gather: one test's flush (HTTP round trip) from a node:cluster
//      server of 4 workers against 1 worker (one process), the test's requests
//      spread over the workers.
//   4. server: CPU per request of the bench SSR server (bench/server) in ONE
//      process, for 16 test ids whose tables are in memory (created before the
//      arena is opened, on SIGUSR2) and 16 whose tables are in the arena,
//      alternating loads: the same process, code and heap, only the tables differ.
// Across processes: bench/server-bench.js with the covals-memory variant
// (COV_ALS_LIVE=0) beside covals.
//
//   node bench/live.js [--quick] [--sections=hot,recover,cluster,server]

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const http = require('node:http')
const { spawn } = require('node:child_process')
const { runChild } = require('./lib/proc')
const { ROOT } = require('./lib/files')
const { median, fmtSpread, fmtRatio, pairRatios, mdTable } = require('./lib/stats')

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

// One loop function per (variant, function), tiered up the same way before timing.
function harness(modFile, fn, testId) {
  return `'use strict'
const cov = require(${JSON.stringify(ROOT)})
const f = require(${JSON.stringify(modFile)}).${fn}
function loop(n) {
  let s = 0
  for (let i = 0; i < n; i++) s = (s + f(i)) | 0
  return s
}
function timed(n) {
  return cov.run(${JSON.stringify(testId)}, loop, n)
}
%PrepareFunctionForOptimization(loop);
cov.run(${JSON.stringify(testId)}, loop, 1000);
cov.run(${JSON.stringify(testId)}, loop, 1000);
%OptimizeFunctionOnNextCall(loop);
cov.run(${JSON.stringify(testId)}, loop, 1000);
module.exports = timed
`
}

function hotChild(rounds, iters) {
  const cov = require('..')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-live-hot-'))
  try {
    const plainFile = path.join(dir, 'plain.js')
    const oursFile = path.join(dir, 'ours.js')
    fs.writeFileSync(plainFile, TARGET)
    fs.writeFileSync(oursFile, cov.instrument(TARGET, oursFile, { sourceType: 'commonjs' }).code)
    const loops = {}
    // "memory" creates its tables before the arena exists, "arena" after.
    for (const fn of ['e', 'b']) {
      for (const [v, mod, id] of [
        ['plain', plainFile, 'plain'],
        ['memory', oursFile, 'memory'],
      ]) {
        const h = path.join(dir, `loop-${v}-${fn}.js`)
        fs.writeFileSync(h, harness(mod, fn, id))
        loops[`${v}.${fn}`] = require(h)
      }
    }
    const opened = cov.live.open(path.join(dir, 'out'))
    if (opened.error) throw new Error(opened.error)
    for (const fn of ['e', 'b']) {
      const h = path.join(dir, `loop-arena-${fn}.js`)
      fs.writeFileSync(h, harness(oursFile, fn, 'arena'))
      loops[`arena.${fn}`] = require(h)
    }
    // The arena's index names the arena test's tables, and only those.
    const index = fs.readFileSync(path.join(opened.dir, 'index'), 'latin1')
    if (!index.includes('arena') || index.includes('memory')) throw new Error('tables are not where the bench expects them')
    const incs = {}
    for (const fn of ['e', 'b']) {
      cov.run('count', () => require(oursFile)[fn](1))
      const c = cov.flush('count')[oursFile]
      incs[fn] =
        [c.s, c.f].flatMap(Object.values).reduce((a, b) => a + b, 0) +
        Object.values(c.b)
          .flat()
          .reduce((a, b) => a + b, 0)
    }
    console.log(JSON.stringify({ incs, node: process.version }))
    const names = ['plain', 'memory', 'arena']
    for (let w = 0; w < 3; w++) for (const k of Object.keys(loops)) loops[k](iters / 4)
    for (let r = 0; r < rounds; r++) {
      const order = names.map((_, i) => names[(i + r) % names.length])
      for (const v of order) {
        for (const fn of ['e', 'b']) {
          const t0 = process.hrtime.bigint()
          loops[`${v}.${fn}`](iters)
          console.log(JSON.stringify({ round: r, variant: v, fn, nsPerCall: Number(process.hrtime.bigint() - t0) / iters }))
        }
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

async function hot({ quick, log }) {
  const rounds = quick ? 9 : 21
  const iters = quick ? 1e6 : 2e6
  log(`  live hot path: ${rounds} rounds × ${iters} calls`)
  const { lines } = await runChild(process.execPath, ['--allow-natives-syntax', __filename, '--hot-child', String(rounds), String(iters)], { cwd: ROOT })
  const meta = lines[0]
  const rows = lines.slice(1)
  const series = (v, fn) => rows.filter((l) => l.variant === v && l.fn === fn).map((l) => l.nsPerCall)
  const derived = {}
  for (const v of ['memory', 'arena']) {
    const inc = []
    const entry = []
    for (let r = 0; r < rounds; r++) {
      const de = series(v, 'e')[r] - series('plain', 'e')[r]
      const db = series(v, 'b')[r] - series('plain', 'b')[r]
      const i = (db - de) / (meta.incs.b - meta.incs.e)
      inc.push(i)
      entry.push(de - meta.incs.e * i)
    }
    derived[v] = { inc, entry, e: series(v, 'e'), b: series(v, 'b') }
  }
  return { rounds, iters, node: meta.node, incs: meta.incs, plain: { e: series('plain', 'e'), b: series('plain', 'b') }, derived }
}

// A process with `tests` x `files` tables in its arena, killed with SIGKILL.
function recoverChild(outDir, tests, files) {
  const cov = require('..')
  const src = path.join(outDir, '..', 'src')
  fs.mkdirSync(src, { recursive: true })
  const opened = cov.live.open(outDir)
  if (opened.error) throw new Error(opened.error)
  const mods = []
  for (let f = 0; f < files; f++) {
    const file = path.join(src, `m${f}.js`)
    // ~40 counters per file: 8 functions, statements and branches.
    const code = `'use strict'\n${Array.from({ length: 8 }, (_, k) => `function f${k}(x) {\n  const y = x + ${k}\n  if (y > ${k}) return y * 2\n  return y || -1\n}`).join('\n')}\nmodule.exports = (x) => f${f % 8}(x) + f${(f + 3) % 8}(x + 1)\n`
    fs.writeFileSync(file, cov.instrument(code, file, { sourceType: 'commonjs' }).code)
    mods.push(require(file))
  }
  for (let t = 0; t < tests; t++) cov.run(`test ${t}`, () => mods.forEach((m, i) => m(t + i)))
  const bytes = fs.readdirSync(opened.dir).map((n) => fs.statSync(path.join(opened.dir, n)))
  console.log(
    JSON.stringify({
      dir: opened.dir,
      apparent: bytes.reduce((a, s) => a + s.size, 0),
      allocated: bytes.reduce((a, s) => a + s.blocks * 512, 0),
      index: fs.statSync(path.join(opened.dir, 'index')).size,
      tables: tests * files,
    }),
  )
  process.kill(process.pid, 'SIGKILL')
}

async function recover({ quick, log }) {
  const tests = quick ? 200 : 1000
  const files = 100
  const runs = []
  for (let r = 0; r < (quick ? 1 : 3); r++) {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-live-recover-'))
    const outDir = path.join(tmp, 'out')
    log(`  recovery: ${tests} tests × ${files} files, run ${r + 1}`)
    const child = await new Promise((resolve, reject) => {
      const p = spawn(process.execPath, [__filename, '--recover-child', outDir, String(tests), String(files)], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      })
      let out = ''
      p.stdout.on('data', (d) => (out += d))
      p.on('error', reject)
      p.on('close', (code, signal) => (signal === 'SIGKILL' ? resolve(JSON.parse(out.trim().split('\n').pop())) : reject(new Error(`child exited ${code}`))))
    })
    const { recover: recoverArenas } = require('../lib/arenas')
    const t0 = process.hrtime.bigint()
    const [result] = recoverArenas(outDir)
    const ms = Number(process.hrtime.bigint() - t0) / 1e6
    const t1 = process.hrtime.bigint()
    const again = recoverArenas(outDir)
    const againMs = Number(process.hrtime.bigint() - t1) / 1e6
    require('../lib/store').closeStore(outDir)
    const db = ['cov-als.db', 'cov-als.db-wal'].map((n) => path.join(outDir, n)).reduce((a, f) => a + (fs.existsSync(f) ? fs.statSync(f).size : 0), 0)
    runs.push({ ...child, ms, againMs, again: again.length, tests: result.tests, counts: result.counts, db, left: fs.existsSync(child.dir) })
    fs.rmSync(tmp, { recursive: true, force: true })
  }
  return { tests, files, runs }
}

// Flush latency of one test from a cluster of `workers` (fresh connections, so round-robin spreads requests).
async function clusterFlush(workers, { tests, perTest, log }) {
  const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-live-cluster-')))
  fs.cpSync(path.join(ROOT, '__test__/fixtures/stress'), tmp, { recursive: true })
  fs.cpSync(path.join(ROOT, '__test__/fixtures/cluster'), path.join(tmp, 'cluster'), { recursive: true })
  const child = spawn(process.execPath, ['--require', path.join(ROOT, 'register.js'), 'cluster/server.js'], {
    cwd: tmp,
    env: { ...process.env, NODE_OPTIONS: '', COV_ALS: '1', COV_ALS_OUT_DIR: path.join(tmp, 'out'), WORKERS: String(workers) },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  try {
    const port = await new Promise((resolve, reject) => {
      let out = ''
      child.stdout.on('data', (d) => {
        out += d
        const line = out.split('\n').find((l) => l.startsWith('{"port"'))
        if (line) resolve(JSON.parse(line).port)
      })
      child.on('exit', (c) => reject(new Error(`cluster exited ${c}`)))
    })
    const agent = new http.Agent({ keepAlive: false })
    const get = (p, headers, method = 'GET', body) =>
      new Promise((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, path: p, method, agent, headers }, (res) => {
          res.resume()
          res.on('end', resolve)
        })
        req.on('error', reject)
        req.end(body)
      })
    const ms = []
    log(`  cluster gather: ${workers} worker(s), ${tests} tests × ${perTest} requests`)
    for (let t = 0; t < tests; t++) {
      const id = `gather ${t}`
      for (let k = 0; k < perTest; k++) await get(`/compute?n=${(t + k) % 10}&style=plain`, { 'x-cov-test-id': encodeURIComponent(id) })
      const body = JSON.stringify({ testId: id, only: 'touched' })
      const t0 = process.hrtime.bigint()
      await get('/__cov/flush', { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, 'POST', body)
      ms.push(Number(process.hrtime.bigint() - t0) / 1e6)
    }
    return ms
  } finally {
    await new Promise((resolve) => {
      child.once('exit', resolve)
      child.kill('SIGTERM')
    })
    fs.rmSync(tmp, { recursive: true, force: true })
  }
}

async function cluster({ quick, log }) {
  const opts = { tests: quick ? 20 : 60, perTest: 8, log }
  const one = await clusterFlush(1, opts)
  const four = await clusterFlush(4, opts)
  return { ...opts, log: undefined, one, four }
}

// --require'd into the bench server: SIGUSR2 opens the live arena (tables made from then on live there).
function serverHelper() {
  process.on('SIGUSR2', () => {
    const opened = require('..').live.open(process.env.BENCH_LIVE_DIR)
    console.log(JSON.stringify({ opened: opened.dir, error: opened.error }))
  })
}

async function server({ quick, log }) {
  const autocannon = require('autocannon')
  const rounds = quick ? 4 : 10
  const seconds = quick ? 1 : 2
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-live-server-'))
  const env = { ...process.env, NODE_ENV: 'production', BENCH_LIVE_HELPER: '1', BENCH_LIVE_DIR: path.join(tmp, 'arena') }
  delete env.NODE_OPTIONS
  Object.assign(env, {
    COV_ALS: '1',
    COV_ALS_LIVE: '0',
    COV_ALS_ROOT: ROOT,
    COV_ALS_OUT_DIR: path.join(tmp, 'out'),
    COV_ALS_INCLUDE: 'bench/server/app/**',
    COV_ALS_EXCLUDE: '**/.git/**',
    COV_ALS_SOURCE_MAPS: '0',
  })
  const child = spawn(process.execPath, ['--require', path.join(ROOT, 'register.js'), '--require', __filename, path.join(__dirname, 'server/server.js')], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let out = ''
  child.stdout.on('data', (d) => (out += d))
  const waitFor = (re) =>
    new Promise((resolve, reject) => {
      const t = setInterval(() => {
        const m = out.match(re)
        if (m) resolve(m, clearInterval(t))
      }, 20)
      child.once('exit', (c) => reject(new Error(`bench server exited ${c}`), clearInterval(t)))
    })
  try {
    const port = Number((await waitFor(/"port":(\d+)/))[1])
    const cats = ['shoes', 'shirts', 'hats', 'bags']
    const requests = (kind) =>
      Array.from({ length: 16 }, (_, i) => ({
        method: 'GET',
        path: `/c/${cats[i % 4]}?page=${1 + (i % 3)}&sort=${['id', 'price', 'rating'][i % 3]}`,
        headers: { 'x-cov-test-id': encodeURIComponent(`${kind} ${i}`) },
      }))
    const cpu = () => {
      const f = fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(')')[1].trim().split(' ')
      return (Number(f[11]) + Number(f[12])) * (1e6 / 100) // clock ticks (100/s) -> µs
    }
    const loadOf = async (kind, duration) => {
      const a = cpu()
      const r = await autocannon({ url: `http://127.0.0.1:${port}`, connections: 16, duration, requests: requests(kind) })
      return { us: (cpu() - a) / r.requests.total, rps: r.requests.average }
    }
    await loadOf('memory', 1)
    child.kill('SIGUSR2')
    const opened = await waitFor(/"opened":("[^"]*"|null)/)
    if (opened[1] === 'null') throw new Error(`arena not opened: ${out}`)
    await loadOf('arena', 1)
    const tables = fs.readFileSync(path.join(JSON.parse(opened[1]), 'index'), 'latin1')
    if (!tables.includes('arena 0') || tables.includes('memory 0')) throw new Error('tables are not where the bench expects them')
    const rows = { memory: [], arena: [] }
    for (let r = 0; r < rounds; r++) {
      log(`  server (one process): round ${r + 1}/${rounds}`)
      for (const kind of r % 2 ? ['arena', 'memory'] : ['memory', 'arena']) rows[kind].push(await loadOf(kind, seconds))
    }
    return { rounds, seconds, rows }
  } finally {
    child.kill('SIGTERM')
    await new Promise((r) => child.once('exit', r))
    fs.rmSync(tmp, { recursive: true, force: true })
  }
}

async function run({ quick = false, log = console.error, sections = ['hot', 'recover', 'cluster', 'server'] } = {}) {
  const out = { quick }
  if (sections.includes('server')) out.server = await server({ quick, log })
  if (sections.includes('hot')) out.hot = await hot({ quick, log })
  if (sections.includes('recover')) out.recover = await recover({ quick, log })
  if (sections.includes('cluster')) out.cluster = await cluster({ quick, log })
  return out
}

const mb = (b) => `${(b / 1048576).toFixed(1)} MiB`

function report(r) {
  const out = []
  if (r.hot) {
    const h = r.hot
    out.push(
      `**Hot path** (${h.node}; ${h.rounds} rounds × ${h.iters.toExponential(0)} calls, variants alternating in rotating order in one process, loops optimized before timing; medians (min–max)). Increments per call: e=${h.incs.e}, b=${h.incs.b}.`,
      '',
      mdTable(
        ['', 'tables in memory', 'tables in an arena', 'arena / memory'],
        [
          ['e(x) ns/call', fmtSpread(h.derived.memory.e), fmtSpread(h.derived.arena.e), fmtRatio(pairRatios(h.derived.arena.e, h.derived.memory.e))],
          ['b(x) ns/call', fmtSpread(h.derived.memory.b), fmtSpread(h.derived.arena.b), fmtRatio(pairRatios(h.derived.arena.b, h.derived.memory.b))],
          ['ns per increment', fmtSpread(h.derived.memory.inc), fmtSpread(h.derived.arena.inc), '—'],
          ['ns per function entry', fmtSpread(h.derived.memory.entry), fmtSpread(h.derived.arena.entry), '—'],
        ],
      ),
      `(uninstrumented: e ${fmtSpread(h.plain.e)} ns, b ${fmtSpread(h.plain.b)} ns per call)`,
      '',
    )
  }
  if (r.recover) {
    const c = r.recover
    const pick = (k) => c.runs.map((x) => x[k])
    out.push(
      `**Recovery** of a SIGKILLed process with ${c.tests} tests × ${c.files} files (${c.runs[0].tables} tables), ${c.runs.length} run(s):`,
      '',
      mdTable(
        ['', 'median (min–max)'],
        [
          ['arena on disk (allocated)', mb(median(pick('allocated')))],
          ['of which the index', mb(median(pick('index')))],
          ['counter chunks per table (with allocation ahead)', `${Math.round(median(c.runs.map((x) => (x.allocated - x.index) / x.tables)))} bytes`],
          ['`recover` time', `${fmtSpread(pick('ms'))} ms`],
          ['second `recover` (nothing to do)', `${fmtSpread(pick('againMs'))} ms`],
          ['run store after recovery', mb(median(pick('db')))],
        ],
      ),
      `(each run: ${c.runs[0].tests} tests recovered, ${c.runs[0].counts} counts; arena files deleted: ${c.runs.every((x) => !x.left)}; second recover found ${c.runs[0].again} arena(s))`,
      '',
    )
  }
  if (r.cluster) {
    const c = r.cluster
    out.push(
      `**Cluster gather**: flush of one test (${c.perTest} requests, \`only: "touched"\`, HTTP round trip on 127.0.0.1), ${c.tests} tests one after another:`,
      '',
      mdTable(
        ['', 'ms per flush'],
        [
          ['1 worker (one process)', fmtSpread(c.one)],
          ['4 workers (gathers 4 arenas + the primary’s)', fmtSpread(c.four)],
          ['4 workers / 1 worker', fmtRatio([median(c.four) / median(c.one)])],
        ],
      ),
      '',
    )
  }
  if (r.server) {
    const s = r.server
    const us = (k) => s.rows[k].map((x) => x.us)
    out.push(
      `**Server CPU per request, one process** (bench SSR server, 16 connections, ${s.rounds} rounds × ${s.seconds} s per kind, alternating; CPU from /proc/<pid>/stat, 10 ms ticks):`,
      '',
      mdTable(
        ['', 'CPU µs/req, median (min–max)', 'req/s, median'],
        [
          ['16 ids, tables in memory', fmtSpread(us('memory')), Math.round(median(s.rows.memory.map((x) => x.rps)))],
          ['16 ids, tables in the arena', fmtSpread(us('arena')), Math.round(median(s.rows.arena.map((x) => x.rps)))],
          ['arena / memory (per round)', fmtRatio(pairRatios(us('arena'), us('memory'))), '—'],
        ],
      ),
      '',
    )
  }
  return out.join('\n')
}

if (process.env.BENCH_LIVE_HELPER === '1' && require.main !== module) serverHelper()
else if (process.argv[2] === '--hot-child') hotChild(Number(process.argv[3]), Number(process.argv[4]))
else if (process.argv[2] === '--recover-child') recoverChild(process.argv[3], Number(process.argv[4]), Number(process.argv[5]))
else if (require.main === module) {
  const arg = (k) => (process.argv.find((a) => a.startsWith(`--${k}=`)) || '').split('=')[1]
  run({ quick: process.argv.includes('--quick'), sections: arg('sections') ? arg('sections').split(',') : undefined }).then((r) => console.log(report(r)))
}

module.exports = { run, report }
