'use strict'
// `npm run bench [-- --quick] [-- --only=instrument,linearity,server,hot,flush,scale,store,monorepo,client-build] [-- --build-oxc]
//   [-- --node-lines=24,26]`
// Runs every section, prints the tables and writes bench/results/latest.{md,json}.
// Every figure is a ratio measured side by side in the same run. The server
// and hot-path sections also run on each Node line of --node-lines (default
// 24,26; `none` for the machine's Node only), from scripts/node-lines.js's cache.
// Last, the goals of issue 26, each met or missed from the figures measured.

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { execFileSync, spawnSync } = require('node:child_process')
const { ROOT } = require('./lib/files')
const { nodeLines } = require('./lib/node-lines')
const { goals } = require('./lib/goals')

// `npm run` puts node_modules/.bin first on PATH, where a `node` may shadow
// the system one: re-run under the system Node, so that "the machine's Node"
// means what it says.
function systemNode() {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    if (!dir || dir.includes('node_modules')) continue
    const p = path.join(dir, 'node')
    try {
      fs.accessSync(p, fs.constants.X_OK)
      return fs.realpathSync(p)
    } catch {}
  }
  return null
}
const sys = systemNode()
if (sys && sys !== fs.realpathSync(process.execPath) && !process.env.COV_ALS_BENCH_REEXEC) {
  const r = spawnSync(sys, [__filename, ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, COV_ALS_BENCH_REEXEC: '1' } })
  process.exit(r.status === null ? 1 : r.status)
}

const quick = process.argv.includes('--quick')
const onlyArg = (process.argv.find((a) => a.startsWith('--only=')) || '').slice(7)
const only = onlyArg ? onlyArg.split(',') : ['instrument', 'linearity', 'server', 'hot', 'flush', 'scale', 'store', 'monorepo', 'client-build']
const linesArg = (process.argv.find((a) => a.startsWith('--node-lines=')) || '--node-lines=24,26').slice('--node-lines='.length)
const lineMajors = linesArg === 'none' ? [] : linesArg.split(',').filter(Boolean)
for (const major of lineMajors) if (!/^\d+$/.test(major)) throw new Error(`--node-lines takes majors such as 24,26 (or none), not ${major}`)
const OXC_DIR = path.join(__dirname, 'oxc-crate')
const OXC_BIN = path.join(OXC_DIR, 'target/release/cov_als_oxc_bench')

const log = (...a) => console.error(...a)
const sh = (cmd, args) => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {
    return '(unavailable)'
  }
}

function newestMtime(dir) {
  let t = 0
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs)
  }
  return t
}

function oxcBinary() {
  const src = Math.max(newestMtime(path.join(ROOT, 'crates/cov_core/src')), newestMtime(path.join(OXC_DIR, 'src')))
  const stale = !fs.existsSync(OXC_BIN) || fs.statSync(OXC_BIN).mtimeMs < src
  if (stale && process.argv.includes('--build-oxc')) {
    log('building bench/oxc-crate (cargo build --release, standalone workspace) ...')
    const r = spawnSync('cargo', ['build', '--release', '--manifest-path', path.join(OXC_DIR, 'Cargo.toml')], {
      stdio: 'inherit',
      env: { ...process.env, CARGO_TARGET_DIR: path.join(OXC_DIR, 'target') },
    })
    if (r.status !== 0) return 'build failed'
    return 'built now'
  }
  if (!fs.existsSync(OXC_BIN)) return 'missing (run with --build-oxc)'
  return stale ? 'STALE: crates/cov_core changed since it was built (run with --build-oxc)' : 'up to date'
}

