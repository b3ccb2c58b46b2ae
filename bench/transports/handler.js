'use strict'
// The per-message work of the transports bench: small, so that what the
// preload adds per message (the bound emit, counting) is not drowned out.

function onMessage(text) {
  const n = text.length
  return n % 2 === 0 ? evenReply(n) : oddReply(n)
}

function evenReply(n) {
  return `even ${n}`
}

function oddReply(n) {
  return `odd ${n}`
}

module.exports = { onMessage }
