'use strict'
// Section 6: the run store at scale. A synthetic run of 2,000 tests on 500
// instrumented files (~212k counters), each test touching 1–20 files, flushed
// into the store as the server does ({"only":"touched"} flushes). Measures
// the store's size against per-test Istanbul JSON files (today's format: one
// full flush of every file per test), the flush of a test that touched 5 of
// 500 files against today's full flush + JSON file write (side by side,
// alternating rounds), export, and memory (RSS) after each step. Runs in a
// child so memory figures are its own.

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { runChild } = require('./lib/proc')
const synth = require('./lib/synth')
const { fmt, fmtSpread, fmtRatio, pairRatios, mdTable } = require('./lib/stats')

const N_FILES = 500
const MB = 1024 * 1024

// Deterministic choice of files per test (a small LCG: the same run every time).
function filesOf(t, n) {
  let x = (t * 2654435761) >>> 0
  const next = () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0)
  const k = 1 + (next() % 20)
  const chosen = new Set()
  while (chosen.size < k) chosen.add(next() % n)
  return [...chosen]
}

const rss = () => Math.round(process.memoryUsage().rss / MB)
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6

function child(dir, tests, rounds) {
  const out = (o) => process.stdout.write(JSON.stringify(o) + '\n')
  const cov = require('..')
  const store = require('../lib/store')
  const files = Array.from({ length: N_FILES }, (_, i) => path.join(dir, 'src', `mod_${String(i).padStart(3, '0')}.js`))
  const mods = synth.loadOurs(cov, dir, files)
  out({ step: 'instrumented', rss: rss() })
  const runDir = path.join(dir, `run-${process.pid}`)
  const db = store.storePath(runDir)
  fs.mkdirSync(runDir, { recursive: true })
  const oldDir = path.join(dir, `old-${process.pid}`)
  fs.mkdirSync(oldDir, { recursive: true })

  // The first flush of a process writes every unit (maps of 500 files).
  cov.run('first', () => mods[0].touch(1))
  let t0 = process.hrtime.bigint()
  cov.store.flush(db, 'first', true)
  out({ step: 'first flush (writes 500 units)', ms: ms(t0), rss: rss() })

  // 5 of 500 files: today's full flush + JSON file vs the store's touched flush.
  const oldMs = []
  const newMs = []
  let oldBytes = 0
  for (let r = 0; r < rounds; r++) {
    const five = [0, 1, 2, 3, 4].map((k) => (r * 37 + k * 101) % N_FILES)
    for (const kind of r % 2 ? ['new', 'old'] : ['old', 'new']) {
      const id = `${kind}-${r}`
      cov.run(id, () => five.forEach((i) => mods[i].touch(r)))
      t0 = process.hrtime.bigint()
      if (kind === 'old') {
        const json = cov.flushJson(id)
        const body = `{"testId":${JSON.stringify(id)},"coverage":${json}}`
        fs.writeFileSync(path.join(oldDir, `${id}.json`), body)
        oldMs.push(ms(t0))
        oldBytes = Buffer.byteLength(body)
      } else {
        cov.store.flush(db, id, true)
        newMs.push(ms(t0))
      }
    }
  }
  out({ step: 'flush of 5 of 500 files', oldMs, newMs, oldBytes, rss: rss() })

  // The run: every test touches 1–20 files, then flushes its touched files.
  const flushMs = []
  let touchedFiles = 0
  t0 = process.hrtime.bigint()
  for (let t = 0; t < tests; t++) {
    const id = `suite/spec-${t % 50}.spec.ts › test ${t}`
    const chosen = filesOf(t, N_FILES)
    touchedFiles += chosen.length
    cov.run(id, () => chosen.forEach((i) => mods[i].touch(t)))
    const f0 = process.hrtime.bigint()
    cov.store.flush(db, id, true)
    flushMs.push(ms(f0))
  }
  const runMs = ms(t0)
  store.closeStore(runDir) // checkpoint the WAL: the size is the database's
  const size = ['', '-wal', '-shm'].reduce((s, x) => s + (fs.existsSync(db + x) ? fs.statSync(db + x).size : 0), 0)
  out({ step: 'run', tests, touchedFiles, runMs, flushMs, storeBytes: size, rss: rss(), runDir })

  // Export: one test (every file, as its flush answered) and all tests merged.
  const one = `suite/spec-1.spec.ts › test 1`
  t0 = process.hrtime.bigint()
  const oneMap = store.readTestCoverage(runDir, one)
  const oneMs = ms(t0)
  t0 = process.hrtime.bigint()
  const all = store.exportCoverage(runDir, null)
  const allMs = ms(t0)
  out({ step: 'export', oneMs, oneFiles: Object.keys(oneMap).length, allMs, allFiles: Object.keys(all).length, rss: rss() })
  // which on one line: the tests that ran line 5 (a statement of f*_0) of one file.
  const whichMs = []
  let coverers = 0
  for (let k = 0; k < 10; k++) {
    t0 = process.hrtime.bigint()
    coverers = store.whichTests(runDir, files[(k * 53) % N_FILES], 5, 5).length
    whichMs.push(ms(t0))
  }
  out({ step: 'which', whichMs, coverers, rss: rss() })

  // impact of a 10-file diff: one changed line inside a function of each file.
  const { impact } = require('../lib/cli/impact')
  const impactMs = []
  let selected = 0
  for (let k = 0; k < 5; k++) {
    const changes = Array.from({ length: 10 }, (_, j) => ({ file: files[(k * 97 + j * 41) % N_FILES], ranges: [[6 + j, 6 + j]] }))
    t0 = process.hrtime.bigint()
    selected = impact({ dirs: [runDir], changes, root: dir }).tests.length
    impactMs.push(ms(t0))
  }
  out({ step: 'impact', impactMs, selected, rss: rss() })

  // What `report` reads per test: before, the zero-filled export (every
  // file); now the touched files only (alternating, 10 tests).
  const zeroMs = []
  const touchedMs = []
  for (let k = 0; k < 10; k++) {
    const id = `suite/spec-${(k * 7) % 50}.spec.ts › test ${k * 7}`
    for (const kind of k % 2 ? ['touched', 'zero'] : ['zero', 'touched']) {
      t0 = process.hrtime.bigint()
      if (kind === 'zero') store.exportCoverage(runDir, [id], { part: 'server' })
      else for (const part of store.PARTS) store.exportCoverage(runDir, [id], { part, allFiles: false })
      ;(kind === 'zero' ? zeroMs : touchedMs).push(ms(t0))
    }
  }
  out({ step: 'per-test read', zeroMs, touchedMs, rss: rss() })
  out({ step: 'peak', maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024) })
}

