'use strict'
// Monorepo scale, simulated (issue 26, goal 3): `--shards` run stores (CI
// shards) of `--tests` tests each on `--files` synthetic instrumented files
// (default 50 x 400 x 5,000), each test touching 1-20 files, flushed as the
// server does ({"only":"touched"}). Then `cov-als merge` of all shards (the
// CLI, in a child: its wall time), the merged store's size, `which` on one
// line and `impact` of a 10-file diff on the merged store (in a fresh child:
// the first call opens the store, as the CLI does).
//
//   node bench/monorepo.js [--shards=50] [--tests=400] [--files=5000] [--keep=<dir>]

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { execFileSync } = require('node:child_process')
const { runChild } = require('./lib/proc')
const synth = require('./lib/synth')
const { fmt, fmtSpread, mdTable } = require('./lib/stats')

const MB = 1024 * 1024
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6
const arg = (name, dflt) => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`))
  return a ? a.slice(name.length + 3) : dflt
}
const fileOf = (dir, i) => path.join(dir, 'src', `mod_${String(i).padStart(4, '0')}.js`)

// Deterministic files of test t of shard k (a small LCG).
function filesOf(k, t, n) {
  let x = (k * 7919 + t * 2654435761) >>> 0
  const next = () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0)
  const chosen = new Set()
  const m = 1 + (next() % 20)
  while (chosen.size < m) chosen.add(next() % n)
  return [...chosen]
}

// One process instruments the files once and runs every shard's tests into that shard's store.
function makeShards(dir, shards, tests, files) {
  const cov = require('..')
  const store = require('../lib/store')
  const sources = Array.from({ length: files }, (_, i) => fileOf(dir, i))
  let t0 = process.hrtime.bigint()
  const mods = synth.loadOurs(cov, dir, sources)
  process.stdout.write(JSON.stringify({ step: 'instrumented', ms: ms(t0) }) + '\n')
  for (let k = 0; k < shards; k++) {
    const runDir = path.join(dir, 'shards', `shard-${k}`)
    fs.mkdirSync(runDir, { recursive: true })
    const db = store.storePath(runDir)
    t0 = process.hrtime.bigint()
    for (let t = 0; t < tests; t++) {
      const id = `packages/pkg-${k}/e2e/spec-${t % 40}.spec.ts › test ${t}`
      const chosen = filesOf(k, t, files)
      cov.run(id, () => chosen.forEach((i) => mods[i].touch(t)))
      cov.store.flush(db, id, true)
    }
    store.closeStore(runDir)
    process.stdout.write(JSON.stringify({ step: 'shard', k, ms: ms(t0), bytes: fs.statSync(db).size }) + '\n')
  }
}

// which and impact on the merged store, in a fresh process.
function query(dir, merged, files) {
  const store = require('../lib/store')
  const { impact } = require('../lib/cli/impact')
  const whichMs = []
  let coverers = 0
  for (let k = 0; k < 10; k++) {
    const t0 = process.hrtime.bigint()
    coverers = store.whichTests(merged, fileOf(dir, (k * 523) % files), 5, 5).length
    whichMs.push(ms(t0))
  }
  const impactMs = []
  let selected = 0
  for (let k = 0; k < 5; k++) {
    const changes = Array.from({ length: 10 }, (_, j) => ({ file: fileOf(dir, (k * 977 + j * 409) % files), ranges: [[6 + j, 6 + j]] }))
    const t0 = process.hrtime.bigint()
    selected = impact({ dirs: [merged], changes, root: dir }).tests.length
    impactMs.push(ms(t0))
  }
  process.stdout.write(JSON.stringify({ whichMs, coverers, impactMs, selected, mergedTests: store.listTests(merged).length }) + '\n')
}

async function run({ shards = 50, tests = 400, files = 5000, keep = null, log = console.error } = {}) {
  const dir = keep || fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-monorepo-'))
  const uptime = () => execFileSync('uptime', { encoding: 'utf8' }).trim()
  try {
    if (!fs.existsSync(path.join(dir, 'src'))) {
      fs.mkdirSync(path.join(dir, 'src'), { recursive: true })
      for (let i = 0; i < files; i++) fs.writeFileSync(fileOf(dir, i), synth.moduleSource(i))
    }
    log(`  monorepo: ${shards} shards x ${tests} tests on ${files} files`)
    const made = await runChild(process.execPath, [__filename, '--make', dir, String(shards), String(tests), String(files)], { timeoutMs: 7_200_000 })
    const shardLines = made.lines.filter((l) => l.step === 'shard')
    const shardBytes = shardLines.reduce((s, l) => s + l.bytes, 0)
    const merged = path.join(dir, 'merged')
    fs.rmSync(merged, { recursive: true, force: true })
    const shardDirs = shardLines.map((l) => path.join(dir, 'shards', `shard-${l.k}`))
    log('  monorepo: cov-als merge')
    const loadBefore = uptime()
    let t0 = process.hrtime.bigint()
    execFileSync(process.execPath, [path.join(__dirname, '..', 'bin', 'cov-als.js'), 'merge', ...shardDirs, '--out', merged], { stdio: 'ignore' })
    const mergeMs = ms(t0)
    const db = path.join(merged, 'cov-als.db')
    const mergedBytes = ['', '-wal', '-shm'].reduce((s, x) => s + (fs.existsSync(db + x) ? fs.statSync(db + x).size : 0), 0)
    log('  monorepo: which, impact')
    const q = await runChild(process.execPath, [__filename, '--query', dir, merged, String(files)])
    return {
      shards: shardLines.length,
      tests,
      files,
      instrumentMs: made.lines[0].ms,
      shardMs: shardLines.map((l) => l.ms),
      shardBytes,
      mergeMs,
      mergedBytes,
      ...q.lines[0],
      loadBefore,
      loadAfter: uptime(),
    }
  } finally {
    if (!keep) fs.rmSync(dir, { recursive: true, force: true })
  }
}

function report(r) {
  const goal = (ok) => (ok ? 'met' : '**missed**')
  return [
    `${r.shards} shard stores of ${r.tests} tests on ${r.files} synthetic files (each test touching 1–20 files; ${r.tests * r.shards} tests in all). Load before the merge: ${r.loadBefore.replace(/^.*load average: /, '')}; after: ${r.loadAfter.replace(/^.*load average: /, '')}.`,
    '',
    mdTable(
      ['figure', 'measured', 'goal'],
      [
        [
          'shard stores (in all)',
          `${fmt(r.shardBytes / MB)} MB; one shard run ${fmtSpread(
            r.shardMs.map((x) => x / 1000),
            ' s',
          )}`,
          '',
        ],
        [`\`cov-als merge\` of the ${r.shards} shards (CLI, wall)`, `${fmt(r.mergeMs / 1000)} s`, `≤60 s: ${goal(r.mergeMs <= 60_000)}`],
        ['merged store', `${fmt(r.mergedBytes / MB)} MB (${r.mergedTests} tests)`, `≤2 GB: ${goal(r.mergedBytes <= 2 * 1024 * MB)}`],
        [
          `\`which\` on one line (10 files; ${r.coverers} tests in the last), first call opens the store`,
          fmtSpread(r.whichMs, ' ms'),
          `<200 ms: ${goal(Math.max(...r.whichMs) < 200)}`,
        ],
        [
          `\`impact\` of a 10-file diff (5 diffs; ${r.selected} tests in the last)`,
          fmtSpread(r.impactMs, ' ms'),
          `<1 s: ${goal(Math.max(...r.impactMs) < 1000)}`,
        ],
      ],
    ),
    '',
    'Median (min–max).',
  ].join('\n')
}

if (process.argv[2] === '--make') {
  makeShards(process.argv[3], Number(process.argv[4]), Number(process.argv[5]), Number(process.argv[6]))
} else if (process.argv[2] === '--query') {
  query(process.argv[3], process.argv[4], Number(process.argv[5]))
} else if (require.main === module) {
  run({ shards: Number(arg('shards', 50)), tests: Number(arg('tests', 400)), files: Number(arg('files', 5000)), keep: arg('keep', null) }).then((r) => {
    console.log(report(r))
    console.log(JSON.stringify(r))
  })
}

module.exports = { run, report }
