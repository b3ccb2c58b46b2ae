'use strict'
// A product page with live features: stock over a raw WebSocket (ws) and a
// wave to other shoppers over socket.io (long-polling, then upgraded to a
// WebSocket). The app does nothing for coverage: the preload scopes each
// connection to the test its handshake names (docs/transports.md).
const http = require('node:http')
const { WebSocketServer } = require('ws')
const { Server } = require('socket.io')
const stock = require('./stock')

const page = (product) => `<!doctype html><html><body>
<h1>${product}</h1><p id="stock">connecting</p><button id="reserve" disabled>Reserve</button>
<p id="transport"></p><button id="wave" disabled>Wave</button><p id="waved"></p>
<script src="/socket.io/socket.io.js"></script>
<script>
const product = ${JSON.stringify(product)}
const $ = (id) => document.getElementById(id)
const live = new WebSocket('ws://' + location.host + '/live?product=' + encodeURIComponent(product))
live.onopen = () => ($('reserve').disabled = false)
live.onmessage = (e) => ($('stock').textContent = e.data)
$('reserve').onclick = () => live.send('reserve')
const socket = io({ query: { product } })
// The wave waits for the WebSocket; under load the upgrade can finish before 'connect'.
const showTransport = (name) => (($('transport').textContent = name), ($('wave').disabled = name !== 'websocket'))
socket.on('connect', () => {
  showTransport(socket.io.engine.transport.name)
  socket.io.engine.once('upgrade', (t) => showTransport(t.name))
})
$('wave').onclick = () => socket.emit('wave', (text) => ($('waved').textContent = text))
</script></body></html>`

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x')
  if (url.pathname.startsWith('/product/')) {
    res.writeHead(200, { 'content-type': 'text/html' })
    return res.end(page(decodeURIComponent(url.pathname.slice(9))))
  }
  res.writeHead(404)
  res.end('not found')
})

// ws on /live only; socket.io takes its own path on the same server.
const live = new WebSocketServer({ noServer: true })
server.on('upgrade', (req, socket, head) => {
  if (new URL(req.url, 'http://x').pathname === '/live') live.handleUpgrade(req, socket, head, (ws) => live.emit('connection', ws, req))
})
live.on('connection', (ws, req) => {
  const session = stock.openStock(new URL(req.url, 'http://x').searchParams.get('product'))
  ws.send(stock.label(session))
  ws.on('message', () => ws.send(stock.reserve(session)))
})

const io = new Server(server, { destroyUpgrade: false })
io.on('connection', (socket) => {
  const product = String(socket.handshake.query.product)
  socket.join(product)
  socket.on('wave', (answer) => answer(stock.wave(product, io.sockets.adapter.rooms.get(product)?.size ?? 0)))
})

server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })))
