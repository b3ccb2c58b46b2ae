'use strict'
// The transports bench's server (bench/transports.js starts it with and
// without the preload): raw ws on /ws and socket.io (WebSocket transport)
// on one http server; GET /cpu answers this process's CPU time so far (µs).
const http = require('node:http')
const { WebSocketServer } = require('ws')
const { Server } = require('socket.io')
const { onMessage } = require('./handler')

const server = http.createServer((req, res) => {
  const { user, system } = process.cpuUsage()
  res.end(JSON.stringify({ cpu: user + system }))
})
const wss = new WebSocketServer({ noServer: true })
server.on('upgrade', (req, socket, head) => {
  if (req.url.startsWith('/ws')) wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req))
})
wss.on('connection', (ws) => ws.on('message', (data) => ws.send(onMessage(String(data)))))
const io = new Server(server, { transports: ['websocket'], destroyUpgrade: false })
io.on('connection', (socket) => socket.on('work', (text, ack) => ack(onMessage(text))))
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })))
