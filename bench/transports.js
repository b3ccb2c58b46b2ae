'use strict'
// Transports (issue 23): the server's CPU per WebSocket message with the
// preload against without, side by side. Three server processes run the
// same app (bench/transports/server.js): plain node; the preload with every
// connection's handshake naming a test; the preload with connections outside
// any test (startup). The client (this process) holds CONNECTIONS open
// connections per server and sends round trips on all of them; rounds
// alternate the servers in rotating order, and each round gives one paired
// ratio per side. CPU is each server's own (process.cpuUsage, read over
// HTTP before and after the batch).
//
//   node bench/transports.js [--quick]

const path = require('node:path')
const { spawn } = require('node:child_process')
const WebSocket = require('ws')
const { io } = require('socket.io-client')
const { fmt, fmtRatio, fmtSpread, pairRatios, mdTable } = require('./lib/stats')

const quick = process.argv.includes('--quick')
const ROUNDS = quick ? 8 : 30
const PER_ROUND = quick ? 2000 : 5000
const CONNECTIONS = 50
const APP = path.join(__dirname, 'transports')
const REPO = path.join(__dirname, '..')

function start(preload) {
  const args = [...(preload ? ['--require', path.join(REPO, 'register.js')] : []), path.join(APP, 'server.js')]
  const env = {
    ...process.env,
    NODE_OPTIONS: '',
    COV_ALS: preload ? '1' : '0',
    COV_ALS_ROOT: APP,
    COV_ALS_INCLUDE: 'handler.js',
    COV_ALS_OUT_DIR: path.join(REPO, 'bench/results/transports-cov'),
  }
  const child = spawn(process.execPath, args, { cwd: APP, env, stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((resolve) => child.stdout.once('data', (d) => resolve({ port: JSON.parse(String(d)).port, child })))
}

async function cpuOf(port) {
  const res = await fetch(`http://127.0.0.1:${port}/cpu`)
  return (await res.json()).cpu
}

// CONNECTIONS open connections of `kind` to `port`; `roundTrip(i)` sends one message on connection i and waits for the answer.
async function connect(kind, port, testId) {
  const headers = testId ? { 'x-cov-test-id': testId } : {}
  if (kind === 'ws') {
    const sockets = await Promise.all(
      Array.from({ length: CONNECTIONS }, () => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers })
        return new Promise((resolve, reject) => (ws.once('open', () => resolve(ws)), ws.once('error', reject)))
      }),
    )
    return {
      roundTrip: (i, text) => new Promise((resolve) => (sockets[i].once('message', resolve), sockets[i].send(text))),
      close: () => sockets.forEach((s) => s.close()),
    }
  }
  const sockets = await Promise.all(
    Array.from({ length: CONNECTIONS }, () => {
      const s = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], extraHeaders: headers, forceNew: true, reconnection: false })
      return new Promise((resolve, reject) => (s.once('connect', () => resolve(s)), s.once('connect_error', reject)))
    }),
  )
  return { roundTrip: (i, text) => sockets[i].emitWithAck('work', text), close: () => sockets.forEach((s) => s.disconnect()) }
}

// `n` round trips spread over every connection; the server's CPU µs per message.
async function batch(port, conn, n) {
  const t0 = await cpuOf(port)
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async (_, i) => {
      for (let k = i; k < n; k += CONNECTIONS) await conn.roundTrip(i, k % 3 ? 'ping' : 'pong!')
    }),
  )
  return ((await cpuOf(port)) - t0) / n
}

async function main() {
  const sides = { plain: { preload: false }, 'preload, in a test': { preload: true, testId: 'bench test' }, 'preload, no test': { preload: true } }
  const names = Object.keys(sides)
  for (const name of names) Object.assign(sides[name], await start(sides[name].preload))
  const rows = []
  try {
    for (const kind of ['ws', 'socket.io']) {
      const conns = {}
      for (const name of names) conns[name] = await connect(kind, sides[name].port, sides[name].testId)
      for (const name of names) await batch(sides[name].port, conns[name], 1000) // warm-up
      const cpu = Object.fromEntries(names.map((n) => [n, []]))
      for (let r = 0; r < ROUNDS; r++) {
        for (const name of names.map((_, i) => names[(i + r) % names.length])) cpu[name].push(await batch(sides[name].port, conns[name], PER_ROUND))
      }
      for (const name of names) conns[name].close()
      // The in-a-test side did count its messages for the test (not startup).
      const peek = await fetch(`http://127.0.0.1:${sides['preload, in a test'].port}/__cov/peek`, {
        method: 'POST',
        body: JSON.stringify({ testId: 'bench test' }),
      })
      const handler = Object.values((await peek.json()).coverage).find((f) => f.path.endsWith('handler.js'))
      const counted = handler ? handler.f[Object.keys(handler.fnMap).find((k) => handler.fnMap[k].name === 'onMessage')] : 0
      if (counted < ROUNDS * PER_ROUND) throw new Error(`${kind}: the test counted ${counted} messages, expected at least ${ROUNDS * PER_ROUND}`)
      for (const name of names.slice(1)) {
        const added = cpu[name].map((v, i) => v - cpu.plain[i]).sort((a, b) => a - b)
        rows.push([
          kind,
          name,
          fmtSpread(cpu.plain, ' µs'),
          fmtSpread(cpu[name], ' µs'),
          fmtRatio(pairRatios(cpu[name], cpu.plain)),
          `${fmt(added[added.length >> 1])} µs`,
        ])
      }
    }
  } finally {
    for (const name of names) sides[name].child.kill()
  }
  console.log(
    `\nServer CPU per WebSocket message (${process.version}; ${ROUNDS} rounds x ${PER_ROUND} round trips per side over ${CONNECTIONS} open connections)\n`,
  )
  console.log(mdTable(['transport', 'side', 'plain: CPU/message', 'side: CPU/message', 'side / plain (median, min–max)', 'added (median of rounds)'], rows))
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
