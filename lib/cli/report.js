'use strict'
// `cov-als report <dir...>`: merged and per-test Istanbul reports plus the
// summary table (the work is lib/report's report()).

const { parsePathMap } = require('../path-map.js')
const { report } = require('../report/index.js')
const { REPORTERS, DEFAULT_REPORTERS, DEFAULT_PER_TEST_REPORTERS, REPORT_MARKER } = require('../report/write.js')
const { UsageError, parse } = require('./errors.js')
const { recoverBeforeReport } = require('../arenas.js')

const HELP = `Usage: cov-als report <dir...> [options]

Reads the run store (cov-als.db) and every *.json at the top level of each
<dir>, merges them by test id and writes:
  <out>/merged/             all tests merged (reporters: --reporters); its html
                            shows on each line how many tests covered it and,
                            on a click, which (filterable, linked to their pages)
  <out>/tests/<safe-name>/  with --per-test: one report per test (reporters:
                            --per-test-reporters) of the files that test touched;
                            with the merged html, its html is one page listing
                            them, each opening the merged page viewed as the test
  <out>/tests/index.html    with --per-test: every test with its summary, linked
                            to its report
  <out>/summary.json        one row per test + a final "all tests (merged)" row:
                            files, filesTouched (files with a count > 0) and
                            {total, covered, skipped, pct} of statements,
                            branches, functions, lines; server and browser:
                            the same per half; unique: lines no other row
                            covers (what only this test adds)
  <out>/summary.md          the same table in Markdown
and prints the summary table to stdout. The startup bucket (test id
"startup": module loading, work outside any test) is a row of its own and is
part of the merged report.

Options:
  -o, --out <dir>             Report directory
                              (default: coverage-report next to the first <dir>)
  -r, --reporters <list>      Merged report reporters, comma separated
                              (default: ${DEFAULT_REPORTERS.join(',')})
      --per-test              Also write one report per test (off by default:
                              one app's 93 tests made 190 MB of pages; the
                              merged report's line lists name the tests anyway)
      --no-per-test           Do not write per-test reports (the default)
      --per-test-reporters <list>
                              Per-test reporters; implies --per-test (default:
                              ${DEFAULT_PER_TEST_REPORTERS.join(',')}; lcovonly,json-summary
                              leaves the pages out)
      --no-merged             Do not write the merged report (its summary row is
                              still printed)
      --skip-invalid          Skip unreadable or invalid files with a warning
                              (default: stop at the first one)
      --project-root <dir>    lcov/cobertura paths are relative to it (default: cwd)
      --path-map <from=to>    Rewrite the path prefix <from> to <to> (repeatable;
                              for data collected in a container or another tree)
  -h, --help                  Show this help

Reporters: ${REPORTERS.join(', ')}
(text, text-summary and teamcity write text.txt, text-summary.txt, teamcity.txt)

Per-test directories are named by safe name: a slug of the test id plus a hash
(see summary.json for the mapping). A report directory written by cov-als
(it holds ${REPORT_MARKER}) has its merged/, tests/ and summary.* replaced on
each run. Percentages are istanbul's: floored to 2 decimals, 100 when a metric
has nothing to cover, "-" (null) for a test without any file.
`

function parseCliPathMap(values) {
  try {
    return parsePathMap(values)
  } catch (err) {
    throw new UsageError(`--path-map: ${err.message}`)
  }
}

function parseReporters(values, optionName) {
  const names = []
  for (const value of values) {
    for (const raw of value.split(',')) {
      const name = raw.trim()
      if (!name) continue
      if (name === 'text-lcov') throw new UsageError(`${optionName}: "text-lcov" prints to stdout; use "lcovonly" (writes lcov.info)`)
      if (!REPORTERS.includes(name)) {
        throw new UsageError(`${optionName}: unknown reporter "${name}" (known: ${REPORTERS.join(', ')})`)
      }
      if (!names.includes(name)) names.push(name)
    }
  }
  if (names.length === 0) throw new UsageError(`${optionName}: no reporter named`)
  return names
}

function run(args, io) {
  const { values, positionals } = parse(args, {
    out: { type: 'string', short: 'o' },
    reporters: { type: 'string', short: 'r', multiple: true },
    'per-test': { type: 'boolean' },
    'no-per-test': { type: 'boolean' },
    'per-test-reporters': { type: 'string', multiple: true },
    'no-merged': { type: 'boolean' },
    'skip-invalid': { type: 'boolean' },
    'project-root': { type: 'string' },
    'path-map': { type: 'string', multiple: true },
    help: { type: 'boolean', short: 'h' },
  })
  if (values.help) {
    io.stdout.write(HELP)
    return 0
  }
  if (positionals.length === 0) throw new UsageError('report needs at least one input directory')
  if (values['per-test'] && values['no-per-test']) throw new UsageError('--per-test and --no-per-test contradict each other')
  if (values['no-per-test'] && values['per-test-reporters']) {
    throw new UsageError('--per-test-reporters and --no-per-test contradict each other')
  }
  if (values['no-merged'] && values.reporters) throw new UsageError('--reporters and --no-merged contradict each other')
  // A killed server's counts first (exactly once; a second report adds nothing).
  for (const dir of positionals) recoverBeforeReport(dir, { log: (m) => io.stderr.write(`cov-als: ${m}\n`), warn: io.warn })
  const result = report({
    dirs: positionals,
    out: values.out,
    reporters: values.reporters ? parseReporters(values.reporters, '--reporters') : undefined,
    merged: !values['no-merged'],
    // Per-test reports are opt-in (a hundred tests' pages: hundreds of MB).
    perTest: Boolean(values['per-test'] || values['per-test-reporters']),
    perTestReporters: values['per-test-reporters'] ? parseReporters(values['per-test-reporters'], '--per-test-reporters') : undefined,
    skipInvalid: Boolean(values['skip-invalid']),
    projectRoot: values['project-root'],
    pathMap: values['path-map'] && parseCliPathMap(values['path-map']),
    warn: io.warn,
  })
  io.stdout.write(result.table)
  io.stdout.write(`\nReport: ${result.outDir}\n`)
  return 0
}

module.exports = { HELP, run, parseReporters, parseCliPathMap }
