'use strict'
// `cov-als which <file>[:<line>[-<line>]]`: the tests that cover those lines,
// with counts and halves, from the run stores.

const path = require('node:path')
const store = require('../store.js')
const { CliError, UsageError, parse } = require('./errors.js')

const HELP = `Usage: cov-als which <file>[:<line>[-<line>]] <dir...> [options]

Lists the tests whose coverage (in the run stores of <dir...>) hits <file> on
the given lines: a statement starting on one of them ran, a branch arm on one
of them was taken, or a function declared on one of them (from its name or
parameters to the start of its body) was called. Without lines, the whole
file. <file> is a path as reported (absolute, or relative to
the current directory), or a unique suffix of one.

For each test: the statements, branch arms and functions hit, the lines, and
which half (server, browser) hit them.

Options:
      --json          Machine-readable output: { file, from, to, tests: [...] }
  -h, --help          Show this help

Exit status: 0 success (also when no test covers the lines), 1 unknown file
or no run store, 2 bad usage.
`

function parseTarget(spec) {
  const m = /^(.+?)(?::(\d+)(?:-(\d+))?)?$/.exec(spec)
  if (!m) throw new UsageError(`expected <file>[:<line>[-<line>]], got ${JSON.stringify(spec)}`)
  const from = m[2] ? Number(m[2]) : 1
  const to = m[3] ? Number(m[3]) : m[2] ? from : 0xffffffff
  if (from < 1 || to < from) throw new UsageError(`bad line range in ${JSON.stringify(spec)}`)
  return { file: m[1], from, to }
}

// The stored path `file` names: exact (resolved) or a unique suffix.
function resolveFile(dirs, file) {
  const paths = new Set(dirs.flatMap((d) => store.storedPaths(d)))
  const abs = path.resolve(file)
  if (paths.has(abs)) return abs
  if (paths.has(file)) return file
  const tail = file.startsWith('/') ? file : `/${file}`
  const matches = [...paths].filter((p) => p.endsWith(tail))
  if (matches.length === 1) return matches[0]
  if (matches.length > 1) throw new CliError(`${file} matches ${matches.length} files: ${matches.slice(0, 5).join(', ')}${matches.length > 5 ? ', ...' : ''}`)
  throw new CliError(`no coverage of ${file} in ${dirs.join(', ')} (not instrumented in this run)`)
}

function addHalf(into, half) {
  if (!half) return into
  if (!into) return { ...half, lines: [...half.lines] }
  for (const k of ['statements', 'branches', 'functions', 'hits']) into[k] += half[k]
  into.lines = [...new Set([...into.lines, ...half.lines])].sort((a, b) => a - b)
  return into
}

/** The tests covering file:from-to over several stores, merged by test id. */
function which({ dirs, target }) {
  if (dirs.length === 0) throw new UsageError('which needs at least one run directory')
  for (const d of dirs) if (!store.hasStore(d)) throw new CliError(`no run store (${store.STORE_FILE}) in ${d}`)
  const { from, to } = target
  const file = resolveFile(dirs, target.file)
  const byTest = new Map()
  for (const dir of dirs) {
    for (const c of store.whichTests(dir, file, from, to) || []) {
      const row = byTest.get(c.test) || { test: c.test }
      row.server = addHalf(row.server, c.server)
      row.browser = addHalf(row.browser, c.browser)
      byTest.set(c.test, row)
    }
  }
  const tests = [...byTest.values()].sort((a, b) => (a.test < b.test ? -1 : a.test > b.test ? 1 : 0))
  for (const t of tests) for (const h of ['server', 'browser']) if (!t[h]) delete t[h]
  return { file, from, to: Math.min(to, 0xffffffff), tests }
}

function describeHalf(name, h) {
  if (!h) return null
  const parts = [`${h.statements} statement${h.statements === 1 ? '' : 's'}`]
  if (h.branches) parts.push(`${h.branches} branch arm${h.branches === 1 ? '' : 's'}`)
  if (h.functions) parts.push(`${h.functions} function${h.functions === 1 ? '' : 's'}`)
  return `${name}: ${parts.join(', ')}${h.lines.length ? ` (lines ${h.lines.join(',')})` : ''}`
}

function run(args, io) {
  const { values, positionals } = parse(args, { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } })
  if (values.help) {
    io.stdout.write(HELP)
    return 0
  }
  if (positionals.length === 0) throw new UsageError('which needs <file>[:<line>[-<line>]] and a run directory')
  const [spec, ...dirs] = positionals
  const result = which({ dirs, target: parseTarget(spec) })
  if (values.json) {
    io.stdout.write(JSON.stringify(result, null, 2) + '\n')
    return 0
  }
  const range = result.from === 1 && result.to === 0xffffffff ? '' : result.from === result.to ? `:${result.from}` : `:${result.from}-${result.to}`
  io.stdout.write(`${result.file}${range}: ${result.tests.length} test${result.tests.length === 1 ? '' : 's'}\n`)
  for (const t of result.tests) {
    const halves = [describeHalf('server', t.server), describeHalf('browser', t.browser)].filter(Boolean)
    io.stdout.write(`  ${JSON.stringify(t.test)}  ${halves.join('; ')}\n`)
  }
  return 0
}

module.exports = { HELP, run, which, parseTarget }
