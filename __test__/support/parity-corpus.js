'use strict'
// The real files the parity suite compares with istanbul-lib-instrument, and
// that the token check instruments too.

const fs = require('node:fs')
const path = require('node:path')

const ROOT = path.join(__dirname, '..', '..')
const NM = path.join(ROOT, 'node_modules')
const FULL = process.env.COV_ALS_PARITY_FULL === '1'

function listJs(dir, { recursive = false, exts = ['.js'] } = {}) {
  if (!fs.existsSync(dir)) return []
  const out = []
  for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, ent.name)
    if (ent.isDirectory()) {
      if (recursive && ent.name !== 'node_modules') out.push(...listJs(p, { recursive, exts }))
    } else if (ent.isFile() && exts.some((e) => ent.name.endsWith(e))) {
      out.push(p)
    }
  }
  return out.sort()
}

// ESM or not, the way Node decides: extension, then the nearest package.json "type".
function isEsm(file) {
  if (file.endsWith('.mjs')) return true
  if (file.endsWith('.cjs')) return false
  for (let dir = path.dirname(file); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const pj = path.join(dir, 'package.json')
    if (fs.existsSync(pj)) {
      try {
        return JSON.parse(fs.readFileSync(pj, 'utf8')).type === 'module'
      } catch {
        return false
      }
    }
  }
  return false
}

function reactDomServerBundle() {
  const dir = path.join(NM, 'react-dom', 'cjs')
  const preferred = [
    'react-dom-server.node.production.js',
    'react-dom-server.node.production.min.js',
    'react-dom-server-legacy.node.production.js',
    'react-dom-server.browser.production.js',
  ]
  for (const name of preferred) if (fs.existsSync(path.join(dir, name))) return [path.join(dir, name)]
  return listJs(dir)
    .filter((f) => /server.*production/.test(path.basename(f)))
    .slice(0, 1)
}

function corpus() {
  const files = [
    ...listJs(path.join(NM, 'express', 'lib'), { recursive: true }),
    // Express 5 routes through the separate `router` package.
    path.join(NM, 'router', 'index.js'),
    ...listJs(path.join(NM, 'router', 'lib'), { recursive: true }),
    ...reactDomServerBundle(),
    path.join(NM, '@babel', 'parser', 'lib', 'index.js'),
    ...listJs(path.join(NM, 'istanbul-lib-instrument', 'src')),
    ...listJs(path.join(NM, 'js-yaml', 'lib'), { recursive: true }),
    path.join(NM, 'js-yaml', 'dist', 'js-yaml.js'),
    path.join(NM, 'js-yaml', 'dist', 'js-yaml.mjs'),
  ]
  if (FULL) files.push(path.join(NM, 'typescript', 'lib', 'typescript.js'))
  const entries = files.map((file) => ({ file, esm: isEsm(file) }))
  // None of the files above uses logical assignment (`a ||= b`); these do, so the
  // normalisation of documented difference #1 also runs on real code. Optional:
  // used only when installed. (next's dist/esm has no package.json "type", so
  // its module-ness is given here.)
  entries.push(
    { file: path.join(NM, 'next', 'dist', 'server', 'use-cache', 'use-cache-wrapper.js'), esm: false },
    { file: path.join(NM, 'next', 'dist', 'esm', 'server', 'lib', 'patch-fetch.js'), esm: true },
  )
  return entries.filter(({ file }) => fs.existsSync(file))
}

module.exports = { corpus, isEsm, listJs, FULL }
