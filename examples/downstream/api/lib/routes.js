'use strict'
// The API's routes: JSON over plain http.
const cluster = require('node:cluster')
const catalog = require('./catalog')
const { quote } = require('./pricing')

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json', 'x-api-worker': String(cluster.worker ? cluster.worker.id : 0) })
  res.end(JSON.stringify(body))
}

function handle(req, res) {
  const url = new URL(req.url, 'http://api')
  const product = url.pathname.match(/^\/api\/products\/([\w-]+)$/)
  if (url.pathname === '/api/products') return send(res, 200, catalog.list())
  if (product) {
    const found = catalog.find(product[1])
    return found ? send(res, 200, found) : send(res, 404, { error: `no product ${product[1]}` })
  }
  if (url.pathname === '/api/quote') {
    const found = catalog.find(url.searchParams.get('id'))
    if (!found) return send(res, 404, { error: 'no such product' })
    return send(res, 200, quote(found, Number(url.searchParams.get('qty') || 1)))
  }
  send(res, 404, { error: 'not found' })
}

module.exports = { handle }
