'use strict'
// Quotes: 10 or more items are "bulk" and get 10% off.
function quote(product, qty) {
  if (qty >= 10) return bulk(product, qty)
  return { id: product.id, qty, total: product.price * qty, kind: 'retail' }
}

function bulk(product, qty) {
  return { id: product.id, qty, total: Math.round(product.price * qty * 0.9), kind: 'bulk' }
}

module.exports = { quote }
