'use strict'
// The API service: a node:cluster of API_WORKERS workers (settings.js: 2) sharing
// API_PORT on 127.0.0.1. Started with the preload
// (`node --require cov-als-native/register api/server.js`); the workers
// inherit it through the primary's execArgv.
const cluster = require('node:cluster')
const http = require('node:http')

const WORKERS = Number(process.env.API_WORKERS || 2)
const PORT = Number(process.env.API_PORT || 3201)

if (cluster.isPrimary) {
  let listening = 0
  let stopping = false
  for (let i = 0; i < WORKERS; i++) cluster.fork()
  cluster.on('listening', () => {
    if (++listening === WORKERS) console.log(JSON.stringify({ port: PORT, workers: WORKERS }))
  })
  cluster.on('exit', (worker, code, signal) => {
    if (!stopping) console.error(`api worker ${worker.id} exited (${signal || code})`)
  })
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      stopping = true
      for (const worker of Object.values(cluster.workers)) worker.process.kill(signal)
      process.exitCode = 0
    })
  }
} else {
  const { handle } = require('./lib/routes')
  http.createServer(handle).listen(PORT, '127.0.0.1')
}
