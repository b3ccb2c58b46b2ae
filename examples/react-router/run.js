#!/usr/bin/env node
'use strict'
// Builds the React Router example for production: `react-router build` with
// COV_ALS_CLIENT=1 (cov-als-native/vite instruments the client modules for
// window.__coverage__; the server bundle stays plain, the preload instruments
// it when react-router-serve loads it) and no preload.
//
// Usage: node examples/react-router/run.js [--build-dir D]   (default: build)
// Then:  npx playwright test -c examples/react-router/playwright.config.js

const { spawnSync } = require('node:child_process')
const path = require('node:path')

function build(buildDir = 'build') {
  const env = { ...process.env, NODE_OPTIONS: '', COV_ALS_CLIENT: '1', RR_BUILD_DIR: buildDir, NODE_ENV: 'production' }
  for (const k of Object.keys(env)) if (k.startsWith('COV_ALS') && k !== 'COV_ALS_CLIENT') delete env[k]
  const cli = path.join(path.dirname(require.resolve('@react-router/dev/package.json')), 'bin.cjs')
  const run = spawnSync(process.execPath, [cli, 'build'], { cwd: __dirname, env, encoding: 'utf8' })
  if (run.status !== 0) throw new Error(`react-router build failed (${run.error ? run.error.message : `exit ${run.status}`}):\n${run.stdout}\n${run.stderr}`)
  return path.join(__dirname, buildDir)
}

module.exports = { build }

if (require.main === module) {
  const i = process.argv.indexOf('--build-dir')
  try {
    console.log(`react-router: built ${path.relative(process.cwd(), build(i > 0 ? process.argv[i + 1] : undefined))}`)
  } catch (err) {
    console.error(`react-router: ${err.message}`)
    process.exitCode = 1
  }
}