// Only the run: `tests` tests on the 500 files flushed into a store under
// `runDir` (the same tests as the child above), for the report figures.
function makeRun(dir, runDir, tests) {
  const cov = require('..')
  const store = require('../lib/store')
  const files = Array.from({ length: N_FILES }, (_, i) => path.join(dir, 'src', `mod_${String(i).padStart(3, '0')}.js`))
  const mods = synth.loadOurs(cov, dir, files)
  const db = store.storePath(runDir)
  fs.mkdirSync(runDir, { recursive: true })
  for (let t = 0; t < tests; t++) {
    const id = `suite/spec-${t % 50}.spec.ts › test ${t}`
    const chosen = filesOf(t, N_FILES)
    cov.run(id, () => chosen.forEach((i) => mods[i].touch(t)))
    cov.store.flush(db, id, true)
  }
  store.closeStore(runDir)
  process.stdout.write(JSON.stringify({ runDir, tests }) + '\n')
}

// Size and file count of a directory tree; `suffix`: only files ending so.
function du(dir, suffix = '') {
  let bytes = 0
  let files = 0
  for (const name of fs.readdirSync(dir, { recursive: true })) {
    const st = fs.statSync(path.join(dir, name))
    if (st.isFile() && name.endsWith(suffix)) {
      bytes += st.size
      files++
    }
  }
  return { bytes, files }
}

