'use strict'
// Section 6: client build time of examples/next-rsc (`next build --webpack`)
// with client coverage through
//   (a) cov-als-native/loader (COV_ALS_CLIENT=1),
//   (b) babel-plugin-istanbul through babel-loader, the same files at the
//       same place in the pipeline (before Next's transform; Babel parses
//       TS/JSX and prints it back, so Next still gets TSX),
//   (c) no instrumentation,
// alternating rounds on a copy of the app (bench/results/client-app).
// Each build is checked: (a) and (b) emit __coverage__ for app/**, (c) none.
// The whole build is mostly other work (server compilation, type check, page
// generation), so the loader step alone is also timed: (a) against (b) on
// every file the loaders see (app/**, lib/**), in one process, alternating.
//   node bench/client-build.js [--quick] [--step-only]   or   npm run bench -- --only=client-build

const fs = require('node:fs')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const { ROOT } = require('./lib/files')
const { median, pairRatios, fmt, fmtRatio, mdTable } = require('./lib/stats')

const SRC_APP = path.join(ROOT, 'examples/next-rsc')
const APP = path.join(__dirname, 'results/client-app')
const NEXT_BIN = path.join(ROOT, 'node_modules/next/dist/bin/next')
const VARIANTS = ['none', 'ours', 'babel']

// next.config.js of the copy: the example's settings, one client rule.
function nextConfig(variant) {
  const rule = {
    none: 'null',
    ours: `{ loader: ${JSON.stringify(path.join(ROOT, 'loader.js'))} }`,
    babel: `{ loader: require.resolve('babel-loader'), options: { babelrc: false, configFile: false, sourceMaps: true,
        parserOpts: { plugins: ['jsx', 'typescript'] },
        plugins: [[require.resolve('babel-plugin-istanbul'), { cwd: __dirname, include: ['app/**', 'lib/**'], exclude: [] }]] } }`,
  }[variant]
  return `'use strict'
const use = ${rule}
module.exports = {
  poweredByHeader: false,
  experimental: { serverSourceMaps: true, serverMinification: false },
  webpack(config, { isServer }) {
    if (use && !isServer) config.module.rules.push({ test: /\\.[cm]?[jt]sx?$/, exclude: /node_modules/, enforce: 'pre', use: [use] })
    return config
  },
}
`
}

function prepare() {
  fs.rmSync(APP, { recursive: true, force: true })
  fs.mkdirSync(APP, { recursive: true })
  for (const f of ['app', 'lib', 'tsconfig.json', 'cov-als.config.json']) fs.cpSync(path.join(SRC_APP, f), path.join(APP, f), { recursive: true })
}

function instrumentedChunks(dir) {
  let n = 0
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name)
      if (e.isDirectory()) walk(p)
      else if (e.name.endsWith('.js') && fs.readFileSync(p, 'utf8').includes('__coverage__')) n++
    }
  }
  walk(dir)
  return n
}

function build(variant) {
  fs.writeFileSync(path.join(APP, 'next.config.js'), nextConfig(variant))
  fs.rmSync(path.join(APP, '.next'), { recursive: true, force: true })
  const env = { ...process.env, NODE_OPTIONS: '', NEXT_TELEMETRY_DISABLED: '1', COV_ALS_CLIENT: variant === 'ours' ? '1' : '0' }
  const t0 = process.hrtime.bigint()
  const r = spawnSync(process.execPath, [NEXT_BIN, 'build', '--webpack'], { cwd: APP, env, encoding: 'utf8', timeout: 900_000 })
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  if (r.status !== 0) throw new Error(`next build (${variant}) failed:\n${r.stdout}\n${r.stderr}`)
  const chunks = instrumentedChunks(path.join(APP, '.next/static'))
  if ((variant === 'none') !== (chunks === 0)) throw new Error(`${variant}: ${chunks} client chunks hold __coverage__`)
  if (instrumentedChunks(path.join(APP, '.next/server')) > 0) throw new Error(`${variant}: a server chunk holds __coverage__`)
  return { ms, chunks }
}

