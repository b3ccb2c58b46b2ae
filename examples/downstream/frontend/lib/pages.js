'use strict'
// The frontend's pages, rendered on the server from the API's answers.
const { getWithHttp, getWithFetch } = require('./api')

function layout(title, body) {
  // data: favicon: no /favicon.ico request racing the end of a test.
  return `<!doctype html><html><head><title>${title}</title><link rel="icon" href="data:,"></head><body>${body}<script src="/client.js"></script></body></html>`
}

async function home() {
  const { body: products } = await getWithHttp('/api/products')
  const items = products.map((p) => `<li><a href="/product/${p.id}">${p.name}</a></li>`).join('')
  return {
    status: 200,
    html: layout('Shop', `<h1>Shop</h1><ul id="products">${items}</ul><button id="quote">Quote 12 shoes</button><p id="quote-result"></p>`),
  }
}

async function product(id) {
  const { status, body } = await getWithFetch(`/api/products/${encodeURIComponent(id)}`)
  if (status === 404) return notFound(id)
  return { status: 200, html: layout(body.name, `<h1>${body.name}</h1><p id="price">${body.price}</p>`) }
}

function notFound(id) {
  return { status: 404, html: layout('Not found', `<h1 id="missing">No product ${id}</h1>`) }
}

async function compare(ids) {
  const answers = await Promise.all(ids.map((id) => getWithHttp(`/api/products/${encodeURIComponent(id)}`, { fresh: true })))
  const rows = answers.map((a) => `<tr><td>${a.body.name}</td><td>${a.body.price}</td></tr>`).join('')
  const workers = [...new Set(answers.map((a) => a.worker))].sort()
  return { status: 200, html: layout('Compare', `<table id="compare">${rows}</table><p id="workers">${workers.join(',')}</p>`) }
}

async function quote(id, qty) {
  const { status, body } = await getWithFetch(`/api/quote?id=${encodeURIComponent(id)}&qty=${qty}`)
  return { status, json: body }
}

module.exports = { home, product, compare, quote }
