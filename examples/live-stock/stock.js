'use strict'
// The live part of a product page: its stock, pushed over a WebSocket as the
// shopper reserves items, and who else is looking (socket.io). Each
// connection keeps its own count, so parallel tests do not share state.

const STOCK = { shoes: 5, hat: 3, scarf: 1 }

function openStock(product) {
  return { product, left: STOCK[product] ?? 0 }
}

function reserve(session) {
  if (session.left === 0) return soldOut(session)
  session.left--
  return label(session)
}

function label(session) {
  if (session.left === 0) return 'sold out'
  return session.left < 3 ? `only ${session.left} left` : `${session.left} in stock`
}

function soldOut(session) {
  return `${session.product} is sold out`
}

// socket.io: a shopper waves at the others looking at the same product.
function wave(product, viewers) {
  return viewers > 1 ? `${viewers} shoppers are looking at ${product}` : `you are the only one looking at ${product}`
}

module.exports = { openStock, reserve, label, soldOut, wave }
