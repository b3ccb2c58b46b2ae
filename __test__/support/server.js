'use strict'
// Start fixture servers in child processes (with or without the preload) and
// talk to them over loopback.

const { spawn } = require('node:child_process')
const http = require('node:http')
const path = require('node:path')

const REPO = path.resolve(__dirname, '../..')

/** Start `script` (cwd `root`) after `nodeArgs`; resolves once it prints `{"port": N}`. */
function startServer(script, { root, env = {}, preload = true, nodeArgs = [] } = {}) {
  const args = [...(preload ? ['--require', path.join(REPO, 'register.js')] : []), ...nodeArgs, script]
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, NODE_PATH: path.join(REPO, 'node_modules'), NODE_OPTIONS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (d) => (stderr += d))
  return new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`server ${script} did not start: ${stderr}`)), 20000)
    child.stdout.on('data', (d) => {
      out += d
      const line = out.split('\n').find((l) => l.startsWith('{"port"'))
      if (line) {
        clearTimeout(timer)
        resolve({
          port: JSON.parse(line).port,
          // Everything else the server printed on that line (more ports).
          info: JSON.parse(line),
          child,
          stderr: () => stderr,
          stop: () => stop(child),
        })
      }
    })
    child.on('exit', (code) => reject(new Error(`server ${script} exited with ${code}: ${stderr}`)))
  })
}

function stop(child) {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode)
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve(signal || code))
    child.kill('SIGTERM')
  })
}

/** One HTTP request; resolves `{ status, body, json }` (fails after `timeoutMs` when given). */
function request(port, { method = 'GET', path: p = '/', headers = {}, body, agent, timeoutMs } = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body)
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: p,
        agent,
        headers: { ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}), ...headers },
      },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (c) => (text += c))
        res.on('end', () => {
          let json
          try {
            json = JSON.parse(text)
          } catch {}
          resolve({ status: res.statusCode, headers: res.headers, body: text, json })
        })
      },
    )
    req.on('error', reject)
    if (timeoutMs) req.setTimeout(timeoutMs, () => req.destroy(new Error(`timeout: ${method} ${p}`)))
    if (data) req.write(data)
    req.end()
  })
}

/** Flush a test through the control protocol; resolves the coverage map. */
async function flush(port, testId, agent) {
  const r = await request(port, { method: 'POST', path: '/__cov/flush', body: { testId }, agent })
  if (r.status !== 200) throw new Error(`flush ${testId}: ${r.status} ${r.body}`)
  return r.json
}

/** A port nothing listens on now (127.0.0.1), for a server a test starts. */
function freePort() {
  const net = require('node:net')
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

module.exports = { startServer, request, flush, freePort, REPO }
