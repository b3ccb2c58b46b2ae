'use strict'
// cov-als-native/vite (docs/vite.md), two measurements, alternating rounds:
//   1. Dev server: `react-router dev` of examples/react-router, spawned fresh
//      each round, plain against covered (the preload through NODE_OPTIONS and
//      the plugin with both halves on): time until the port answers, and
//      until the first render of /products/shoes is complete (Vite transforms
//      and the module runner evaluates the modules on that first request).
//      Needs Node >= 22.22 (React Router 8): run this script with such a node.
//   2. `vite build` (Vite 8, Rolldown) of a synthetic client project of N
//      TypeScript modules: no instrumentation, cov-als-native/vite (client
//      half), vite-plugin-istanbul (babel-plugin-istanbul), each build in a
//      fresh process; instrumented builds are checked to hold __coverage__.
//   node bench/vite.js [--quick] [--only=dev|build] [--modules=N]

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const http = require('node:http')
const net = require('node:net')
const { spawn, spawnSync } = require('node:child_process')
const { ROOT } = require('./lib/files')
const { moduleSource } = require('./lib/synth')
const { median, pairRatios, fmt, fmtRatio, mdTable } = require('./lib/stats')

const args = process.argv.slice(2)
const quick = args.includes('--quick')
const only = (args.find((a) => a.startsWith('--only=')) || '').slice(7)
const MODULES = Number((args.find((a) => a.startsWith('--modules=')) || '').slice(10) || 150)
const ROUNDS = quick ? 2 : 5
const RR_APP = path.join(ROOT, 'examples/react-router')

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

function get(port, p) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: p }, (res) => {
      let body = ''
      res.on('data', (d) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode, body }))
    })
    req.on('error', () => resolve(null))
  })
}

async function devRound(covered) {
  const port = await freePort()
  const env = { ...process.env, NODE_OPTIONS: '', NODE_ENV: 'development' }
  for (const k of Object.keys(env)) if (k.startsWith('COV_ALS')) delete env[k]
  if (covered)
    Object.assign(env, {
      COV_ALS: '1',
      COV_ALS_CLIENT: '1',
      COV_ALS_OUT_DIR: path.join(os.tmpdir(), 'cov-als-bench-vite-dev'),
      NODE_OPTIONS: `--require ${path.join(ROOT, 'register.js')}`,
    })
  const cli = path.join(path.dirname(require.resolve('@react-router/dev/package.json')), 'bin.cjs')
  const t0 = process.hrtime.bigint()
  const child = spawn(process.execPath, [cli, 'dev', '--port', String(port), '--host', '127.0.0.1'], { cwd: RR_APP, env, stdio: 'ignore', detached: true })
  const ms = () => Number(process.hrtime.bigint() - t0) / 1e6
  try {
    let ready = null
    const deadline = Date.now() + 120_000
    while (Date.now() < deadline) {
      const sock = await new Promise((resolve) => {
        const s = net.connect(port, '127.0.0.1', () => resolve(s))
        s.on('error', () => resolve(null))
      })
      if (sock) {
        sock.destroy()
        ready = ms()
        break
      }
      await new Promise((r) => setTimeout(r, 25))
    }
    if (ready === null) throw new Error('react-router dev did not listen within 120 s')
    const res = await get(port, '/products/shoes')
    const first = ms()
    if (!res || res.status !== 200 || !res.body.includes('comfy')) throw new Error(`first render failed: ${res && res.status}`)
    return { ready, first }
  } finally {
    process.kill(-child.pid, 'SIGKILL')
  }
}

async function benchDev() {
  const [major, minor] = process.versions.node.split('.').map(Number)
  if (major < 22 || (major === 22 && minor < 22)) {
    console.log(`dev: skipped (React Router 8 needs Node >= 22.22; this is ${process.version})`)
    return null
  }
  const plain = { ready: [], first: [] }
  const covered = { ready: [], first: [] }
  await devRound(false) // warm-up: Vite's dependency optimisation cache
  for (let i = 0; i < ROUNDS; i++) {
    for (const [covers, into] of i % 2
      ? [
          [true, covered],
          [false, plain],
        ]
      : [
          [false, plain],
          [true, covered],
        ]) {
      const r = await devRound(covers)
      into.ready.push(r.ready)
      into.first.push(r.first)
    }
  }
  const row = (name, m, base) => [
    name,
    fmt(median(m.ready)),
    base ? fmtRatio(pairRatios(m.ready, base.ready)) : '1',
    fmt(median(m.first)),
    base ? fmtRatio(pairRatios(m.first, base.first)) : '1',
  ]
  return mdTable(
    ['react-router dev', 'listening (ms, median)', 'vs plain', 'first render done (ms, median)', 'vs plain'],
    [row('plain', plain), row('preload + cov-als-native/vite (both halves)', covered, plain)],
  )
}

