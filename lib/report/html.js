'use strict'
// The html reporter of `cov-als report`: istanbul-reports' own html report,
// extended where it must be (docs/run-store.md, "The HTML report").
//
// - Merged report: each file page gets, beside it, a data file
//   `<page>.tests.js` (the tests of each of its lines, from the run store's
//   per-line query) and a small script (assets/line-tests.js) that loads it
//   for that page only, adds a column with the number of tests per line, and
//   on a click opens that line's list of tests (filterable, linked to each
//   test's own page). Summary pages link to the tests index.
// - Per-test reports: the stock pages with a line naming the test, sharing
//   one copy of istanbul's assets (`tests/_assets/`) instead of one per test.
//
// The stock pages are written by istanbul-reports unchanged; the additions
// go in through its own writer (before `</body>`, after the `</h1>` heading).

const fs = require('node:fs')
const path = require('node:path')
const HtmlReport = require('istanbul-reports/lib/html')

const ASSETS = path.join(__dirname, 'assets')
const SCRIPT = 'cov-als-line-tests.js'
const STYLE = 'cov-als-line-tests.css'
const ISTANBUL_ASSETS = path.join(path.dirname(require.resolve('istanbul-reports/lib/html')), 'assets')

const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

// Relative URL from the page of `page` (a path below the report root) to `target` (also below it).
function relativeUrl(page, target) {
  const rel = path.posix.relative(path.posix.dirname(page), target)
  return rel.split('/').map(encodeURIComponent).join('/')
}

/** The data file of a file page: `math.js.html` -> `math.js.tests.js`. */
function dataFileOf(page) {
  return page.replace(/\.html$/, '') + '.tests.js'
}

class CovAlsHtmlReport extends HtmlReport {
  /**
   * @param {object} opts istanbul-reports html options, plus:
   * @param {(path: string) => object | null} [opts.lineTests] per-line tests of a file (lib/store.js lineTests; `lines` parsed or JSON text)
   * @param {(testId: string) => string | null} [opts.testPage] a test's page, relative to the report's parent directory
   * @param {string} [opts.reportName] this report's directory name below that parent (e.g. `merged`, `tests/x`)
   * @param {(up: string) => string} [opts.headingOf] HTML put under every page's heading, given the URL from the page up to the parent directory
   * @param {string} [opts.sharedAssets] istanbul's assets are there (relative to the parent), not copied
   * @param {Map<string, string>} [opts.pages] filled with each file's page (below this report)
   */
  constructor(opts = {}) {
    super(opts)
    this.lineTests = opts.lineTests || null
    this.testPage = opts.testPage || (() => null)
    this.reportName = opts.reportName || '.'
    this.headingOf = opts.headingOf || null
    this.sharedAssets = opts.sharedAssets || null
    this.pages = opts.pages || null
    if (this.sharedAssets) {
      const up = (node) => this.upUrl(node)
      const shared = this.sharedAssets
      const base = this.linkMapper
      this.linkMapper = {
        getPath: (node) => base.getPath(node),
        relativePath: (source, target) => base.relativePath(source, target),
        assetPath: (node, name) => `${up(node)}${shared}/${name}`,
      }
    }
    this.extra = null
  }

  // URL from the page of `node` up to the parent directory of this report ('../../' etc.).
  upUrl(node) {
    const page = typeof node === 'string' ? node : this.linkMapper.getPath(node)
    const depth = page.split('/').length - 1 + (this.reportName === '.' ? 0 : this.reportName.split('/').length)
    return '../'.repeat(depth)
  }

  onStart(root, context) {
    if (!this.sharedAssets) super.onStart(root, context)
    if (this.lineTests) {
      const writer = this.getWriter(context)
      for (const name of [SCRIPT, STYLE]) writer.copyFile(path.join(ASSETS, name), name)
    }
  }

  onSummary(node, context) {
    this.extra = { heading: this.headingOf ? this.headingOf(this.upUrl(node)) : '', body: '' }
    try {
      super.onSummary(node, context)
    } finally {
      this.extra = null
    }
  }

