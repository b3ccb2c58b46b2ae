'use strict'
// A smoke run of one native binary, on whatever platform runs it (qemu, wine,
// a musl Node, an installed package): it loads, instruments, counts per test,
// flushes, and flushes into the SQLite run store and reads it back.
//   node scripts/cross/smoke.js [binary.node]   (default: the binary index.js finds)
// Prints one JSON line; exits 1 naming the first check that failed.

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

if (process.argv[2]) process.env.COV_ALS_NATIVE_BINARY = path.resolve(process.argv[2])
const cov = require('../../index.js')
const store = require('../../lib/store.js')

const failures = []
const check = (what, ok) => ok || failures.push(what)

const source = 'function pick(n) {\n  if (n > 1) {\n    return "many"\n  }\n  return "one"\n}\nmodule.exports = pick\n'
const filename = path.join(os.tmpdir(), 'cov-als-smoke', 'pick.js')
const { code } = cov.instrument(source, filename, { sourceType: 'commonjs' })
const mod = { exports: {} }
new Function('module', 'exports', code)(mod, mod.exports)
const pick = mod.exports

cov.run('test one', () => pick(1))
cov.run('test many', () => [pick(2), pick(3), pick(4)])

const one = cov.flush('test one')[filename]
check('test one has its file', Boolean(one))
check('test one called pick once', one?.f['0'] === 1)
check('test one took the else path once', one?.b['0']?.join() === '0,1')

const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-smoke-'))
const flushed = store.flushTestCoverage(cov, outDir, 'test many')
check(`store flush without error (${flushed.error})`, !flushed.error)
const many = JSON.parse(flushed.coverage)[filename]
check('test many called pick three times', many?.f['0'] === 3)
check('test many took the if path three times', many?.b['0']?.join() === '3,0')
check('the store lists test many', store.listTests(outDir).includes('test many'))
check('counts are flushed once', !cov.flush('test many')[filename]?.f['0'])
// Closed first: Windows does not delete a file that is open.
store.removeStore(outDir)
fs.rmSync(outDir, { recursive: true, force: true })

const binary = Object.keys(require.cache).find((file) => file.endsWith('.node'))
console.log(JSON.stringify({ platform: `${process.platform}-${process.arch}`, node: process.version, binary, ok: failures.length === 0, failures }))
process.exitCode = failures.length ? 1 : 0
