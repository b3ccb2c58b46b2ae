#!/usr/bin/env node
'use strict'
// The token invariant over real code (issue 21): instrumenting keeps every
// token of the input, unchanged and in order (instrument()'s checkTokens,
// with oxc's tokens). Each file of node_modules is checked as written and as
// minified by esbuild (whitespace + syntax, what tsx, tsup and Vite's SSR
// transform emit), lowered by esbuild to ES2015 (async functions as
// generators), and minified by terser (compress + mangle).
//
//   node scripts/token-sweep.js [--forms written,esbuild,es2015,terser] [--sample N] [--browser]
//
// --sample N   every k-th file so that N files are checked (default: all)
// --browser    the browser form too (window.__coverage__ counters)
// Prints one summary line; exits 1 when any token changed.
// __test__/tokens.test.js runs a fixed sample of it in CI.

const fs = require('node:fs')
const path = require('node:path')

const ROOT = path.resolve(__dirname, '..')

/** Every .js/.cjs/.mjs file under node_modules, sorted (links and copies once). */
function nodeModulesFiles(root = path.join(ROOT, 'node_modules')) {
  const seen = new Set()
  const out = []
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(dir, e.name)
      if (e.isDirectory()) walk(p)
      else if (e.isFile() && /\.(c|m)?js$/.test(e.name) && !seen.has(p)) {
        seen.add(p)
        out.push(p)
      }
    }
  }
  walk(root)
  return out
}

/** `n` files spread evenly over `files` (all of them when n is larger). */
function spread(files, n) {
  if (!n || n >= files.length) return files
  const step = files.length / n
  return Array.from({ length: n }, (_, i) => files[Math.floor(i * step)])
}

function sourceTypeOf(file) {
  return file.endsWith('.mjs') ? 'module' : file.endsWith('.cjs') ? 'commonjs' : 'unambiguous'
}

// Each form: the code to instrument, or null when the tool refuses the input.
const FORMS = {
  written: async (code) => code,
  esbuild: async (code) => {
    try {
      return require('esbuild').transformSync(code, { loader: 'js', minifyWhitespace: true, minifySyntax: true }).code
    } catch {
      return null
    }
  },
  // Lowered to ES2015 as TypeScript's and esbuild's older targets emit it:
  // every async function a generator, every await a `yield(`.
  es2015: async (code) => {
    try {
      return require('esbuild').transformSync(code, { loader: 'js', target: 'es2015', minifyWhitespace: true }).code
    } catch {
      return null
    }
  },
  terser: async (code, file) => {
    try {
      const out = await require('terser').minify(code, { module: sourceTypeOf(file) === 'module', compress: true, mangle: true })
      return out.code ?? null
    } catch {
      return null
    }
  },
}

/** Instrument `code` with the check on: 'kept', 'changed' (with the error), or 'unparsed'. */
function check(cov, code, file, { browser = false, sourceType = sourceTypeOf(file) } = {}) {
  try {
    // A fresh name per call: one name instrumented again merges into its report.
    cov.instrument(code, file, { sourceType, checkTokens: true, browser })
    return { status: 'kept' }
  } catch (err) {
    if (err.code === 'COV_ALS_TOKEN_CHANGED') return { status: 'changed', error: err }
    if (err.code === 'COV_ALS_PARSE_ERROR') return { status: 'unparsed', error: err }
    throw err
  }
}

/** Check `files` in each of `forms`: counts per form, and every change. */
async function sweep(files, { forms = Object.keys(FORMS), browser = false, onFile } = {}) {
  const cov = require(ROOT)
  const counts = Object.fromEntries(forms.map((f) => [f, { kept: 0, changed: 0, unparsed: 0, refused: 0, bytes: 0 }]))
  const changes = []
  let n = 0
  for (const file of files) {
    let code
    try {
      code = fs.readFileSync(file, 'utf8')
    } catch {
      continue
    }
    for (const form of forms) {
      const input = await FORMS[form](code, file)
      const c = counts[form]
      if (input === null) {
        c.refused++
        continue
      }
      c.bytes += input.length
      const modes = browser ? [false, true] : [false]
      for (const inBrowser of modes) {
        const r = check(cov, input, `${file}.${form}${inBrowser ? '.browser' : ''}.${n++}.js`, { browser: inBrowser })
        if (r.status === 'kept') c.kept++
        else if (r.status === 'unparsed') c.unparsed++
        else {
          c.changed++
          changes.push({ file, form, browser: inBrowser, message: r.error.reason, line: r.error.line, column: r.error.column })
        }
      }
    }
    if (onFile) onFile(file)
  }
  return { files: files.length, counts, changes }
}

function summary(result, seconds) {
  const parts = Object.entries(result.counts).map(
    ([form, c]) => `${form}: ${c.kept} kept, ${c.changed} changed, ${c.unparsed} not parsed, ${c.refused} not minified (${(c.bytes / 1e6).toFixed(1)} MB)`,
  )
  const changed = result.changes.length
  return `token sweep: ${result.files} files; ${parts.join('; ')}; ${changed} with a changed token${seconds === undefined ? '' : ` (${seconds.toFixed(0)} s)`}`
}

async function main(argv) {
  const opts = { forms: Object.keys(FORMS), sample: 0, browser: false }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--forms') opts.forms = argv[++i].split(',').filter(Boolean)
    else if (a === '--sample') opts.sample = Number(argv[++i])
    else if (a === '--browser') opts.browser = true
    else throw new Error(`unknown argument ${a} (usage: node scripts/token-sweep.js [--forms written,esbuild,es2015,terser] [--sample N] [--browser])`)
  }
  for (const f of opts.forms) if (!FORMS[f]) throw new Error(`unknown form ${f}; known: ${Object.keys(FORMS).join(', ')}`)
  if (!Number.isInteger(opts.sample) || opts.sample < 0) throw new Error('--sample takes a whole number of files')
  const files = spread(nodeModulesFiles(), opts.sample)
  const t0 = Date.now()
  let done = 0
  const result = await sweep(files, {
    forms: opts.forms,
    browser: opts.browser,
    onFile: () => {
      if (++done % 1000 === 0) process.stderr.write(`  ${done}/${files.length} files\n`)
    },
  })
  for (const c of result.changes.slice(0, 20)) console.error(`${c.file} (${c.form}${c.browser ? ', browser' : ''}) ${c.line}:${c.column}: ${c.message}`)
  console.log(summary(result, (Date.now() - t0) / 1000))
  return result.changes.length ? 1 : 0
}

module.exports = { nodeModulesFiles, spread, sweep, summary, check, FORMS }

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(err.message)
      process.exit(2)
    },
  )
}
