'use strict'
// The `cov-als` command line (bin/cov-als.js): dispatch to one module per
// command, turn errors into messages and exit codes.

const { printable } = require('../report/table.js')
const { ReportError } = require('../report/errors.js')
const { CliError, UsageError } = require('./errors.js')

// One module per command: each exports `run(args, io)` (the exit code) and `HELP`.
const COMMANDS = {
  report: require('./report.js'),
  merge: require('./merge.js'),
  export: require('./export.js'),
  which: require('./which.js'),
  impact: require('./impact.js'),
  redundant: require('./redundant.js'),
  recover: require('./recover.js'),
  flush: require('./flush.js'),
}

const HELP = `Usage: cov-als <command> [options]

Reports for the run store a cov-als-native server writes (<dir>/cov-als.db:
each file's maps once, per test only its non-zero counters, server and
browser halves). Per-test JSON files ({ "testId", "coverage" } or a plain
Istanbul coverage map named <test id>.json) are read too, as server halves.
The same test id from several directories (server processes, CI shards) is
merged: counts add up.

Commands:
  report <dir...>          Merged and per-test Istanbul reports + summary table
  merge <dir...> --out <d> Merge several directories by test id into one
  export <dir...>          Istanbul JSON of some tests (or all), keys sorted
  which <file>[:<l>[-<l>]] <dir...>
                           The tests that cover those lines (--json for tools)
  impact <dir...> --git <base> | --diff <patch> | --changed <file>:<lines>
                           The tests a change touches, with Playwright arguments
  redundant <dir>          Tests whose coverage other tests already give
  recover <dir>            Counts a killed server left in <dir>/live/ into the store
  flush [<url...>]         Flush tests from running servers into their run stores
  help [command]           Show help

Run "cov-als help report" or "cov-als help merge" for their options.

Exit status: 0 success, 1 bad input or I/O error, 2 bad usage.
`

/**
 * Run the command line. Returns the exit code (a promise of it for commands
 * that talk to servers, e.g. flush); never calls process.exit.
 * @param {string[]} argv arguments after the script name
 * @param {{ stdout?: { write(s: string): void }, stderr?: { write(s: string): void } }} [streams]
 */
function main(argv, { stdout = process.stdout, stderr = process.stderr } = {}) {
  const io = { stdout, stderr, warn: (msg) => stderr.write(`cov-als: warning: ${printable(msg)}\n`) }
  const [command, ...rest] = argv
  try {
    if (Object.hasOwn(COMMANDS, command)) {
      const code = COMMANDS[command].run(rest, io)
      return code instanceof Promise ? code.catch((err) => failure(err, stderr)) : code
    }
    switch (command) {
      case 'help':
      case '--help':
      case '-h':
        stdout.write(Object.hasOwn(COMMANDS, rest[0]) ? COMMANDS[rest[0]].HELP : HELP)
        return 0
      case '--version':
      case '-v':
        stdout.write(`${require('../../package.json').version}\n`)
        return 0
      case undefined:
        stderr.write(HELP)
        return 2
      default:
        throw new UsageError(`unknown command "${command}"`)
    }
  } catch (caught) {
    return failure(caught, stderr)
  }
}

// An error as its message and exit code.
function failure(caught, stderr) {
  // The report model's errors: a bad option is a usage error, the rest bad input.
  const err = caught instanceof ReportError ? (caught.badOption ? new UsageError(caught.message) : new CliError(caught.message)) : caught
  if (err instanceof UsageError) {
    stderr.write(`cov-als: ${printable(err.message)}\nRun "cov-als --help" for usage.\n`)
    return err.exitCode
  }
  if (err instanceof CliError) {
    stderr.write(`cov-als: ${printable(err.message)}\n`)
    return err.exitCode
  }
  stderr.write(`cov-als: unexpected error: ${err && err.stack ? err.stack : err}\n`)
  return 1
}

module.exports = { HELP, main }
