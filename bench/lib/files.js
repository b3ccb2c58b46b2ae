'use strict'
// The real files the instrumentation benchmark uses, smallest first.
const fs = require('node:fs')
const path = require('node:path')

const ROOT = path.resolve(__dirname, '..', '..')

function walk(dir, out = []) {
  let entries
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true })
  } catch {
    return out
  }
  for (const e of entries) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) walk(p, out)
    else if (/\.(c|m)?js$/.test(e.name)) out.push(p)
  }
  return out
}

function largest(files) {
  let best = null
  for (const f of files) {
    const size = fs.statSync(f).size
    if (!best || size > best.size) best = { file: f, size }
  }
  return best && best.file
}

// A Next.js server chunk: the app's own build output if the example has been
// built, else Next's largest precompiled server runtime.
function nextChunk() {
  const built = largest(walk(path.join(ROOT, 'examples/next-rsc/.next/server')))
  if (built) return { file: built, origin: 'examples/next-rsc/.next/server (largest chunk)' }
  const dir = path.join(ROOT, 'node_modules/next/dist/compiled/next-server')
  const compiled = largest(walk(dir).filter((f) => path.dirname(f) === dir))
  if (compiled) return { file: compiled, origin: 'node_modules/next/dist/compiled/next-server (largest *.js; examples/next-rsc/.next was not built)' }
  return null
}

function benchFiles() {
  const list = [
    { label: 'express/lib/response.js', file: path.join(ROOT, 'node_modules/express/lib/response.js') },
    { label: '@babel/parser/lib/index.js', file: path.join(ROOT, 'node_modules/@babel/parser/lib/index.js') },
  ]
  const next = nextChunk()
  if (next) list.push({ label: `next: ${path.relative(ROOT, next.file)}`, file: next.file, origin: next.origin })
  list.push({ label: 'typescript/lib/typescript.js', file: path.join(ROOT, 'node_modules/typescript/lib/typescript.js') })
  for (const f of list) f.size = fs.statSync(f.file).size
  return list.sort((a, b) => a.size - b.size)
}

module.exports = { ROOT, benchFiles, walk }
