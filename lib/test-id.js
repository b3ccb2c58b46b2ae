'use strict'
// A test id: what it may be, and its two encodings. On the wire (headers,
// baggage, the handshake cookie) it is percent-encoded, as header values are
// Latin-1. Across the binding it is UTF-8, which cannot hold a lone
// surrogate: such ids (and ids starting with NUL, to keep the mapping
// one-to-one) cross as NUL + an escaped form.

// The longest id a request may name (the limit is on the id, not on its up
// to 9x longer percent-encoding); the JS API takes any non-empty string.
const MAX_TEST_ID_LENGTH = 1024

/** Throws a TypeError unless `testId` is a non-empty string (the API's rule). */
function checkTestId(testId) {
  if (typeof testId !== 'string' || testId.length === 0) {
    throw new TypeError(`cov-als-native: a test id must be a non-empty string, got ${typeof testId === 'string' ? '""' : typeof testId}`)
  }
}

/** Whether a request may name `testId`: a non-empty string of at most MAX_TEST_ID_LENGTH characters. */
function isUsableTestId(testId) {
  return typeof testId === 'string' && testId !== '' && testId.length <= MAX_TEST_ID_LENGTH
}

/** The id as a header value (or baggage member, or cookie). */
function encodeForHeader(testId) {
  return encodeURIComponent(testId)
}

/** An id from a header value; a value that does not decode is taken as it is. */
function decodeFromHeader(raw) {
  try {
    return decodeURIComponent(raw)
  } catch {
    return raw
  }
}

function toNativeId(testId) {
  if (testId.isWellFormed() && testId[0] !== '\0') return testId
  return '\0' + escapeLone(testId)
}

function fromNativeId(key) {
  if (key[0] !== '\0') return key
  return key.slice(1).replace(/\\(\\|u([0-9a-f]{4}))/g, (_, esc, hex) => (hex ? String.fromCharCode(parseInt(hex, 16)) : '\\'))
}

// Escape backslashes and lone surrogates; valid surrogate pairs stay as they are.
function escapeLone(testId) {
  let out = ''
  for (let i = 0; i < testId.length; i++) {
    const c = testId.charCodeAt(i)
    const next = testId.charCodeAt(i + 1)
    if (c >= 0xd800 && c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      out += testId[i] + testId[i + 1]
      i++
    } else if (c >= 0xd800 && c <= 0xdfff) out += `\\u${c.toString(16)}`
    else if (c === 0x5c) out += '\\\\'
    else out += testId[i]
  }
  return out
}

module.exports = { MAX_TEST_ID_LENGTH, checkTestId, isUsableTestId, encodeForHeader, decodeFromHeader, toNativeId, fromNativeId }
