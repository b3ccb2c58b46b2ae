#!/usr/bin/env node
'use strict'
// `install` script: use a prebuilt binary when one loads (the per-platform
// optional dependency, or a local build), and only otherwise build the addon
// from source with cargo, saying so in one line. Silent when nothing is to do.

const { spawnSync } = require('node:child_process')
const { copyFileSync, existsSync } = require('node:fs')
const { join } = require('node:path')
const { platformTriple } = require('../lib/platform.js')

const root = join(__dirname, '..')

// Loading in a child process: index.js installs a process-wide runtime, and a
// binary that crashes on load must not take npm down with it.
function loadError() {
  const load = `try { require(${JSON.stringify(join(root, 'index.js'))}) } catch (e) { console.error(e.message); process.exit(1) }`
  const r = spawnSync(process.execPath, ['-e', load], {
    encoding: 'utf8',
    env: { ...process.env, COV_ALS_NATIVE_BINARY: '' },
  })
  if (r.status === 0) return null
  return (r.stderr || r.error?.message || `exit ${r.status}`).trim()
}

// The file name index.js looks for next to itself.
const localBinaryName = () => `cov-als-native.${platformTriple()}.node`

function cdylibName() {
  if (process.platform === 'win32') return 'cov_als_native.dll'
  return process.platform === 'darwin' ? 'libcov_als_native.dylib' : 'libcov_als_native.so'
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' })
  if (r.status !== 0) process.exit(r.status ?? 1)
}

function main() {
  if (process.env.COV_ALS_NATIVE_SKIP_INSTALL === '1') return
  // The project's own checkout: its binary is built from its sources, as before any prebuilt one.
  if (existsSync(join(root, '.git')) && existsSync(join(root, 'node_modules', '@napi-rs', 'cli'))) return run('npm', ['run', 'build'])
  const error = loadError()
  if (error === null) return
  // index.js's first sentence ("no native binary for linux-x64-gnu"); the rest is advice given below.
  const reason = error
    .split('\n')[0]
    .split('. ')[0]
    .replace(/^cov-als-native: /, '')
  const hasCargo = spawnSync('cargo', ['--version'], { stdio: 'ignore', shell: process.platform === 'win32' }).status === 0
  if (!hasCargo || !existsSync(join(root, 'Cargo.toml'))) {
    console.error(
      `cov-als-native: no prebuilt binary loads here (${reason}) and it cannot be built from source: ` +
        'install Rust (cargo) and run `npm rebuild cov-als-native`, or name a binary in COV_ALS_NATIVE_BINARY.',
    )
    process.exit(1)
  }
  console.error(`cov-als-native: no prebuilt binary loads here (${reason}); building from source with cargo (a few minutes).`)
  // An installed package builds with cargo alone (no napi CLI there).
  run('cargo', ['build', '--release', '--locked', '--lib', '-p', 'cov_als_native'])
  copyFileSync(join(root, 'target', 'release', cdylibName()), join(root, localBinaryName()))
}

main()
