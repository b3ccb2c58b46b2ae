'use strict'
// Section 2: server overhead of an SSR workload (React renderToString in a
// plain http handler) on 127.0.0.1, loaded by autocannon from this process:
//   (a) plain            no coverage
//   (b) istanbul         istanbul-lib-instrument require hook, global __coverage__
//   (c) v8               NODE_V8_COVERAGE=<tmpdir>
//   (d) cov-als          --require register.js, COV_ALS=1, 16 test ids (x-cov-test-id)
// Two scenarios: "app" (the app's own files instrumented) and "app+react"
// (also react and react-dom's server bundle). Variants alternate within each
// round, in a rotating order; CPU per request comes from the server's own
// process.cpuUsage() over the measured window divided by the requests it served.

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const http = require('node:http')
const { spawn } = require('node:child_process')
const autocannon = require('autocannon')
const { ROOT } = require('./lib/files')
const { nodeBin } = require('./lib/node-lines')
const { median, pairRatios, fmtRatio, fmtSpread, mdTable } = require('./lib/stats')

const SERVER = path.join(__dirname, 'server/server.js')
const APP_DIR = path.join(__dirname, 'server/app')
const REACT_FILES = [
  path.join(ROOT, 'node_modules/react/cjs/react.production.js'),
  path.join(ROOT, 'node_modules/react-dom/cjs/react-dom-server-legacy.node.production.js'),
]
const TEST_IDS = Array.from({ length: 16 }, (_, i) => `bench test ${i + 1} › renders page ${i % 4}`)
const CATS = ['shoes', 'shirts', 'hats', 'bags']

function requests() {
  // One request per test id, each a different page; autocannon cycles the list on every connection.
  return TEST_IDS.map((id, i) => ({
    method: 'GET',
    path: `/c/${CATS[i % 4]}?page=${1 + (i % 3)}&sort=${['id', 'price', 'rating'][i % 3]}${i % 2 ? '&user=ann&member=1' : ''}${i % 5 === 0 ? '&cur=EUR&compact=1' : ''}`,
    headers: { 'x-cov-test-id': encodeURIComponent(id) },
  }))
}

function variantEnv(variant, scenario, tmp) {
  const env = { ...process.env, NODE_ENV: 'production' }
  delete env.NODE_OPTIONS
  delete env.NODE_V8_COVERAGE
  for (const k of Object.keys(env)) if (k.startsWith('COV_ALS')) delete env[k]
  const args = []
  if (variant === 'istanbul') {
    env.BENCH_ISTANBUL_FILES = [APP_DIR, ...(scenario === 'app+react' ? REACT_FILES : [])].join(',')
    args.push('--require', path.join(__dirname, 'server/istanbul-register.js'))
  } else if (variant === 'v8') {
    env.NODE_V8_COVERAGE = fs.mkdtempSync(path.join(tmp, 'v8-'))
  } else if (variant.startsWith('covals')) {
    // covals-cheapbind: diagnostic, see bench/profile/cheap-bind-preload.js
    if (variant === 'covals-cheapbind') args.push('--require', path.join(__dirname, 'profile/cheap-bind-preload.js'))
    // covals-base: the preload of another checkout (COV_ALS_BENCH_BASELINE, built), on the same files
    const lib = variant === 'covals-base' ? baseline() : ROOT
    env.COV_ALS = '1'
    env.COV_ALS_ROOT = ROOT
    env.COV_ALS_OUT_DIR = fs.mkdtempSync(path.join(tmp, 'covals-'))
    env.COV_ALS_INCLUDE = ['bench/server/app/**', ...(scenario === 'app+react' ? REACT_FILES.map((f) => path.relative(ROOT, f)) : [])].join(',')
    env.COV_ALS_EXCLUDE = '**/.git/**'
    env.COV_ALS_SOURCE_MAPS = '0'
    // covals-memory: counter tables in process memory, not in a live arena (docs/crash-safety.md)
    if (variant === 'covals-memory') env.COV_ALS_LIVE = '0'
    // covals-scope-only: the preload and its request scoping, no file instrumented (diagnostic)
    if (variant === 'covals-scope-only') env.COV_ALS_INCLUDE = 'bench/server/no-such-dir/**'
    args.push('--require', path.join(lib, 'register.js'))
  }
  return { env, args }
}

// A checkout to compare against side by side: variant (d0).
function baseline() {
  const dir = process.env.COV_ALS_BENCH_BASELINE
  if (!dir || !fs.existsSync(path.join(dir, 'register.js'))) throw new Error('variant covals-base needs COV_ALS_BENCH_BASELINE=<a built checkout>')
  return path.resolve(dir)
}

function startServer(variant, scenario, tmp, nodeBin = process.execPath) {
  const { env, args } = variantEnv(variant, scenario, tmp)
  return new Promise((resolve, reject) => {
    const child = spawn(nodeBin, [...args, SERVER], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`server ${variant} did not start: ${err}`))
    }, 60_000)
    child.stderr.on('data', (d) => (err += d))
    child.stdout.on('data', (d) => {
      out += d
      const line = out.split('\n').find((l) => l.startsWith('{'))
      if (line) {
        clearTimeout(timer)
        resolve({ child, port: JSON.parse(line).port, stderr: () => err })
      }
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`server ${variant} exited ${code}: ${err}`))
    })
  })
}

