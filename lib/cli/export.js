'use strict'
// `cov-als export`: a stock Istanbul coverage map of some tests (or all)
// from run stores, for istanbul-reports, nyc or a Playwright attachment.

const fs = require('node:fs')
const path = require('node:path')
const libCoverage = require('istanbul-lib-coverage')
const store = require('../store.js')
const { CliError, UsageError, parse } = require('./errors.js')

const HELP = `Usage: cov-als export <dir...> [options]

Writes the Istanbul coverage map (the coverage-final.json shape) of the chosen
tests from the run stores (cov-als.db) in <dir...>. Tests found in several
directories (CI shards, several servers) add up. Keys are sorted, so the same
counts give the same bytes (stable to diff).

Options:
  -t, --test <id>     A test to export (repeat for several; default: all tests)
      --part <half>   server or browser (default: both halves, merged)
      --touched       Only the files the chosen tests touched (default: every
                      file the store knows, untouched ones with zero counts,
                      as the server's flush answers)
  -o, --out <file>    Write to <file> (default: stdout)
  -h, --help          Show this help

Exit status: 0 success, 1 bad input (no store, unknown test), 2 bad usage.
`

// JSON with object keys sorted at every level.
function stableStringify(value) {
  return JSON.stringify(value, (_, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, v[k]]),
        )
      : v,
  )
}

/**
 * The merged Istanbul coverage map of `tests` (all when empty) over the
 * stores of `dirs`. Throws CliError for a missing store or an unknown test.
 */
function exportCoverage({ dirs, tests = [], part, touchedOnly = false }) {
  if (dirs.length === 0) throw new UsageError('export needs at least one input directory')
  if (part !== undefined && !store.PARTS.includes(part)) throw new UsageError(`--part must be server or browser, got "${part}"`)
  const map = libCoverage.createCoverageMap({})
  const found = new Set()
  for (const dir of dirs) {
    if (!store.hasStore(dir)) throw new CliError(`no run store (${store.STORE_FILE}) in ${dir}`)
    let ids
    try {
      ids = store.listTests(dir)
    } catch (err) {
      throw new CliError(err.message)
    }
    const chosen = tests.length === 0 ? ids : tests.filter((t) => ids.includes(t))
    chosen.forEach((t) => found.add(t))
    if (chosen.length === 0) continue
    const coverage = store.exportCoverage(dir, tests.length === 0 ? null : chosen, { part, allFiles: !touchedOnly })
    if (coverage) map.merge(JSON.parse(JSON.stringify(coverage)))
  }
  const missing = tests.filter((t) => !found.has(t))
  if (missing.length) throw new CliError(`unknown test${missing.length > 1 ? 's' : ''}: ${missing.map((t) => JSON.stringify(t)).join(', ')}`)
  return map.toJSON()
}

function run(args, io) {
  const { values, positionals } = parse(args, {
    test: { type: 'string', short: 't', multiple: true },
    part: { type: 'string' },
    touched: { type: 'boolean' },
    out: { type: 'string', short: 'o' },
    help: { type: 'boolean', short: 'h' },
  })
  if (values.help) {
    io.stdout.write(HELP)
    return 0
  }
  const coverage = exportCoverage({ dirs: positionals, tests: values.test || [], part: values.part, touchedOnly: Boolean(values.touched) })
  const text = stableStringify(coverage) + '\n'
  if (values.out) {
    fs.mkdirSync(path.dirname(path.resolve(values.out)), { recursive: true })
    fs.writeFileSync(values.out, text)
  } else {
    io.stdout.write(text)
  }
  return 0
}

module.exports = { HELP, run, exportCoverage, stableStringify }
