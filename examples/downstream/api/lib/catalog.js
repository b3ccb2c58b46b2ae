'use strict'
// The API's data: a fixed catalog (no caches, so a test's counts do not
// depend on which tests ran before it).
const PRODUCTS = [
  { id: 'shoes', name: 'Shoes', price: 50 },
  { id: 'socks', name: 'Socks', price: 5 },
  { id: 'hat', name: 'Hat', price: 20 },
]

function list() {
  return PRODUCTS.map((p) => ({ id: p.id, name: p.name }))
}

function find(id) {
  const product = PRODUCTS.find((p) => p.id === id)
  if (!product) return null
  return { ...product }
}

module.exports = { list, find }