function stopServer(s) {
  return new Promise((resolve) => {
    if (s.child.exitCode !== null) return resolve()
    const t = setTimeout(() => s.child.kill('SIGKILL'), 20_000)
    s.child.once('exit', () => {
      clearTimeout(t)
      resolve()
    })
    s.child.kill('SIGTERM')
  })
}

function getJson(port, p, method = 'GET', body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, method, headers: body ? { 'content-type': 'application/json' } : {} }, (res) => {
      let data = ''
      res.on('data', (d) => (data += d))
      res.on('end', () => {
        try {
          resolve(JSON.parse(data))
        } catch {
          reject(new Error(`bad JSON from ${p}: ${data.slice(0, 200)}`))
        }
      })
    })
    req.on('error', reject)
    req.setTimeout(30_000, () => req.destroy(new Error('timeout')))
    req.end(body)
  })
}

function load(port, seconds, connections) {
  return new Promise((resolve, reject) => {
    autocannon({ url: `http://127.0.0.1:${port}`, connections, duration: seconds, requests: requests(), timeout: 10 }, (err, r) =>
      err ? reject(err) : resolve(r),
    )
  })
}

async function measure(variant, scenario, tmp, { seconds, warm, connections, nodeBin }) {
  const s = await startServer(variant, scenario, tmp, nodeBin)
  try {
    await load(s.port, warm, connections)
    const a = await getJson(s.port, '/__bench/stats')
    const r = await load(s.port, seconds, connections)
    const b = await getJson(s.port, '/__bench/stats')
    const served = b.served - a.served
    const cpuUs = b.cpu.user - a.cpu.user + (b.cpu.system - a.cpu.system)
    const out = {
      variant,
      rps: r.requests.average,
      total: r.requests.total,
      p50: r.latency.p50,
      p99: r.latency.p99,
      errors: r.errors + r.non2xx,
      cpuUsPerReq: cpuUs / served,
      served,
      rss: b.rss,
      istanbulFiles: b.istanbulFiles,
    }
    if (variant.startsWith('covals')) {
      const tests = await getJson(s.port, '/__cov/tests')
      const peek = await getJson(s.port, '/__cov/peek', 'POST', JSON.stringify({ testId: TEST_IDS[1] }))
      const files = Object.keys(peek.coverage)
      const hits = files.reduce((n, f) => n + Object.values(peek.coverage[f].s).reduce((x, y) => x + y, 0), 0)
      out.sanity = { pendingTests: tests.tests.length, files: files.length, statementHitsOfOneTest: hits }
    }
    return out
  } finally {
    await stopServer(s)
  }
}

const VARIANTS = ['plain', 'istanbul', 'v8', 'covals']
const LABELS = {
  plain: '(a) uninstrumented',
  istanbul: '(b) istanbul global',
  v8: '(c) NODE_V8_COVERAGE',
  covals: '(d) cov-als-native, 16 ids',
  'covals-base': '(d0) (d) of the checkout in COV_ALS_BENCH_BASELINE (a before/after pair)',
  'covals-memory': "(d'') (d) with COV_ALS_LIVE=0: tables in process memory (before crash-safe arenas)",
  'covals-scope-only': '(d_s) the preload and its request scoping, nothing instrumented (diagnostic)',
  'covals-cheapbind': "(d') (d) + AsyncResource.bind without util.deprecate (diagnostic for lib/http.js before 00fdfcc, which dropped AsyncResource.bind)",
}

async function run({ quick = false, log = console.error, variants = VARIANTS, scenarios = ['app', 'app+react'], nodeBin, rounds, seconds } = {}) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-bench-'))
  const opts = quick ? { seconds: 3, warm: 1, connections: 16, rounds: 2 } : { seconds: 5, warm: 2, connections: 16, rounds: 3 }
  if (rounds) opts.rounds = rounds
  if (seconds) opts.seconds = seconds
  opts.nodeBin = nodeBin || process.execPath
  const result = {
    opts,
    variants,
    scenarios: {},
    node: nodeBin ? require('node:child_process').execFileSync(nodeBin, ['--version']).toString().trim() : process.version,
  }
  try {
    for (const scenario of scenarios) {
      const runs = Object.fromEntries(variants.map((v) => [v, []]))
      for (let r = 0; r < opts.rounds; r++) {
        const order = variants.map((_, i) => variants[(i + r) % variants.length])
        for (const v of order) {
          const m = await measure(v, scenario, tmp, opts)
          log(
            `  server ${result.node} ${scenario} round ${r + 1}/${opts.rounds} ${v}: ${m.rps.toFixed(0)} req/s, p50 ${m.p50} ms, p99 ${m.p99} ms, ${m.cpuUsPerReq.toFixed(0)} µs CPU/req${m.errors ? `, ${m.errors} errors` : ''}`,
          )
          runs[v].push(m)
        }
      }
      result.scenarios[scenario] = runs
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true })
  }
  return result
}

