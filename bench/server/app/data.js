'use strict'
// Deterministic catalog data and the small business logic an SSR page runs.

const CATEGORIES = ['shoes', 'shirts', 'hats', 'bags', 'socks', 'coats', 'belts', 'gloves']
const ADJECTIVES = ['classic', 'modern', 'light', 'heavy', 'premium', 'basic', 'vintage', 'sport']

function seeded(seed) {
  let x = seed >>> 0 || 1
  return () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) / 4294967296
  }
}

function makeCatalog(n) {
  const rnd = seeded(42)
  const items = []
  for (let i = 0; i < n; i++) {
    const category = CATEGORIES[i % CATEGORIES.length]
    const adjective = ADJECTIVES[Math.floor(rnd() * ADJECTIVES.length)]
    items.push({
      id: i + 1,
      slug: `${adjective}-${category}-${i + 1}`,
      name: `${adjective[0].toUpperCase()}${adjective.slice(1)} ${category.slice(0, -1)} #${i + 1}`,
      category,
      price: Math.round((5 + rnd() * 195) * 100) / 100,
      stock: Math.floor(rnd() * 40) - 5,
      rating: Math.round(rnd() * 50) / 10,
      reviews: Math.floor(rnd() * 500),
      tags: ADJECTIVES.filter(() => rnd() > 0.7),
      onSale: rnd() > 0.75,
    })
  }
  return items
}

const CATALOG = makeCatalog(400)

function discountFor(item, user) {
  let pct = 0
  if (item.onSale) pct += 15
  if (user && user.member) pct += item.price > 100 ? 10 : 5
  if (item.stock > 30) pct += 5
  else if (item.stock <= 0) pct = 0
  return Math.min(pct, 40)
}

function formatPrice(cents, currency) {
  const value = (cents / 100).toFixed(2)
  switch (currency) {
    case 'EUR':
      return `${value.replace('.', ',')} €`
    case 'GBP':
      return `£${value}`
    default:
      return `$${value}`
  }
}

function priceOf(item, user, currency) {
  const discount = discountFor(item, user)
  const cents = Math.round(item.price * 100 * (1 - discount / 100))
  return { discount, text: formatPrice(cents, currency), was: discount ? formatPrice(Math.round(item.price * 100), currency) : null }
}

function query({ category, sort, page, perPage, inStockOnly }) {
  let list = category ? CATALOG.filter((p) => p.category === category) : CATALOG.slice()
  if (inStockOnly) list = list.filter((p) => p.stock > 0)
  switch (sort) {
    case 'price':
      list.sort((a, b) => a.price - b.price)
      break
    case 'rating':
      list.sort((a, b) => b.rating - a.rating || a.id - b.id)
      break
    default:
      list.sort((a, b) => a.id - b.id)
  }
  const pages = Math.max(1, Math.ceil(list.length / perPage))
  const current = Math.min(Math.max(1, page), pages)
  return { items: list.slice((current - 1) * perPage, current * perPage), page: current, pages, total: list.length }
}

module.exports = { CATEGORIES, CATALOG, query, priceOf, discountFor, formatPrice }
