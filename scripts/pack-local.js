#!/usr/bin/env node
'use strict'
// npm run pack:local: installable tarballs of the main package and of this
// machine's platform package, in dist/npm/. The platform package takes the
// newer of this platform's cross build (npm run build:all: the oldest glibc
// it can) and the local build (npm run build).
//   npm install dist/npm/cov-als-native-0.1.0.tgz dist/npm/cov-als-native-linux-x64-gnu-0.1.0.tgz

const fs = require('node:fs')
const path = require('node:path')
const { execFileSync } = require('node:child_process')
const { platformTriple } = require('../lib/platform.js')

const ROOT = path.join(__dirname, '..')
const DIST = path.join(ROOT, 'dist', 'npm')

function npmPack(dir) {
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', DIST], { cwd: dir, encoding: 'utf8', shell: process.platform === 'win32' })
  return path.join(DIST, JSON.parse(out)[0].filename)
}

// The most recently built of the candidates (null when none exists): a cross
// build left from an earlier build:all must not be packed over a newer
// `npm run build` of the work tree (a field trial tested a 1.5 h old binary so).
function newestBinary(candidates) {
  let newest = null
  for (const file of candidates) {
    if (!fs.existsSync(file)) continue
    const mtime = fs.statSync(file).mtimeMs
    if (!newest || mtime > newest.mtime) newest = { file, mtime }
  }
  return newest ? newest.file : null
}

function main() {
  const platform = platformTriple()
  const binary = `cov-als-native.${platform}.node`
  const packageDir = path.join(ROOT, 'npm', platform)
  if (!fs.existsSync(path.join(packageDir, 'package.json'))) throw new Error(`pack:local: no platform package npm/${platform} for this machine`)
  const source = newestBinary([path.join(ROOT, '.xbuild', 'dist', binary), path.join(ROOT, binary)])
  if (!source) throw new Error(`pack:local: no ${binary}: run npm run build (or npm run build:all) first`)
  fs.mkdirSync(DIST, { recursive: true })
  // A staging copy, so that npm/<platform> keeps only what git tracks.
  const stage = fs.mkdtempSync(path.join(DIST, `.stage-${platform}-`))
  try {
    for (const file of ['package.json', 'README.md']) fs.copyFileSync(path.join(packageDir, file), path.join(stage, file))
    fs.copyFileSync(source, path.join(stage, binary))
    const platformTarball = npmPack(stage)
    const mainTarball = npmPack(ROOT)
    console.log(`binary: ${path.relative(ROOT, source)}`)
    console.log(path.relative(ROOT, mainTarball))
    console.log(path.relative(ROOT, platformTarball))
  } finally {
    fs.rmSync(stage, { recursive: true, force: true })
  }
}

if (require.main === module) {
  try {
    main()
  } catch (err) {
    console.error(err.message)
    process.exit(1)
  }
}

module.exports = { newestBinary }