// One `cov-als report` of the run in a child of its own (its peak RSS is the report's):
// 'merged' = the merged html with per-line test lists only; 'views' = that plus
// `--per-test --per-test-reporters html` (a page per test viewing the merged
// pages); 'full' = `--per-test` with the defaults (merged html/lcov/json +
// per test html, lcov and json-summary).
const REPORT_MODES = {
  merged: { reporters: ['html'] },
  views: { reporters: ['html'], perTest: true, perTestReporters: ['html'] },
  full: { perTest: true },
}

function reportChild(runDir, outDir, mode) {
  const { report } = require('../lib/report/index.js')
  const t0 = process.hrtime.bigint()
  report({ dirs: [runDir], out: outDir, ...REPORT_MODES[mode] })
  const took = ms(t0)
  const merged = path.join(outDir, 'merged')
  process.stdout.write(
    JSON.stringify({
      mode,
      ms: took,
      // user + system CPU of the report: less sensitive to a loaded machine than the wall time
      cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
      total: du(outDir),
      mergedHtml: du(merged),
      dataFiles: du(merged, '.tests.js'),
      tests: fs.existsSync(path.join(outDir, 'tests')) ? du(path.join(outDir, 'tests')) : null,
      maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    }) + '\n',
  )
}

async function reports(runDir, dir, log) {
  const out = {}
  for (const mode of Object.keys(REPORT_MODES)) {
    log(`  store: cov-als report (${mode})`)
    const child = await runChild(process.execPath, [__filename, '--report-child', runDir, path.join(dir, `report-${mode}`), mode], { timeoutMs: 3_600_000 })
    out[mode] = { ...child.lines[0], uptime: require('node:child_process').execFileSync('uptime', { encoding: 'utf8' }).trim() }
  }
  return out
}

