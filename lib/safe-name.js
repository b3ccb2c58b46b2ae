'use strict'
// File-system-safe, collision-free names for test ids.
//
// A test id can be any string: it may hold `/`, `..`, spaces, unicode, NUL,
// or be kilobytes long. safeName() turns it into a readable slug of
// [A-Za-z0-9._-] (accents dropped, every run of other characters becomes one
// `_`, at most 80 characters, no leading or trailing `.`/`_`/`-`), then
// appends `-` and the first 10 hex digits of sha1(testId). The hash makes ids
// that differ only in letter case or in replaced characters map to different
// names, also on case-insensitive file systems. The result is never empty,
// never starts with `.`, and is at most 91 characters, so `<name>.json` fits
// every common file system.

const { createHash } = require('node:crypto')

const MAX_SLUG = 80
const HASH_HEX = 10

function hashOf(testId) {
  // UTF-8 for every well-formed string. A lone surrogate would become U+FFFD
  // in UTF-8 (two different ids, one hash), so hash the UTF-16 code units then.
  const wellFormed = typeof testId.isWellFormed === 'function' ? testId.isWellFormed() : !/[\uD800-\uDFFF]/.test(testId)
  const bytes = wellFormed ? Buffer.from(testId, 'utf8') : Buffer.from(testId, 'utf16le')
  return createHash('sha1').update(bytes).digest('hex').slice(0, HASH_HEX)
}

function safeName(testId) {
  if (typeof testId !== 'string') throw new TypeError(`safeName(testId): testId must be a string, got ${typeof testId}`)
  let slug = testId
    // Keep the base letter of accented Latin letters readable: "ü" -> "u".
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/_{2,}/g, '_')
    .slice(0, MAX_SLUG)
    .replace(/^[._-]+/, '')
    .replace(/[._-]+$/, '')
  if (slug === '') slug = 'test'
  return `${slug}-${hashOf(testId)}`
}

module.exports = { safeName }
