'use strict'
// `cov-als merge <dir...> --out <dir>`: one run store from several (the work
// is lib/report's merge()).

const { merge } = require('../report/index.js')
const { UsageError, parse } = require('./errors.js')

const HELP = `Usage: cov-als merge <dir...> --out <dir> [options]

Merges the run stores (and per-test JSON files) of several directories
(server processes, CI shards) into one run store, <out>/cov-als.db: maps are
kept once, counts of the same test id add up. "cov-als report <out>" and
"cov-als export <out>" work on the result.

Options:
  -o, --out <dir>     Output directory (required). Must not be an input
                      directory; must not hold a run store or *.json files
                      unless an earlier "cov-als merge" wrote it (then they
                      are replaced).
      --nyc           Also write <out>/.nyc_output/<safe-name>.json, one plain
                      Istanbul coverage map per test, for
                      "nyc report --temp-dir <out>/.nyc_output" (nyc leaves out
                      files outside its --cwd, so run it from the project root)
      --skip-invalid  Skip unreadable or invalid files with a warning
  -h, --help          Show this help
`

function run(args, io) {
  const { values, positionals } = parse(args, {
    out: { type: 'string', short: 'o' },
    nyc: { type: 'boolean' },
    'skip-invalid': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  })
  if (values.help) {
    io.stdout.write(HELP)
    return 0
  }
  if (positionals.length === 0) throw new UsageError('merge needs at least one input directory')
  if (!values.out) throw new UsageError('merge needs --out <dir>')
  const result = merge({
    dirs: positionals,
    out: values.out,
    nyc: Boolean(values.nyc),
    skipInvalid: Boolean(values['skip-invalid']),
    warn: io.warn,
  })
  io.stdout.write(`Merged ${result.inputFiles} file(s) into ${result.tests} test(s): ${result.outDir}\n`)
  if (result.nycDir) io.stdout.write(`nyc: nyc report --temp-dir ${result.nycDir}\n`)
  return 0
}

module.exports = { HELP, run }
