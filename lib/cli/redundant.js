'use strict'
// `cov-als redundant`: tests that add no coverage of their own.

const store = require('../store.js')
const { STARTUP_ID } = require('../native.js')
const { CliError, UsageError, parse } = require('./errors.js')

const HELP = `Usage: cov-als redundant <dir> [options]

Lists the tests of the run store in <dir> whose coverage is a subset of the
other tests' together: every statement, branch arm and function they hit (in
either half) some other test hits too. Each listed test could be dropped on
its own without losing coverage; two listed tests may cover each other, so
dropping them all can. The startup bucket is neither listed nor a coverer.
For several shards, "cov-als merge" them first.

Options:
      --json          [{ test, counters }] (counters: how many it hit)
  -h, --help          Show this help

Exit status: 0 success, 1 no run store, 2 bad usage.
`

function run(args, io) {
  const { values, positionals } = parse(args, { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } })
  if (values.help) {
    io.stdout.write(HELP)
    return 0
  }
  if (positionals.length !== 1) throw new UsageError('redundant needs one run directory (merge shards first with cov-als merge)')
  const [dir] = positionals
  if (!store.hasStore(dir)) throw new CliError(`no run store (${store.STORE_FILE}) in ${dir}`)
  const found = store.redundantTests(dir)
  if (values.json) {
    io.stdout.write(JSON.stringify(found, null, 2) + '\n')
    return 0
  }
  const total = store.listTests(dir).filter((t) => t !== STARTUP_ID).length
  io.stdout.write(`${found.length} of ${total} tests add no coverage of their own:\n`)
  for (const r of found) io.stdout.write(`  ${JSON.stringify(r.test)} (${r.counters} counters, all covered by other tests)\n`)
  return 0
}

module.exports = { HELP, run }
