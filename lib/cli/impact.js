'use strict'
// `cov-als impact`: the tests whose recorded coverage touches a change, from
// a git base, a patch file or explicit file:lines, with ready Playwright
// arguments. Lines are those of the code the run covered (the diff's old side).

const fs = require('node:fs')
const path = require('node:path')
const { execFileSync } = require('node:child_process')
const parseDiff = require('parse-diff')
const store = require('../store.js')
const { CliError, UsageError, parse } = require('./errors.js')

const { STARTUP_ID } = require('../native.js')
const EXIT_RUN_EVERYTHING = 3
const ALL_LINES = [1, 0xffffffff]

const HELP = `Usage: cov-als impact <dir...> (--git <base> | --diff <patch> | --changed <file>:<lines>...) [options]

Selects the tests whose coverage, in the run stores of <dir...>, touches a
changed statement, branch arm or function: a changed or deleted line inside a
covered function body counts, as does a line inserted inside one. Line
numbers are those of the code the run covered (the old side of the diff).
A new file, or a changed file the run never instrumented, answers "run
everything". The startup bucket is not a test and is never selected.

Options:
      --git <base>        Changes since <base> (git diff -U0 <base>, plus
                          untracked files as new files), paths relative to
                          the repository root
      --diff <patch>      A unified diff file ("-" for stdin)
      --changed <f>:<l>   A file and lines, e.g. lib/a.ts:12,15-18 (repeat)
      --root <dir>        Diff paths are relative to <dir> (default: the git
                          root with --git, else the current directory)
      --json              { everything, reasons, tests, files, playwright }
      --playwright        Print only the Playwright arguments (spec files and
                          a --grep pattern of the selected tests' titles)
  -h, --help              Show this help

Exit status: 0 a selection was made (possibly no test), 3 run everything
(a new or never-instrumented file), 1 bad input (no store, bad patch),
2 bad usage.
`

// Old-side lines a diff touches, per file: deleted lines, and for a pure
// insertion the lines on both sides of it.
function changesFromDiff(text) {
  const out = []
  for (const f of parseDiff(text)) {
    const from = f.from && f.from !== '/dev/null' ? f.from : null
    const to = f.to && f.to !== '/dev/null' ? f.to : null
    if (!from) {
      out.push({ file: to, isNew: true, ranges: [] })
      continue
    }
    if (!to) {
      out.push({ file: from, ranges: [ALL_LINES] })
      continue
    }
    const ranges = []
    for (const chunk of f.chunks) {
      const deletes = chunk.changes.filter((c) => c.type === 'del')
      if (deletes.length) {
        for (const c of deletes) ranges.push([c.ln, c.ln])
      } else if (chunk.changes.some((c) => c.type === 'add')) {
        const after = chunk.oldLines === 0 ? chunk.oldStart : chunk.oldStart - 1
        ranges.push([Math.max(1, after), after + 1])
      }
    }
    // A rename or mode change without content changes touches nothing.
    if (ranges.length) out.push({ file: from, ranges })
  }
  return out
}

function changesFromSpecs(specs) {
  return specs.map((spec) => {
    const m = /^(.+):([\d,\s-]+)$/.exec(spec)
    if (!m) throw new UsageError(`--changed expects <file>:<lines> (e.g. lib/a.ts:3,7-9), got ${JSON.stringify(spec)}`)
    const ranges = m[2].split(',').map((part) => {
      const [a, b = a] = part.trim().split('-').map(Number)
      if (!(a >= 1 && b >= a)) throw new UsageError(`bad line range ${JSON.stringify(part)} in ${JSON.stringify(spec)}`)
      return [a, b]
    })
    return { file: m[1], ranges }
  })
}

function git(args, cwd) {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (err) {
    throw new CliError(`git ${args.join(' ')} failed: ${(err.stderr || err.message).toString().trim()}`)
  }
}

function changesFromGit(base) {
  const root = git(['rev-parse', '--show-toplevel']).trim()
  const changes = changesFromDiff(git(['diff', '-U0', '--no-color', '--no-ext-diff', base, '--'], root))
  for (const file of git(['ls-files', '--others', '--exclude-standard'], root).split('\n').filter(Boolean)) {
    changes.push({ file, isNew: true, ranges: [] })
  }
  return { root, changes }
}

// The stored path of a diff path: exact under root, or a unique suffix.
function storedPathOf(paths, root, file) {
  const abs = path.resolve(root, file)
  if (paths.has(abs)) return abs
  const tail = `/${file.replace(/^\/+/, '')}`
  const matches = [...paths].filter((p) => p.endsWith(tail))
  return matches.length === 1 ? matches[0] : null
}