function machine() {
  const cpus = os.cpus()
  return {
    date: new Date().toISOString(),
    nproc: sh('nproc', []),
    cpu: cpus[0] && cpus[0].model,
    memGiB: (os.totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    rustc: sh('rustc', ['--version']),
    git: `${sh('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'])}${sh('git', ['-C', ROOT, 'status', '--porcelain', '--', 'crates', 'src', 'index.js', 'lib', 'register.js']) ? ' (+ uncommitted changes in the library)' : ''}`,
    addon: `${path.basename(fs.readdirSync(ROOT).find((f) => f.endsWith('.node')) || '?')} built ${fs.existsSync(path.join(ROOT, 'cov-als-native.linux-x64-gnu.node')) ? fs.statSync(path.join(ROOT, 'cov-als-native.linux-x64-gnu.node')).mtime.toISOString() : '?'}`,
  }
}

async function main() {
  const t0 = Date.now()
  const m = machine()
  const lines = only.includes('server') || only.includes('hot') ? nodeLines(lineMajors, log) : []
  m.lines = lines.map((l) => l.version)
  const loads = [{ at: 'start', uptime: sh('uptime', []) }]
  log(`cov-als-native bench (${quick ? 'quick' : 'full'}): ${only.join(', ')}`)
  log(`load at start: ${loads[0].uptime}`)
  const results = {}
  const md = []
  const section = async (key, title, mod, opts = {}, enabledBy = key) => {
    if (!only.includes(enabledBy)) return
    log(`\n== ${title}`)
    const s = Date.now()
    const r = await require(mod).run({ quick, log, ...opts })
    results[key] = r
    loads.push({ at: `after ${key}`, uptime: sh('uptime', []) })
    md.push(
      `## ${title}`,
      '',
      require(mod).report(r),
      '',
      `(${((Date.now() - s) / 1000).toFixed(0)} s; load after: ${loads[loads.length - 1].uptime.replace(/^.*load average/, 'load average')})`,
      '',
    )
  }
  if (only.includes('instrument')) m.oxcBench = oxcBinary()
  await section('instrument', '1. Instrumentation speed and peak memory', './instrument')
  await section('linearity', '1b. Instrumentation time grows linearly: the 50 largest files of node_modules', './linearity')
  await section('server', `2. Server overhead (SSR, Node ${process.version}, the machine's)`, './server-bench')
  // The other lines: both scenarios, 2 rounds each (bounded: ~2 min per line).
  for (const [i, line] of lines.entries()) {
    await section(
      `server${line.major}`,
      `2${String.fromCharCode(98 + i)}. Server overhead on Node ${line.version}`,
      './server-bench',
      { nodeBin: line.bin, rounds: 2 },
      'server',
    )
  }
  await section('hot', '3. Hot path: ns per counter increment and per function entry', './hotpath', {
    nodes: [{ label: `Node ${process.version}`, bin: process.execPath }, ...lines.map((l) => ({ label: `Node ${l.version}`, bin: l.bin }))],
  })
  await section('flush', '4. Flush: 500 files / ~212k counters', './flush')
  await section('scale', '5. Scale: memory per concurrent test, RSS across many tests', './scale')
  await section('store', '6. Run store: 2,000 tests on 500 files', './store')
  // --quick: a tenth of the shards and of the files.
  await section('monorepo', '6b. Monorepo scale, simulated: shard stores, merge, which, impact', './monorepo', quick ? { shards: 5, files: 500 } : {})
  await section('client-build', '7. Client build: cov-als-native/loader vs babel-plugin-istanbul', './client-build')
  const head = [
    `# cov-als-native bench — ${quick ? 'quick' : 'full'} run, ${m.date}`,
    '',
    `- machine: ${m.nproc} cores, ${m.cpu}, ${m.memGiB} GiB; ${m.node} (system)${m.lines.length ? ` and ${m.lines.join(', ')} (scripts/node-lines.js)` : ''}; ${m.rustc}`,
    `- library: git ${m.git}; addon ${m.addon}`,
    m.oxcBench ? `- bench/oxc-crate binary: ${m.oxcBench}` : null,
    `- load (uptime): ${loads.map((l) => `${l.at}: ${l.uptime.replace(/^.*load average: /, '')}`).join('; ')}`,
    `- total time: ${((Date.now() - t0) / 1000).toFixed(0)} s`,
    '',
  ].filter((x) => x !== null)
  const goalsTable = [
    '## Goals (issue 26)',
    '',
    goals(results),
    '',
    quick
      ? 'From the figures above. A quick run measures smaller runs (200 tests; 5 shards on 500 files) than the goals name: its verdicts are indicative only.'
      : 'From the figures above; a quiet machine is needed for the CPU ratios.',
    '',
  ]
  const text = [...head, ...md, ...goalsTable].join('\n')
  const outDir = path.join(__dirname, 'results')
  fs.mkdirSync(outDir, { recursive: true })
  // latest.md / latest-quick.md for complete runs; latest-<sections>.md for partial ones
  const name = `latest${quick ? '-quick' : ''}${onlyArg ? `-${only.join('-')}` : ''}`
  fs.writeFileSync(path.join(outDir, `${name}.md`), text + '\n')
  fs.writeFileSync(path.join(outDir, `${name}.json`), JSON.stringify({ machine: m, loads, results }, null, 1))
  console.log(text)
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