  onDetail(node, context) {
    const page = this.linkMapper.getPath(node)
    if (this.pages) this.pages.set(node.getFileCoverage().path, page)
    this.extra = { heading: this.headingOf ? this.headingOf(this.upUrl(node)) : '', body: '' }
    const data = this.lineTests && this.lineTests(node.getFileCoverage().path)
    if (data) {
      const dataFile = dataFileOf(page)
      const tests = data.tests.map((id) => [id, this.testPage(id)])
      const lines = typeof data.lines === 'string' ? data.lines : JSON.stringify(data.lines)
      const json = `{"base":${JSON.stringify(this.upUrl(node))},"tests":${JSON.stringify(tests)},"lines":${lines}}`
      const cw = super.getWriter(context).writeFile(dataFile)
      cw.write(`covAlsLineTests(${json})\n`)
      cw.close()
      this.extra.body =
        `<link rel="stylesheet" href="${escapeHtml(relativeUrl(page, STYLE))}" />\n` +
        `<script src="${escapeHtml(relativeUrl(page, SCRIPT))}" data-tests="${escapeHtml(relativeUrl(page, dataFile))}"></script>\n`
    }
    try {
      super.onDetail(node, context)
    } finally {
      this.extra = null
    }
  }

  // istanbul's writer, with this page's additions put into what it writes.
  getWriter(context) {
    const writer = super.getWriter(context)
    const extra = this.extra
    if (!extra) return writer
    return {
      copyFile: (...args) => writer.copyFile(...args),
      writeFile(file) {
        const cw = writer.writeFile(file)
        let headingDone = false
        return {
          write(text) {
            let out = text
            if (!headingDone && extra.heading && out.includes('</h1>')) {
              out = out.replace('</h1>', `</h1>\n${extra.heading}`)
              headingDone = true
            }
            if (extra.body && out.includes('</body>')) out = out.replace('</body>', `${extra.body}</body>`)
            cw.write(out)
          },
          println: (text) => cw.println(text),
          close: () => cw.close(),
        }
      },
    }
  }
}

/** Copy istanbul's html assets once into `dir` (for per-test reports sharing them). */
function writeSharedAssets(dir) {
  fs.mkdirSync(dir, { recursive: true })
  for (const sub of ['.', 'vendor']) {
    const from = path.join(ISTANBUL_ASSETS, sub)
    for (const name of fs.readdirSync(from)) {
      const file = path.join(from, name)
      if (fs.statSync(file).isFile()) fs.copyFileSync(file, path.join(dir, name))
    }
  }
}

/**
 * Merge the per-line tests of several stores' paths into one. The same test
 * in several: halves joined, hits added; entries (statements, branch arms,
 * functions) are most likely the same ones seen twice, so the larger number.
 * @param {object[]} parts lineTests answers ({ tests, lines })
 */
function mergeLineTests(parts) {
  if (parts.length === 1) return parts[0]
  const byLine = new Map()
  for (const { tests, lines } of parts) {
    for (const [line, entries] of lines) {
      if (!byLine.has(line)) byLine.set(line, new Map())
      const at = byLine.get(line)
      for (const [i, halves, s, b, f, hits] of entries) {
        const id = tests[i]
        const had = at.get(id)
        at.set(id, had ? [id, had[1] | halves, Math.max(had[2], s), Math.max(had[3], b), Math.max(had[4], f), had[5] + hits] : [id, halves, s, b, f, hits])
      }
    }
  }
  const ids = [...new Set([...byLine.values()].flatMap((m) => [...m.keys()]))].sort()
  const index = new Map(ids.map((id, i) => [id, i]))
  const lines = [...byLine.entries()]
    .sort(([a], [b]) => a - b)
    .map(([line, m]) => [line, [...m.values()].map(([id, ...rest]) => [index.get(id), ...rest]).sort((x, y) => x[0] - y[0])])
  return { tests: ids, lines }
}

module.exports = { CovAlsHtmlReport, writeSharedAssets, mergeLineTests, dataFileOf, escapeHtml, SCRIPT, STYLE }
