'use strict'
// The SSR request handler: parse the URL, query, render a React tree to a string.
const React = require('react')
const { renderToString } = require('react-dom/server')
const { query } = require('./data')
const { Page } = require('./components')

function parse(url) {
  const u = new URL(url, 'http://bench.local')
  const m = /^\/c\/([a-z]+)/.exec(u.pathname)
  return {
    category: m ? m[1] : undefined,
    page: Number(u.searchParams.get('page') || 1),
    sort: u.searchParams.get('sort') || 'id',
    currency: u.searchParams.get('cur') || 'USD',
    user: u.searchParams.get('user') ? { name: u.searchParams.get('user'), member: u.searchParams.get('member') === '1' } : null,
    compact: u.searchParams.get('compact') === '1',
    inStockOnly: u.searchParams.get('stock') === '1',
  }
}

function handle(req, res) {
  const p = parse(req.url)
  const result = query({ category: p.category, sort: p.sort, page: p.page, perPage: 24, inStockOnly: p.inStockOnly })
  const html = '<!doctype html>' + renderToString(React.createElement(Page, { result, category: p.category, user: p.user, currency: p.currency, compact: p.compact }))
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html) })
  res.end(html)
}

module.exports = { handle }
