'use strict'
// TypeScript that Node runs itself: cost and map parity of what the hooks do
// (lib/typescript.js): module.stripTypeScriptTypes in 'strip' mode, then our
// instrumenter on the JavaScript; against istanbul-lib-instrument 6 on the same
// stripped JavaScript, whose positions are the .ts positions.
// Needs a Node line with type stripping (>= 22.18):
//   ~/.cache/cov-als-native/node-26.*/bin/node bench/typescript-strip.js [files or dirs...]
// Default corpus: the TypeScript sources @napi-rs/cli ships, and our fixtures.

const fs = require('node:fs')
const path = require('node:path')
const mod = require('node:module')
const cov = require('../index.js')
const { createInstrumenter } = require('istanbul-lib-instrument')

if (typeof mod.stripTypeScriptTypes !== 'function') throw new Error(`Node ${process.version} has no module.stripTypeScriptTypes`)
const ROOT = path.resolve(__dirname, '..')
const DEFAULT = ['node_modules/@napi-rs/cli/src', '__test__/fixtures/typescript/esm', '__test__/fixtures/typescript/cjs']
const MAPS = ['statementMap', 'fnMap', 'branchMap']

function list(p) {
  const st = fs.statSync(p)
  if (st.isFile()) return [p]
  return fs.readdirSync(p).flatMap((n) => list(path.join(p, n)))
}
const files = (process.argv.length > 2 ? process.argv.slice(2) : DEFAULT.map((d) => path.join(ROOT, d)))
  .flatMap(list)
  .filter((f) => /\.[cm]?ts$/.test(f) && !f.endsWith('.d.ts'))
  .map((f) => path.resolve(f))

const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6
const total = { files: 0, notErasable: 0, bytes: 0, strip: 0, ours: 0, istanbul: 0, statements: 0, functions: 0, branches: 0 }
const equal = { statementMap: 0, fnMap: 0, branchMap: 0 }
const differing = []
// One untimed warm-up of each side (wasm, JIT).
mod.stripTypeScriptTypes('let a: number = 1', { mode: 'strip' })
createInstrumenter().instrumentSync('var a = 1', '/warmup.js')

for (const file of files) {
  const ts = fs.readFileSync(file, 'utf8')
  let t0 = process.hrtime.bigint()
  let js
  try {
    js = mod.stripTypeScriptTypes(ts, { mode: 'strip' })
  } catch (err) {
    if (err.code !== 'ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX') throw err
    total.notErasable++
    continue
  }
  total.strip += ms(t0)
  const esm = !file.endsWith('.cts') && /^\s*(import|export)\b/m.test(js)
  t0 = process.hrtime.bigint()
  cov.instrument(js, file, { sourceType: esm ? 'module' : 'commonjs' })
  total.ours += ms(t0)
  const ours = cov.flush(`bench:${file}`)[file]
  t0 = process.hrtime.bigint()
  const instrumenter = createInstrumenter({ esModules: esm, compact: false, produceSourceMap: false })
  instrumenter.instrumentSync(js, file)
  total.istanbul += ms(t0)
  const theirs = JSON.parse(JSON.stringify(instrumenter.lastFileCoverage()))
  const same = MAPS.filter((m) => JSON.stringify(ours[m]) === JSON.stringify(theirs[m]))
  for (const m of same) equal[m]++
  if (same.length < MAPS.length) differing.push(`${path.relative(ROOT, file)} (${MAPS.filter((m) => !same.includes(m)).join(', ')} differ)`)
  total.files++
  total.bytes += ts.length
  total.statements += Object.keys(theirs.statementMap).length
  total.functions += Object.keys(theirs.fnMap).length
  total.branches += Object.keys(theirs.branchMap).length
}

console.log(
  `Node ${process.version}: ${total.files} TypeScript files (${(total.bytes / 1024).toFixed(0)} KiB), ${total.notErasable} more not erasable (enum, namespace...) left out`,
)
console.log(
  `maps equal to istanbul-lib-instrument's: statementMap ${equal.statementMap}/${total.files}, fnMap ${equal.fnMap}/${total.files}, branchMap ${equal.branchMap}/${total.files}`,
)
console.log(`entries: ${total.statements} statements, ${total.functions} functions, ${total.branches} branches`)
for (const d of differing) console.log(`  differs: ${d}`)
console.log(`time: strip ${total.strip.toFixed(0)} ms, our instrumenter ${total.ours.toFixed(0)} ms, istanbul-lib-instrument ${total.istanbul.toFixed(0)} ms`)
