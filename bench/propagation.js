'use strict'
// Downstream propagation: added CPU per outgoing request (http.request and
// global fetch) made inside a test, with propagation on (header + baggage
// added by lib/propagation.js) against off, side by side in one process:
// rounds alternate the sides (rotating order), each round gives one paired
// ratio. A third side: on, but to a host outside the allow-list (only the
// host check runs). The client's CPU only (process.cpuUsage); the sink that
// answers runs in a child process.
//
//   node bench/propagation.js [--quick]     (COV_ALS_BENCH_NODE24=<node> also runs it on Node 24)

const path = require('node:path')
const http = require('node:http')
const { spawn } = require('node:child_process')
const { runChild } = require('./lib/proc')
const { fmt, fmtRatio, fmtSpread, pairRatios, mdTable } = require('./lib/stats')

const quick = process.argv.includes('--quick')
const ROUNDS = quick ? 10 : 40
const PER_ROUND = quick ? 300 : 500
const CONCURRENCY = 8

function sink() {
  const server = http.createServer((req, res) => {
    req.resume()
    req.on('end', () => res.end('ok'))
  })
  server.keepAliveTimeout = 60000
  server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })))
}

function startSink() {
  const child = spawn(process.execPath, [__filename, '--sink'], { stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((resolve) => {
    child.stdout.once('data', (d) => resolve({ port: JSON.parse(String(d)).port, child }))
  })
}

async function client() {
  const cov = require('..')
  const { install } = require('../lib/server/propagation')
  const { port, child } = await startSink()
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY })
  const config = { header: 'x-cov-test-id', propagateHosts: ['loopback'] }
  const byHttp = (host) =>
    new Promise((resolve, reject) => {
      const req = http.request({ host, port, path: '/', agent }, (res) => {
        res.resume()
        res.on('end', resolve)
      })
      req.on('error', reject)
      req.end()
    })
  const byFetch = async (host) => {
    const res = await fetch(`http://${host}:${port}/`)
    await res.text()
  }
  // `n` requests, CONCURRENCY at a time, inside a test; returns µs of CPU per request.
  async function batch(send, host, n) {
    global.gc()
    const t0 = process.cpuUsage()
    await cov.run('bench test', async () => {
      let next = 0
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next++ < n) await send(host)
        }),
      )
    })
    const d = process.cpuUsage(t0)
    return (d.user + d.system) / n
  }
  // The not-allowed side: the same loopback sink, with an allow-list that does not name it.
  const sides = {
    off: { setup: () => null, host: '127.0.0.1' },
    on: { setup: () => install(cov, config), host: '127.0.0.1' },
    'on, host not allowed': { setup: () => install(cov, { ...config, propagateHosts: ['api.internal'] }), host: '127.0.0.1' },
  }
  const results = {}
  for (const [clientName, send] of [
    ['http.request', byHttp],
    ['fetch', byFetch],
  ]) {
    const out = (results[clientName] = Object.fromEntries(Object.keys(sides).map((k) => [k, []])))
    const names = Object.keys(sides)
    // warm-up
    for (const k of names) {
      const h = sides[k].setup()
      await batch(send, sides[k].host, 300)
      if (h) h.uninstall()
    }
    for (let r = 0; r < ROUNDS; r++) {
      const order = names.map((_, i) => names[(i + r) % names.length])
      for (const k of order) {
        const h = sides[k].setup()
        out[k].push(await batch(send, sides[k].host, PER_ROUND))
        if (h) h.uninstall()
      }
    }
  }
  agent.destroy()
  child.kill()
  console.log(JSON.stringify({ node: process.version, results, handlers: handlersAlone(cov, install, config) }))
}

// The added work alone: our two handlers called on requests built beforehand
// (real ClientRequests on an unconnected stream; undici-shaped requests),
// CPU ns per call, median of rounds.
function handlersAlone(cov, install, config) {
  const { PassThrough } = require('node:stream')
  const handle = install(cov, config)
  handle.uninstall()
  const N = quick ? 5000 : 20000
  const out = { 'http.request': [], fetch: [] }
  for (let r = 0; r < ROUNDS; r++) {
    const reqs = Array.from({ length: N }, () => {
      const q = http.request({ host: '127.0.0.1', port: 1, createConnection: () => new PassThrough(), headers: { accept: '*/*' } })
      q.on('error', () => {})
      return q
    })
    const undiciReqs = Array.from({ length: N }, () => ({
      origin: 'http://127.0.0.1:3201',
      headers: ['accept', '*/*', 'user-agent', 'node'],
      addHeader(k, v) {
        this.headers.push(k, v)
        return this
      },
    }))
    global.gc()
    let t0 = process.cpuUsage()
    cov.run('bench test', () => reqs.forEach((q) => handle.onClientRequest(q)))
    let d = process.cpuUsage(t0)
    out['http.request'].push(((d.user + d.system) * 1000) / N)
    t0 = process.cpuUsage()
    cov.run('bench test', () => undiciReqs.forEach((request) => handle.onUndiciRequest({ request })))
    d = process.cpuUsage(t0)
    out.fetch.push(((d.user + d.system) * 1000) / N)
    reqs.forEach((q) => q.destroy())
  }
  return out
}

async function main() {
  const nodes = [process.execPath]
  if (process.env.COV_ALS_BENCH_NODE24) nodes.push(process.env.COV_ALS_BENCH_NODE24)
  const rows = []
  const handlerRows = []
  for (const node of nodes) {
    const { lines } = await runChild(node, ['--expose-gc', __filename, '--client', ...(quick ? ['--quick'] : [])], { cwd: path.join(__dirname, '..') })
    const { node: version, results, handlers } = lines[0]
    for (const [clientName, ns] of Object.entries(handlers)) handlerRows.push([`${version} ${clientName}`, fmtSpread(ns, ' ns')])
    const mechanism = Number(version.slice(1).split('.')[0]) >= 22 ? 'diagnostics_channel' : 'wrapped request/get'
    for (const [clientName, sides] of Object.entries(results)) {
      const off = sides.off
      for (const side of ['on', 'on, host not allowed']) {
        const added = sides[side].map((v, i) => v - off[i])
        rows.push([
          `${version} ${clientName}${clientName === 'http.request' ? ` (${mechanism})` : ''}`,
          side,
          fmtSpread(off, ' µs'),
          fmtSpread(sides[side], ' µs'),
          fmtRatio(pairRatios(sides[side], off)),
          `${fmt(added.sort((a, b) => a - b)[added.length >> 1])} µs`,
        ])
      }
    }
  }
  console.log(
    `\nCPU per outgoing request inside a test (client process; ${ROUNDS} rounds x ${PER_ROUND} requests per side, ${CONCURRENCY} at a time, keep-alive)\n`,
  )
  console.log(mdTable(['node, client', 'side', 'off: CPU/request', 'side: CPU/request', 'side / off', 'added (median of rounds)'], rows))
  console.log(`\nOur handler alone (host check, header + baggage added), CPU per call, ${ROUNDS} rounds\n`)
  console.log(mdTable(['node, client', 'CPU per call'], handlerRows))
}

if (process.argv.includes('--sink')) sink()
else if (process.argv.includes('--client')) client()
else main()
