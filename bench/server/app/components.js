'use strict'
// A React component tree (no JSX, so it runs as-is) for the SSR workload.
const React = require('react')
const { CATEGORIES, priceOf } = require('./data')

const h = React.createElement

function Stars({ rating }) {
  const full = Math.floor(rating)
  const half = rating - full >= 0.5
  const stars = []
  for (let i = 0; i < 5; i++) {
    stars.push(h('span', { key: i, className: i < full ? 'star full' : i === full && half ? 'star half' : 'star' }, i < full ? '★' : '☆'))
  }
  return h('span', { className: 'stars', title: `${rating} / 5` }, stars)
}

function Badge({ kind, children }) {
  if (!children) return null
  return h('span', { className: `badge badge-${kind || 'info'}` }, children)
}

function Price({ item, user, currency }) {
  const p = priceOf(item, user, currency)
  return h(
    'div',
    { className: 'price' },
    h('strong', null, p.text),
    p.was ? h('del', null, p.was) : null,
    p.discount >= 20 ? h(Badge, { kind: 'sale' }, `-${p.discount}%`) : null,
  )
}

function Availability({ stock }) {
  if (stock <= 0) return h(Badge, { kind: 'danger' }, 'sold out')
  if (stock < 5) return h(Badge, { kind: 'warn' }, `only ${stock} left`)
  return h(Badge, { kind: 'ok' }, 'in stock')
}

function ProductCard({ item, user, currency, compact }) {
  return h(
    'li',
    { className: compact ? 'card compact' : 'card', 'data-id': item.id },
    h('a', { href: `/product/${item.slug}` }, h('h3', null, item.name)),
    h(Price, { item, user, currency }),
    compact ? null : h(Stars, { rating: item.rating }),
    compact ? null : h('small', null, `${item.reviews} reviews`),
    h(Availability, { stock: item.stock }),
    item.tags.length ? h('ul', { className: 'tags' }, item.tags.map((t) => h('li', { key: t }, t))) : null,
  )
}

function Nav({ current }) {
  return h(
    'nav',
    null,
    h('a', { href: '/', className: current ? undefined : 'active' }, 'all'),
    CATEGORIES.map((c) => h('a', { key: c, href: `/c/${c}`, className: c === current ? 'active' : undefined }, c)),
  )
}

function Pager({ page, pages, base }) {
  if (pages <= 1) return null
  const links = []
  for (let p = Math.max(1, page - 3); p <= Math.min(pages, page + 3); p++) {
    links.push(p === page ? h('b', { key: p }, String(p)) : h('a', { key: p, href: `${base}?page=${p}` }, String(p)))
  }
  return h('div', { className: 'pager' }, page > 1 ? h('a', { href: `${base}?page=${page - 1}` }, '‹') : null, links, page < pages ? h('a', { href: `${base}?page=${page + 1}` }, '›') : null)
}

function Header({ user }) {
  return h('header', null, h('h1', null, 'Bench shop'), user ? h('span', { className: 'user' }, `Hello, ${user.name}${user.member ? ' (member)' : ''}`) : h('a', { href: '/login' }, 'sign in'))
}

function Page({ result, category, user, currency, compact }) {
  const base = category ? `/c/${category}` : '/'
  return h(
    'html',
    null,
    h('head', null, h('title', null, category ? `Shop: ${category}` : 'Shop'), h('meta', { charSet: 'utf-8' })),
    h(
      'body',
      null,
      h(Header, { user }),
      h(Nav, { current: category }),
      h('main', null, h('p', null, `${result.total} products, page ${result.page} of ${result.pages}`), h('ul', { className: 'grid' }, result.items.map((item) => h(ProductCard, { key: item.id, item, user, currency, compact }))), h(Pager, { page: result.page, pages: result.pages, base })),
      h('footer', null, '© bench'),
    ),
  )
}

module.exports = { Page }
