#!/usr/bin/env node
'use strict'
// Stamps one version on every package this repository publishes:
//   npm run version:set -- 0.2.0     the main package, its optionalDependencies
//                                    (exact: a binary matches its JS), npm/*/
//                                    and the lock file's root entry
//   npm run version:set -- --check   exits 1 when any of them disagree

const fs = require('node:fs')
const path = require('node:path')

const ROOT = path.join(__dirname, '..')
const NPM_DIR = path.join(ROOT, 'npm')
const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/

const readJson = (file) => JSON.parse(fs.readFileSync(file, 'utf8'))
const writeJson = (file, value) => fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`)
const platformManifests = () =>
  fs
    .readdirSync(NPM_DIR)
    .map((dir) => path.join(NPM_DIR, dir, 'package.json'))
    .filter((file) => fs.existsSync(file))

// Every place a version is written, as [where, version found].
function versions() {
  const main = readJson(path.join(ROOT, 'package.json'))
  const found = [['package.json', main.version]]
  for (const [name, spec] of Object.entries(main.optionalDependencies || {})) found.push([`package.json optionalDependencies ${name}`, spec])
  for (const file of platformManifests()) found.push([path.relative(ROOT, file), readJson(file).version])
  const lock = readJson(path.join(ROOT, 'package-lock.json'))
  found.push(['package-lock.json', lock.version], ['package-lock.json packages[""]', lock.packages[''].version])
  return found
}

function check() {
  const found = versions()
  const expected = found[0][1]
  const wrong = found.filter(([, v]) => v !== expected)
  for (const [where, v] of wrong) console.error(`${where}: ${v} (package.json has ${expected})`)
  if (wrong.length) process.exit(1)
  console.log(`every package is at ${expected} (${found.length} places)`)
}

function stamp(version) {
  if (!SEMVER.test(version)) {
    console.error(`version:set: "${version}" is not a version like 1.2.3 or 1.2.3-beta.1`)
    process.exit(2)
  }
  const mainFile = path.join(ROOT, 'package.json')
  const main = readJson(mainFile)
  main.version = version
  for (const name of Object.keys(main.optionalDependencies || {})) main.optionalDependencies[name] = version
  writeJson(mainFile, main)
  for (const file of platformManifests()) writeJson(file, { ...readJson(file), version })
  const lockFile = path.join(ROOT, 'package-lock.json')
  const lock = readJson(lockFile)
  lock.version = version
  lock.packages[''].version = version
  if (lock.packages[''].optionalDependencies)
    lock.packages[''].optionalDependencies = Object.fromEntries(
      Object.keys(main.optionalDependencies)
        .sort()
        .map((name) => [name, version]),
    )
  writeJson(lockFile, lock)
  check()
}

const arg = process.argv[2]
if (!arg) {
  console.error('usage: npm run version:set -- <version> | --check')
  process.exit(2)
}
if (arg === '--check') check()
else stamp(arg)
