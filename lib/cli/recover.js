'use strict'
// `cov-als recover <dir>`: the counts a killed server left in its live
// arenas go into the run store, exactly once (docs/crash-safety.md).

const fs = require('node:fs')
const live = require('../arenas.js')
const { CliError, UsageError, parse } = require('./errors.js')

const HELP = `Usage: cov-als recover <dir> [options]

A server with the preload keeps its counters in memory-mapped files under
<dir>/live/<pid>-<nonce>/, which outlive a SIGKILL, an OOM kill or a crash.
This reads the arenas of processes that are gone and adds every count no
flush reported yet to the run store (<dir>/cov-als.db), per test, as the
flush would have; then deletes their files. Recovering twice adds nothing.
"cov-als report" and the Playwright reporter recover first by themselves.

Options:
      --force         Recover arenas of processes that still run too (their
                      later counts are then not crash-safe any more)
      --json          [{ arena, tests, counts, tables, problems, skipped }]
  -h, --help          Show this help

Exit status: 0 success (nothing to recover included), 1 an arena could not
be read (another version wrote it, a torn index: what is valid is still
recovered and the rest named), 2 bad usage.
`

function run(args, io) {
  const { values, positionals } = parse(args, {
    force: { type: 'boolean' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  })
  if (values.help) {
    io.stdout.write(HELP)
    return 0
  }
  if (positionals.length !== 1) throw new UsageError('recover needs one run directory')
  const [dir] = positionals
  if (!fs.existsSync(dir)) throw new CliError(`no such directory: ${dir}`)
  const results = live.recover(dir, { force: Boolean(values.force) })
  const failed = results.some((r) => r.problems.length || (r.skipped && !/still runs|already recovered/.test(r.skipped)))
  if (values.json) io.stdout.write(JSON.stringify(results, null, 2) + '\n')
  else io.stdout.write((live.describe(dir, results) || `nothing to recover in ${dir}`) + '\n')
  return failed ? 1 : 0
}

module.exports = { HELP, run }