function report(r) {
  const out = []
  out.push(
    `${r.node}; autocannon: ${r.opts.connections} connections, ${r.opts.warm} s warm-up then ${r.opts.seconds} s measured, ${r.opts.rounds} rounds; variants alternate within each round (rotating order), a fresh server per measurement. Every request carries one of 16 \`x-cov-test-id\` values (all variants).`,
  )
  for (const [scenario, runs] of Object.entries(r.scenarios)) {
    const has = (v) => runs[v] && runs[v].length
    const base = runs.plain
    out.push(
      '',
      `**Scenario "${scenario}"** — instrumented in (b) and (d): ${scenario === 'app' ? "the app's own 3 files (bench/server/app)" : "the app's files + react.production.js + react-dom-server-legacy.node.production.js"}`,
      '',
    )
    const rows = r.variants.filter(has).map((v) => {
      const m = runs[v]
      const ratio = (k) =>
        base
          ? fmtRatio(
              pairRatios(
                m.map((x) => x[k]),
                base.map((x) => x[k]),
              ),
            )
          : '—'
      const vsB =
        has('istanbul') && v !== 'istanbul'
          ? fmtRatio(
              pairRatios(
                m.map((x) => x.cpuUsPerReq),
                runs.istanbul.map((x) => x.cpuUsPerReq),
              ),
            )
          : v === 'istanbul'
            ? '1'
            : '—'
      return [
        LABELS[v],
        fmtSpread(m.map((x) => x.rps)),
        v === 'plain' ? '1' : ratio('rps'),
        v === 'plain' ? '1' : ratio('p50'),
        v === 'plain' ? '1' : ratio('p99'),
        fmtSpread(m.map((x) => x.cpuUsPerReq)),
        v === 'plain' ? '1' : ratio('cpuUsPerReq'),
        vsB,
      ]
    })
    out.push(
      mdTable(['variant', 'req/s (median, min–max)', 'req/s vs (a)', 'p50 vs (a)', 'p99 vs (a)', 'CPU µs/req', 'CPU/req vs (a)', 'CPU/req vs (b)'], rows),
    )
    out.push('')
    // Goals (issue 26, Node 24 and 26): app+react (d)/(b) ≤0.95x (moonshot ≤0.85x), app (d)/(a) ≤1.05x.
    for (const v of ['covals', 'covals-base'].filter(has)) {
      const cpu = (w) => runs[w].map((x) => x.cpuUsPerReq)
      const tag = v === 'covals' ? '(d)' : '(d0)'
      const parts = []
      if (has('istanbul')) {
        const db = pairRatios(cpu(v), cpu('istanbul'))
        parts.push(`${tag}/(b) ${fmtRatio(db)}${scenario === 'app+react' ? ` (goal ≤0.95x: ${median(db) <= 0.95 ? 'met' : '**missed**'})` : ''}`)
      }
      if (base) {
        const da = pairRatios(cpu(v), cpu('plain'))
        parts.push(`${tag}/(a) ${fmtRatio(da)}${scenario === 'app' ? ` (goal ≤1.05x: ${median(da) <= 1.05 ? 'met' : '**missed**'})` : ''}`)
      }
      if (has('v8')) parts.push(`${tag}/(c) ${fmtRatio(pairRatios(cpu(v), cpu('v8')))}`)
      out.push(`- CPU per request: ${parts.join('; ')}`)
    }
    const s = has('covals') && runs.covals[runs.covals.length - 1].sanity
    if (s)
      out.push(
        `- sanity (d): ${s.pendingTests} test ids pending (16 + startup), one test's peek covers ${s.files} files with ${s.statementHitsOfOneTest} statement hits${has('istanbul') ? `; (b) __coverage__ has ${runs.istanbul[0].istanbulFiles} files` : ''}`,
      )
    const errs = r.variants
      .filter(has)
      .flatMap((v) => runs[v].map((x) => x.errors))
      .reduce((a, b) => a + b, 0)
    if (errs) out.push(`- errors/non-2xx responses across all runs: ${errs}`)
  }
  return out.join('\n')
}

if (require.main === module) {
  // node bench/server-bench.js [--quick] [--node=<bin, or a major such as 26>] [--variants=a,b] [--scenarios=app,app+react] [--rounds=N] [--seconds=N]
  const arg = (k) => (process.argv.find((a) => a.startsWith(`--${k}=`)) || '').split('=')[1]
  run({
    quick: process.argv.includes('--quick'),
    nodeBin: nodeBin(arg('node')),
    variants: arg('variants') ? arg('variants').split(',') : VARIANTS,
    scenarios: arg('scenarios') ? arg('scenarios').split(',') : undefined,
    rounds: arg('rounds') ? Number(arg('rounds')) : undefined,
    seconds: arg('seconds') ? Number(arg('seconds')) : undefined,
  }).then((r) => console.log(report(r)))
}

module.exports = { run, report, variantEnv, requests }