// The loader step alone: our browser form vs Babel + babel-plugin-istanbul
// with the options of the babel variant, on the same sources.
function loaderStep(rounds) {
  const cov = require('..')
  const babel = require('@babel/core')
  const files = []
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name)
      if (e.isDirectory()) walk(p)
      else if (/\.[jt]sx?$/.test(e.name)) files.push({ file: p, code: fs.readFileSync(p, 'utf8') })
    }
  }
  for (const d of ['app', 'lib']) walk(path.join(SRC_APP, d))
  const tools = {
    ours: () => {
      for (const { file, code } of files) cov.instrument(code, file, { browser: true, sourceMap: true })
    },
    babel: () => {
      for (const { file, code } of files) {
        babel.transformSync(code, {
          filename: `${file}`,
          babelrc: false,
          configFile: false,
          sourceMaps: true,
          parserOpts: { plugins: ['jsx', 'typescript'] },
          plugins: [[require.resolve('babel-plugin-istanbul'), { cwd: SRC_APP, include: ['app/**', 'lib/**'], exclude: [] }]],
        })
      }
    },
  }
  for (let i = 0; i < 3; i++) {
    tools.ours()
    tools.babel()
  }
  const t = { ours: [], babel: [] }
  for (let r = 0; r < rounds; r++) {
    for (const k of r % 2 ? ['babel', 'ours'] : ['ours', 'babel']) {
      const t0 = process.hrtime.bigint()
      tools[k]()
      t[k].push(Number(process.hrtime.bigint() - t0) / 1e6)
    }
  }
  return { files: files.length, bytes: files.reduce((a, f) => a + f.code.length, 0), rounds, times: t }
}

async function run({ quick = false, log = console.error, stepOnly = process.argv.includes('--step-only') } = {}) {
  log('  client build: the loader step alone')
  const step = loaderStep(quick ? 10 : 40)
  if (stepOnly) return { step }
  const rounds = quick ? 1 : 3
  prepare()
  const times = { none: [], ours: [], babel: [] }
  const chunks = {}
  log(`  client build: warm-up build, then ${rounds} alternating rounds of ${VARIANTS.join('/')}`)
  build('none')
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 ? [...VARIANTS].reverse() : VARIANTS
    for (const v of order) {
      const b = build(v)
      times[v].push(b.ms)
      chunks[v] = b.chunks
      log(`  round ${r} ${v}: ${(b.ms / 1000).toFixed(1)} s`)
    }
  }
  fs.rmSync(APP, { recursive: true, force: true })
  return { step, rounds, times, chunks }
}

function stepReport({ files, bytes, rounds, times }) {
  return [
    `The loader step alone: ${files} files of app/** and lib/** (${(bytes / 1e3).toFixed(0)} KB), instrumented with a source map, ${rounds} alternating rounds in one process.`,
    '',
    mdTable(
      ['loader step', 'all files (ms, median)', 'babel-plugin-istanbul time / this (median, min–max)'],
      [
        ['cov-als-native browser form', fmt(median(times.ours)), fmtRatio(pairRatios(times.babel, times.ours))],
        ['Babel + babel-plugin-istanbul', fmt(median(times.babel)), '1'],
      ],
    ),
  ].join('\n')
}

function report(r) {
  if (!r.times) return stepReport(r.step)
  const s = (v) => fmt(median(r.times[v]) / 1000)
  const over = (v) => fmtRatio(pairRatios(r.times[v], r.times.none))
  const rows = [
    ['none', s('none'), '1', '—', r.chunks.none],
    ['cov-als-native/loader', s('ours'), over('ours'), fmtRatio(pairRatios(r.times.ours, r.times.babel)), r.chunks.ours],
    ['babel-loader + babel-plugin-istanbul', s('babel'), over('babel'), '1', r.chunks.babel],
  ]
  return [
    stepReport(r.step),
    '',
    `\`next build --webpack\` of examples/next-rsc (copy), ${r.rounds} alternating rounds after a warm-up build; wall time of the whole build.`,
    '',
    mdTable(['client instrumentation', 'build (s, median)', 'vs none (median, min–max)', 'vs babel-plugin-istanbul', 'client chunks with __coverage__'], rows),
  ].join('\n')
}

module.exports = { run, report }

if (require.main === module) {
  run({ quick: process.argv.includes('--quick') }).then((r) => console.log(report(r)))
}
