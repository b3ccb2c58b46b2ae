'use strict'
// Shared helpers for the node --test files (not a test file itself: the name
// does not match node --test's patterns).

const assert = require('node:assert/strict')

const cov = require('..')

// Instrument `source` under `filename` and evaluate it as a CommonJS module
// in this realm (instrumented code finds the runtime through a global).
function load(source, filename, options) {
  const out = cov.instrument(source, filename, { sourceType: 'commonjs', ...options })
  const m = { exports: {} }
  new Function('module', 'exports', 'require', out.code)(m, m.exports, require)
  return { exports: m.exports, fileId: out.fileId }
}

// The file entry of a coverage map; fails loudly if the file is missing.
function entry(map, path) {
  assert.ok(map && map[path], `coverage map has no entry for ${path} (has: ${Object.keys(map || {}).join(', ')})`)
  return map[path]
}

// Only the counters: what must match between two reports of the same work.
function counts(fc) {
  return { s: fc.s, f: fc.f, b: fc.b }
}

// 1-based line of the first source line containing `marker`.
function lineOf(source, marker) {
  const i = source.split('\n').findIndex((l) => l.includes(marker))
  assert.ok(i >= 0, `marker ${marker} not in source`)
  return i + 1
}

// Function counter key by function name.
function fnKey(fc, name) {
  const key = Object.keys(fc.fnMap).find((k) => fc.fnMap[k].name === name)
  assert.ok(key !== undefined, `no function named ${name}`)
  return key
}

// Statement counter keys starting on `line` (there may be several).
function stmtKeys(fc, line) {
  const keys = Object.keys(fc.statementMap).filter((k) => fc.statementMap[k].start.line === line)
  assert.ok(keys.length > 0, `no statement starts on line ${line}`)
  return keys
}

// Count of the single statement starting on `line`.
function stmtCount(fc, line) {
  const keys = stmtKeys(fc, line)
  assert.equal(keys.length, 1, `expected exactly one statement on line ${line}, got ${keys.length}`)
  return fc.s[keys[0]]
}

function allZero(fc) {
  return Object.values(fc.s).every((n) => n === 0) && Object.values(fc.f).every((n) => n === 0) && Object.values(fc.b).every((arr) => arr.every((n) => n === 0))
}

module.exports = { cov, load, entry, counts, lineOf, fnKey, stmtKeys, stmtCount, allZero }
