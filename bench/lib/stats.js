'use strict'
// Small helpers shared by the bench scripts: medians, spreads, ratio formatting.

function median(xs) {
  const s = [...xs].sort((a, b) => a - b)
  const n = s.length
  if (n === 0) return NaN
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
}

function spread(xs) {
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length }
}

// Pairwise ratios a[i]/b[i] of measurements taken side by side (same round).
function pairRatios(a, b) {
  const n = Math.min(a.length, b.length)
  const out = []
  for (let i = 0; i < n; i++) out.push(a[i] / b[i])
  return out
}

function fmt(x, digits = 2) {
  if (!Number.isFinite(x)) return String(x)
  if (Math.abs(x) >= 100) return x.toFixed(0)
  if (Math.abs(x) >= 10) return x.toFixed(1)
  return x.toFixed(digits)
}

// "12.3x (11.9–13.0)"
function fmtRatio(xs, unit = 'x') {
  const s = spread(xs)
  return `${fmt(s.median)}${unit} (${fmt(s.min)}–${fmt(s.max)})`
}

function fmtSpread(xs, unit = '') {
  const s = spread(xs)
  return `${fmt(s.median)}${unit} (${fmt(s.min)}–${fmt(s.max)})`
}

function mdTable(header, rows) {
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`]
  for (const r of rows) lines.push(`| ${r.join(' | ')} |`)
  return lines.join('\n')
}

module.exports = { median, spread, pairRatios, fmt, fmtRatio, fmtSpread, mdTable }
