'use strict'
// The benchmark server: a plain http handler rendering a React tree.
// GET /__bench/stats answers the server's CPU time and request count, so the
// load generator can compute CPU per request over a measured window.
const http = require('node:http')
const { handle } = require('./app/handler')

let served = 0
const server = http.createServer((req, res) => {
  if (req.url === '/__bench/stats') {
    const body = JSON.stringify({
      cpu: process.cpuUsage(),
      served,
      rss: process.memoryUsage().rss,
      istanbulFiles: Object.keys(globalThis.__coverage__ || {}).length,
    })
    res.writeHead(200, { 'content-type': 'application/json' })
    return res.end(body)
  }
  served++
  handle(req, res)
})
server.keepAliveTimeout = 30_000
server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ port: server.address().port, pid: process.pid }))
})
// Bounded life: never outlive the benchmark by more than 10 minutes.
setTimeout(() => process.exit(0), 600_000).unref()
process.on('SIGTERM', () => {
  server.close()
  server.closeAllConnections()
  setImmediate(() => process.exit(0))
})