// `node bench/store.js --reports-only [--quick]`: only the run and its reports.
async function runReports({ quick = false, log = console.error } = {}) {
  const tests = quick ? 200 : 2000
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-store-bench-'))
  try {
    synth.writeModules(dir, N_FILES)
    log(`  store: ${tests} tests on ${N_FILES} files (the run only)`)
    const runDir = path.join(dir, 'run')
    await runChild(process.execPath, [__filename, '--make-run', dir, runDir, String(tests)], { timeoutMs: 1_200_000 })
    return { tests, files: N_FILES, reports: await reports(runDir, dir, log) }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

function reportsTable(r) {
  const row = (label, x) => [
    label,
    `${fmt(x.ms / 1000)} s (CPU ${fmt(x.cpuMs / 1000)} s)`,
    `${fmt(x.total.bytes / MB)} MB in ${x.total.files} files${x.tests ? `, of which tests/ ${fmt(x.tests.bytes / MB)} MB` : ''}`,
    `${x.maxRssMB} MB`,
    x.uptime.replace(/^.*load average: /, ''),
  ]
  return mdTable(
    ['`cov-als report` of the run', 'wall time (CPU user+sys)', 'on disk', 'peak RSS', 'load (1, 5, 15 min) after'],
    [
      row('merged html with per-line test lists (`--reporters html`)', r.reports.merged),
      row(`+ per-test views (\`--per-test --per-test-reporters html\`, ${r.tests} tests)`, r.reports.views),
      row('`--per-test` with the defaults: merged html/lcov/json/json-summary + per test html, lcov, json-summary', r.reports.full),
    ],
  )
}

async function run({ quick = false, log = console.error } = {}) {
  const tests = quick ? 200 : 2000
  const rounds = quick ? 6 : 20
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-store-bench-'))
  try {
    synth.writeModules(dir, N_FILES)
    log(`  store: ${tests} tests on ${N_FILES} files, ${rounds} rounds of the 5-file flush`)
    const { lines } = await runChild(process.execPath, [__filename, '--child', dir, String(tests), String(rounds)], { timeoutMs: 1_200_000 })
    const by = Object.fromEntries(lines.map((l) => [l.step, l]))
    return { tests, rounds, files: N_FILES, ...by, reports: await reports(by.run.runDir, dir, log) }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

function report(r) {
  const cmp = r['flush of 5 of 500 files']
  const runStep = r.run
  const perTestJson = cmp.oldBytes * r.tests
  return [
    `${r.tests} tests on ${r.files} synthetic files (~212k counters), each touching 1–20 files (${runStep.touchedFiles} file touches in all).`,
    '',
    mdTable(
      ['figure', 'run store', 'per-test Istanbul JSON (today)', 'ratio'],
      [
        [
          'size of the run',
          `${fmt(runStep.storeBytes / MB)} MB`,
          `${fmt(perTestJson / MB)} MB (${fmt(cmp.oldBytes / MB)} MB per test)`,
          `${fmt(perTestJson / runStep.storeBytes)}x smaller`,
        ],
        ['flush of a test that touched 5 of 500 files, ms', fmtSpread(cmp.newMs), fmtSpread(cmp.oldMs), `${fmtRatio(pairRatios(cmp.oldMs, cmp.newMs))} faster`],
        ['`which` on one line (10 files, one call each), ms', fmtSpread(r.which.whichMs), 'reading every per-test file', ''],
        ['`impact` of a 10-file diff (5 diffs), ms', fmtSpread(r.impact.impactMs), '', ''],
      ],
    ),
    '',
    mdTable(
      ['step', 'time', 'RSS after'],
      [
        ['instrument + load 500 files', '', `${r.instrumented.rss} MB`],
        [
          'first flush of the process (writes the 500 units)',
          `${fmt(r['first flush (writes 500 units)'].ms)} ms`,
          `${r['first flush (writes 500 units)'].rss} MB`,
        ],
        [`${r.tests} tests run + flushed (touched only)`, `${fmt(runStep.runMs / 1000)} s; flush ${fmtSpread(runStep.flushMs, ' ms')}`, `${runStep.rss} MB`],
        [`export of one test (${r.export.oneFiles} files, zero-filled)`, `${fmt(r.export.oneMs)} ms`, ''],
        [`export of all ${r.tests} tests merged (${r.export.allFiles} files)`, `${fmt(r.export.allMs)} ms`, `${r.export.rss} MB`],
        [`which on one line (${r.which.coverers} tests in the last call)`, fmtSpread(r.which.whichMs, ' ms'), `${r.which.rss} MB`],
        [`impact of a 10-file diff (${r.impact.selected} tests selected in the last)`, fmtSpread(r.impact.impactMs, ' ms'), `${r.impact.rss} MB`],
        ['peak RSS of the run', '', `${r.peak.maxRssMB} MB`],
      ],
    ),
    '',
    reportsTable(r),
    '',
    mdTable(
      ['`report` reads per test', 'time', 'ratio'],
      [
        [
          'per-test read of `report`, ms (10 tests): touched files (now) vs zero-filled export (before)',
          `${fmtSpread(r['per-test read'].touchedMs)} vs ${fmtSpread(r['per-test read'].zeroMs)}`,
          `${fmtRatio(pairRatios(r['per-test read'].zeroMs, r['per-test read'].touchedMs))} faster`,
        ],
      ],
    ),
    '',
    'Median (min–max).',
  ].join('\n')
}

if (process.argv[2] === '--report-child') {
  reportChild(process.argv[3], process.argv[4], process.argv[5])
} else if (process.argv[2] === '--make-run') {
  makeRun(process.argv[3], process.argv[4], Number(process.argv[5]))
} else if (process.argv[2] === '--child') {
  child(process.argv[3], Number(process.argv[4]), Number(process.argv[5]))
} else if (require.main === module && process.argv.includes('--reports-only')) {
  runReports({ quick: process.argv.includes('--quick') }).then((r) => console.log(reportsTable(r)))
} else if (require.main === module) {
  run({ quick: process.argv.includes('--quick') }).then((r) => console.log(report(r)))
}

module.exports = { run, report, runReports, reportsTable, N_FILES }