function writeProject(dir) {
  fs.rmSync(dir, { recursive: true, force: true })
  fs.mkdirSync(path.join(dir, 'src'), { recursive: true })
  const names = []
  for (let i = 0; i < MODULES; i++) {
    const ts = moduleSource(i)
      .replace("'use strict'\n", '')
      .replace(/\(x, y\)/g, '(x: number, y: number)')
      .replace('function touch(x)', 'function touch(x: number): number')
      .replace('module.exports = { touch }', 'export { touch }')
    fs.writeFileSync(path.join(dir, 'src', `mod_${i}.ts`), ts)
    names.push(`mod_${i}`)
  }
  fs.writeFileSync(
    path.join(dir, 'src/main.ts'),
    names.map((n, i) => `import { touch as t${i} } from './${n}'`).join('\n') +
      `\nexport function all(x: number): number {\n  return ${names.map((_, i) => `t${i}(x)`).join(' + ')}\n}\n`,
  )
  fs.writeFileSync(path.join(dir, 'cov-als.config.json'), JSON.stringify({ include: ['src/**'] }))
}

// One `vite build` in a fresh process; prints {"ms": N, "coverage": bool}.
const BUILD_CHILD = `
const path = require('node:path')
const [variant, dir, root] = process.argv.slice(1)
;(async () => {
  const vite = await import('vite')
  const plugins = []
  if (variant === 'ours') plugins.push(require(path.join(root, 'vite.js'))({ cwd: dir, client: true, server: false }))
  if (variant === 'istanbul') plugins.push((await import('vite-plugin-istanbul')).default({ cwd: dir, include: 'src/**', extension: ['.ts'], requireEnv: false, forceBuildInstrument: true }))
  const t0 = process.hrtime.bigint()
  const out = await vite.build({ root: dir, configFile: false, logLevel: 'silent', plugins, build: { write: false, minify: false, sourcemap: true, lib: { entry: 'src/main.ts', formats: ['es'] } } })
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  const code = [out].flat().flatMap((o) => o.output).filter((c) => c.type === 'chunk').map((c) => c.code).join('')
  console.log(JSON.stringify({ ms, coverage: code.includes('__coverage__') }))
})()
`

function buildOnce(variant, dir) {
  const r = spawnSync(process.execPath, ['-e', BUILD_CHILD, variant, dir, ROOT], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } })
  if (r.status !== 0) throw new Error(`vite build (${variant}) failed: ${r.stderr}`)
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'))
  const out = JSON.parse(line)
  if (out.coverage !== (variant !== 'none')) throw new Error(`vite build (${variant}): __coverage__ ${out.coverage ? 'present' : 'missing'}`)
  return out.ms
}

function benchBuild() {
  const dir = path.join(__dirname, 'results/vite-app')
  writeProject(dir)
  const variants = ['none', 'ours', 'istanbul']
  const times = Object.fromEntries(variants.map((v) => [v, []]))
  for (const v of variants) buildOnce(v, dir) // warm-up
  for (let i = 0; i < ROUNDS; i++) for (const v of i % 2 ? [...variants].reverse() : variants) times[v].push(buildOnce(v, dir))
  const label = {
    none: 'none',
    ours: 'cov-als-native/vite',
    istanbul: `vite-plugin-istanbul ${JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules/vite-plugin-istanbul/package.json'), 'utf8')).version} (babel-plugin-istanbul)`,
  }
  const kb = Math.round(fs.readdirSync(path.join(dir, 'src')).reduce((n, f) => n + fs.statSync(path.join(dir, 'src', f)).size, 0) / 1024)
  fs.rmSync(dir, { recursive: true, force: true })
  const rows = variants.map((v) => [
    label[v],
    fmt(median(times[v])),
    v === 'none' ? '1' : fmtRatio(pairRatios(times[v], times.none)),
    v === 'istanbul' ? '1' : fmtRatio(pairRatios(times[v], times.istanbul)),
  ])
  return `${MODULES + 1} modules, ${kb} KB of TypeScript, Vite ${require('vite/package.json').version}:\n\n${mdTable(['client instrumentation', 'vite build (ms, median)', 'vs none', 'vs vite-plugin-istanbul'], rows)}`
}

async function main() {
  console.log(
    `bench/vite.js (${quick ? 'quick' : 'full'}, ${ROUNDS} rounds, Node ${process.version}, load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')})`,
  )
  if (!only || only === 'dev') {
    const t = await benchDev()
    if (t) console.log(`\n${t}`)
  }
  if (!only || only === 'build') console.log(`\n${benchBuild()}`)
  console.log(
    `\nload after: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  )
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
