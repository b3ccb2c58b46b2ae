'use strict'
// The frontend: a plain http server on FRONTEND_PORT (127.0.0.1) rendering
// pages from the API at API_URL. Started with the preload
// (`node --require cov-als-native/register frontend/server.js`).
const fs = require('node:fs')
const http = require('node:http')
const path = require('node:path')
const pages = require('./lib/pages')

const PORT = Number(process.env.FRONTEND_PORT || 3200)
const CLIENT_JS = fs.readFileSync(path.join(__dirname, 'public/client.js'))

async function route(url) {
  if (url.pathname === '/') return pages.home()
  const product = url.pathname.match(/^\/product\/([\w-]+)$/)
  if (product) return pages.product(product[1])
  if (url.pathname === '/compare') return pages.compare((url.searchParams.get('ids') || '').split(',').filter(Boolean))
  if (url.pathname === '/quote') return pages.quote(url.searchParams.get('id'), Number(url.searchParams.get('qty') || 1))
  return { status: 404, html: 'not found' }
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://frontend')
  if (url.pathname === '/client.js') {
    res.writeHead(200, { 'content-type': 'text/javascript' })
    return res.end(CLIENT_JS)
  }
  try {
    const page = await route(url)
    if (page.json) {
      res.writeHead(page.status, { 'content-type': 'application/json' })
      return res.end(JSON.stringify(page.json))
    }
    res.writeHead(page.status, { 'content-type': 'text/html; charset=utf-8' })
    res.end(page.html)
  } catch (err) {
    res.writeHead(502, { 'content-type': 'text/plain' })
    res.end(`API call failed: ${err.message}`)
  }
})
server.listen(PORT, '127.0.0.1', () => console.log(JSON.stringify({ port: PORT })))
