'use strict'
// What npm users get (issue 24): the main package's manifest and file list,
// the per-platform packages it depends on, and an install of the tarballs
// `npm run pack:local` writes into an empty project with no cargo on PATH.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawnSync } = require('node:child_process')

const ROOT = path.join(__dirname, '..')
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'))
const PLATFORMS = {
  'linux-x64-gnu': { os: 'linux', cpu: 'x64', libc: 'glibc', target: 'x86_64-unknown-linux-gnu' },
  'linux-arm64-gnu': { os: 'linux', cpu: 'arm64', libc: 'glibc', target: 'aarch64-unknown-linux-gnu' },
  'linux-x64-musl': { os: 'linux', cpu: 'x64', libc: 'musl', target: 'x86_64-unknown-linux-musl' },
  'linux-arm64-musl': { os: 'linux', cpu: 'arm64', libc: 'musl', target: 'aarch64-unknown-linux-musl' },
  'darwin-x64': { os: 'darwin', cpu: 'x64', target: 'x86_64-apple-darwin' },
  'darwin-arm64': { os: 'darwin', cpu: 'arm64', target: 'aarch64-apple-darwin' },
  'win32-x64-msvc': { os: 'win32', cpu: 'x64', target: 'x86_64-pc-windows-msvc' },
}

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', timeout: 120_000, ...options })
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`)
  return r.stdout
}

test('every platform package: os/cpu/libc, its binary as main, an exact optional dependency of the main package', () => {
  assert.deepEqual(fs.readdirSync(path.join(ROOT, 'npm')).sort(), Object.keys(PLATFORMS).sort())
  assert.deepEqual(
    pkg.napi.targets.sort(),
    Object.values(PLATFORMS)
      .map((p) => p.target)
      .sort(),
  )
  for (const [platform, want] of Object.entries(PLATFORMS)) {
    const sub = JSON.parse(fs.readFileSync(path.join(ROOT, 'npm', platform, 'package.json'), 'utf8'))
    const binary = `cov-als-native.${platform}.node`
    assert.equal(sub.name, `cov-als-native-${platform}`)
    assert.deepEqual([sub.os, sub.cpu, sub.libc], [[want.os], [want.cpu], want.libc && [want.libc]], platform)
    assert.equal(sub.main, binary)
    assert.deepEqual(sub.files, [binary])
    assert.equal(sub.version, pkg.version)
    assert.equal(pkg.optionalDependencies[sub.name], pkg.version, `${sub.name} at exactly ${pkg.version}`)
  }
  run(process.execPath, ['scripts/set-version.js', '--check'])
})

test('users bring Playwright, Vite and Next: optional peer dependencies', () => {
  for (const name of ['@playwright/test', 'vite', 'next']) {
    assert.ok(pkg.peerDependencies[name], name)
    assert.equal(pkg.peerDependenciesMeta[name].optional, true, name)
  }
})

test('npm pack lists every export and the sources to build from, nothing built or test-only', () => {
  const [{ files }] = JSON.parse(run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts']))
  const packed = new Set(files.map((f) => f.path))
  const exported = Object.values(pkg.exports).flatMap((e) => (typeof e === 'string' ? [e] : Object.values(e)))
  for (const file of [
    ...exported,
    pkg.main,
    pkg.types,
    pkg.bin['cov-als'],
    'scripts/install.js',
    'Cargo.toml',
    'Cargo.lock',
    'src/lib.rs',
    'crates/cov_core/src/lib.rs',
    'CHANGELOG.md',
  ]) {
    assert.ok(packed.has(path.normalize(file)), `${file} is packed`)
  }
  // Every file the packed modules require by relative path is packed too.
  for (const file of packed) {
    if (!file.endsWith('.js') && !file.endsWith('.mjs')) continue
    const text = fs.readFileSync(path.join(ROOT, file), 'utf8')
    for (const [, rel] of text.matchAll(/require\(['"](\.{1,2}\/[^'"]+)['"]\)/g)) {
      const target = path.join(path.dirname(file), rel)
      const found = [target, `${target}.js`, path.join(target, 'index.js')].some((c) => packed.has(c))
      assert.ok(found, `${file} requires ${rel}, which is not packed`)
    }
  }
  const unwanted = [...packed].filter((f) => /\.node$|^(__test__|examples|bench|target|npm|node_modules|\.xbuild|dist)\/|^native\.d\.ts$/.test(f))
  assert.deepEqual(unwanted, [])
})

process.report.excludeNetwork = true // getReport() without it can hang where sockets are unusable
const PLATFORM = process.platform === 'linux' ? `linux-${process.arch}-${process.report.getReport().header.glibcVersionRuntime ? 'gnu' : 'musl'}` : null
const LOCAL_BINARY =
  PLATFORM && [path.join(ROOT, '.xbuild/dist'), ROOT].map((d) => path.join(d, `cov-als-native.${PLATFORM}.node`)).find((f) => fs.existsSync(f))

test(
  'pack:local tarballs install into an empty project without cargo, and the prebuilt binary counts per test',
  { skip: !LOCAL_BINARY && 'no binary for this platform built here (npm run build)', timeout: 180_000 },
  (t) => {
    const lines = run('npm', ['run', '--silent', 'pack:local']).trim().split('\n')
    const tarballs = lines.filter((l) => l.endsWith('.tgz')).map((l) => path.join(ROOT, l))
    assert.equal(tarballs.length, 2, lines.join('\n'))
    const app = fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-install-'))
    try {
      // PATH holds node, npm and sh only: no cargo, no rustc.
      const bin = path.join(app, '.bin-no-cargo')
      fs.mkdirSync(bin)
      for (const [name, target] of [
        ['node', process.execPath],
        ['npm', run('sh', ['-c', 'command -v npm']).trim()],
        ['sh', '/bin/sh'],
      ]) {
        fs.symlinkSync(fs.realpathSync(target), path.join(bin, name))
      }
      const env = { ...process.env, PATH: bin, npm_config_yes: 'true' }
      delete env.COV_ALS_NATIVE_BINARY
      fs.writeFileSync(path.join(app, 'package.json'), '{ "name": "empty-app", "version": "1.0.0", "private": true }\n')
      const started = process.hrtime.bigint()
      run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...tarballs], { cwd: app, env })
      t.diagnostic(`npm install of the two tarballs: ${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(1)} s`)
      assert.equal(spawnSync('cargo', ['--version'], { env, cwd: app }).error?.code, 'ENOENT', 'cargo is not on PATH')
      const script = `
        const cov = require('cov-als-native')
        const { code } = cov.instrument('module.exports = (n) => n > 1 ? "many" : "one"', '/app/pick.js', { sourceType: 'commonjs' })
        const m = { exports: {} }; new Function('module', 'exports', code)(m, m.exports)
        cov.run('t1', () => m.exports(1)); cov.run('t2', () => [m.exports(2), m.exports(3)])
        const binary = Object.keys(require.cache).filter((k) => k.endsWith('.node'))
        console.log(JSON.stringify({ binary, t1: cov.flush('t1')['/app/pick.js'].f, t2: cov.flush('t2')['/app/pick.js'].f }))`
      const out = JSON.parse(run(process.execPath, ['-e', script], { cwd: app, env }))
      assert.deepEqual(out.binary, [path.join(fs.realpathSync(app), 'node_modules', `cov-als-native-${PLATFORM}`, `cov-als-native.${PLATFORM}.node`)])
      assert.deepEqual([out.t1['0'], out.t2['0']], [1, 2])
      // The install script: silent when the prebuilt binary loads; without one and without cargo, one line saying what to do.
      const installed = path.join(app, 'node_modules', 'cov-als-native')
      const installScript = path.join(installed, 'scripts', 'install.js')
      const quiet = spawnSync(process.execPath, [installScript], { cwd: installed, env, encoding: 'utf8' })
      assert.deepEqual([quiet.status, quiet.stdout, quiet.stderr], [0, '', ''])
      const platformDir = path.join(app, 'node_modules', `cov-als-native-${PLATFORM}`)
      fs.renameSync(platformDir, `${platformDir}.hidden`)
      const none = spawnSync(process.execPath, [installScript], { cwd: installed, env, encoding: 'utf8' })
      fs.renameSync(`${platformDir}.hidden`, platformDir)
      assert.equal(none.status, 1)
      assert.equal(none.stderr.trim().split('\n').length, 1, none.stderr)
      assert.match(
        none.stderr,
        new RegExp(`no prebuilt binary loads here \\(no native binary for ${PLATFORM}\\) and it cannot be built from source: install Rust`),
      )
      // The fallback builds from the packed sources: they are a complete cargo workspace.
      const metadata = spawnSync('cargo', ['metadata', '--locked', '--offline', '--format-version', '1'], { cwd: installed, encoding: 'utf8' })
      if (!metadata.error) {
        assert.equal(metadata.status, 0, metadata.stderr)
        const members = JSON.parse(metadata.stdout).workspace_members.map((id) => id.split('#')[1] || id)
        assert.equal(members.length, 2, members.join(', '))
      }
    } finally {
      fs.rmSync(app, { recursive: true, force: true })
    }
  },
)

// A field trial installed pack:local's tarballs and tested a cross build of
// 16:17 although `npm run build` had written the work tree's binary at 17:46:
// the cross build was always preferred.
test('pack:local packs the newer of the cross build and the local build', () => {
  const { newestBinary } = require('../scripts/pack-local.js')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-pack-local-'))
  try {
    const cross = path.join(dir, 'cross.node')
    const local = path.join(dir, 'local.node')
    fs.writeFileSync(cross, 'cross')
    fs.writeFileSync(local, 'local')
    const hourAgo = new Date(Date.now() - 3600_000)
    fs.utimesSync(cross, hourAgo, hourAgo)
    assert.equal(newestBinary([cross, local]), local)
    fs.utimesSync(local, new Date(Date.now() - 7200_000), new Date(Date.now() - 7200_000))
    assert.equal(newestBinary([cross, local]), cross)
    fs.rmSync(cross)
    assert.equal(newestBinary([cross, local]), local)
    assert.equal(newestBinary([cross]), null)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
