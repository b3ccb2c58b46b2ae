'use strict'
// The summary rows as an aligned text table (terminal columns by
// string-width) and as Markdown.

const stringWidth = require('string-width')
const { METRICS } = require('./summary.js')

// Test ids may hold control characters; show them escaped.
function printable(s) {
  // oxlint-disable-next-line no-control-regex -- escaping control characters is the point
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    const code = c.charCodeAt(0)
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
  })
}

function truncate(s, width) {
  if (stringWidth(s) <= width) return s
  let out = ''
  for (const ch of s) {
    if (stringWidth(out + ch) > width - 1) break
    out += ch
  }
  return out + '…'
}

const formatPct = (m) => (m.pct === null ? '-' : `${m.pct.toFixed(2)}%`)
const MAX_TEST_COLUMN = 60

/** The summary as an aligned text table (one row per test, then the merged row). */
function formatTable(rows) {
  const header = ['test', 'files', 'statements', 'branches', 'functions', 'lines', 'server lines', 'browser lines', 'unique']
  const half = (h) => (h && h.files > 0 ? formatPct(h.lines) : '-')
  const cells = rows.map((r) => [
    truncate(printable(r.test), MAX_TEST_COLUMN),
    String(r.files),
    ...METRICS.map((k) => formatPct(r[k])),
    half(r.server),
    half(r.browser),
    r.merged ? '' : String(r.unique ?? ''),
  ])
  const widths = header.map((h, i) => Math.max(stringWidth(h), ...cells.map((c) => stringWidth(c[i]))))
  const pad = (s, w, right) => {
    const fill = ' '.repeat(Math.max(0, w - stringWidth(s)))
    return right ? fill + s : s + fill
  }
  const line = (c) =>
    c
      .map((s, i) => pad(s, widths[i], i > 0))
      .join('  ')
      .trimEnd()
  const rule = widths.map((w) => '-'.repeat(w)).join('  ')
  const out = [line(header), rule]
  cells.forEach((c, i) => {
    if (rows[i].merged) out.push(rule)
    out.push(line(c))
  })
  return out.join('\n') + '\n'
}

function markdownCell(s) {
  return printable(s).replace(/[\\`*_{}[\]<>|]/g, (c) => `\\${c}`)
}

/** The summary as a Markdown table. */
function formatMarkdown(rows) {
  const out = ['| test | files | statements % | branches % | functions % | lines % |', '| :--- | ---: | ---: | ---: | ---: | ---: |']
  for (const r of rows) {
    const name = r.merged ? `**${markdownCell(r.test)}**` : markdownCell(r.test)
    out.push(`| ${name} | ${r.files} | ${METRICS.map((k) => formatPct(r[k])).join(' | ')} |`)
  }
  return out.join('\n') + '\n'
}

module.exports = { printable, formatTable, formatMarkdown }