// Playwright arguments: the spec files (first title segment) and a --grep of
// the exact test titles (last segment), escaped.
function playwrightArgs(ids) {
  const specs = new Set()
  const titles = new Set()
  for (const id of ids) {
    const parts = id
      .replace(/ \(retry \d+\)$/, '')
      .split(' › ')
      .filter((p, i) => !(i === 0 && /^\[.*\]$/.test(p)))
    if (parts.length > 1) specs.add(parts[0])
    titles.add(parts[parts.length - 1])
  }
  const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
  const grep = titles.size ? `(?:${[...titles].map(escape).join('|')})` : null
  return { specFiles: [...specs].sort(), grep, args: grep ? [...[...specs].sort(), '--grep', grep] : [] }
}

/** The selection for `changes` over the stores of `dirs`. */
function impact({ dirs, changes, root }) {
  if (dirs.length === 0) throw new UsageError('impact needs at least one run directory')
  for (const d of dirs) if (!store.hasStore(d)) throw new CliError(`no run store (${store.STORE_FILE}) in ${d}`)
  const paths = new Set(dirs.flatMap((d) => store.storedPaths(d)))
  const reasons = []
  const selected = new Map()
  const files = []
  for (const change of changes) {
    if (change.isNew) {
      reasons.push(`new file ${change.file}`)
      files.push({ file: change.file, status: 'new' })
      continue
    }
    const stored = storedPathOf(paths, root, change.file)
    if (!stored) {
      reasons.push(`${change.file} was never instrumented in this run`)
      files.push({ file: change.file, status: 'not instrumented' })
      continue
    }
    const tests = new Set()
    for (const [from, to] of change.ranges) {
      for (const dir of dirs) {
        for (const c of store.whichTests(dir, stored, from, to, { spans: true }) || []) {
          if (c.test === STARTUP_ID) continue
          tests.add(c.test)
          const halves = selected.get(c.test) || new Set()
          if (c.server) halves.add('server')
          if (c.browser) halves.add('browser')
          selected.set(c.test, halves)
        }
      }
    }
    files.push({ file: change.file, path: stored, ranges: change.ranges, tests: [...tests].sort() })
  }
  const everything = reasons.length > 0
  const ids = [...selected.keys()].sort()
  return {
    everything,
    reasons,
    tests: ids.map((test) => ({ test, halves: [...selected.get(test)].sort() })),
    files,
    playwright: everything ? { specFiles: [], grep: null, args: [] } : playwrightArgs(ids),
  }
}

function run(args, io) {
  const { values, positionals } = parse(args, {
    git: { type: 'string' },
    diff: { type: 'string' },
    changed: { type: 'string', multiple: true },
    root: { type: 'string' },
    json: { type: 'boolean' },
    playwright: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  })
  if (values.help) {
    io.stdout.write(HELP)
    return 0
  }
  const sources = ['git', 'diff', 'changed'].filter((k) => values[k] !== undefined)
  if (sources.length !== 1) throw new UsageError('impact needs exactly one of --git <base>, --diff <patch>, --changed <file>:<lines>')
  let root = values.root ? path.resolve(values.root) : process.cwd()
  let changes
  if (values.git !== undefined) {
    const fromGit = changesFromGit(values.git)
    changes = fromGit.changes
    if (!values.root) root = fromGit.root
  } else if (values.diff !== undefined) {
    let text
    try {
      text = fs.readFileSync(values.diff === '-' ? 0 : values.diff, 'utf8')
    } catch (err) {
      throw new CliError(`cannot read ${values.diff}: ${err.message}`)
    }
    changes = changesFromDiff(text)
  } else {
    changes = changesFromSpecs(values.changed)
  }
  const result = impact({ dirs: positionals, changes, root })
  const code = result.everything ? EXIT_RUN_EVERYTHING : 0
  if (values.json) {
    io.stdout.write(JSON.stringify(result, null, 2) + '\n')
  } else if (values.playwright) {
    io.stdout.write(result.playwright.args.map((a) => JSON.stringify(a)).join(' ') + '\n')
  } else if (result.everything) {
    io.stdout.write(`Run everything: ${result.reasons.join('; ')}\n`)
  } else {
    io.stdout.write(`${result.tests.length} test${result.tests.length === 1 ? '' : 's'} touched by the change:\n`)
    for (const t of result.tests) io.stdout.write(`  ${JSON.stringify(t.test)} (${t.halves.join(', ')})\n`)
    if (result.playwright.args.length) io.stdout.write(`Playwright: npx playwright test ${result.playwright.args.map((a) => JSON.stringify(a)).join(' ')}\n`)
  }
  return code
}

module.exports = { HELP, run, impact, changesFromDiff, changesFromSpecs, playwrightArgs, EXIT_RUN_EVERYTHING }
