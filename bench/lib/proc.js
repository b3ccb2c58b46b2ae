'use strict'
// Run a child process and collect its JSON-lines output.
const { spawn } = require('node:child_process')

function runChild(cmd, args, { env, timeoutMs = 600_000, cwd } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (err += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      if (code !== 0) return reject(new Error(`${cmd} ${args.join(' ')} exited ${code ?? signal}\n${err.slice(-4000)}`))
      const lines = out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l))
      resolve({ lines, stderr: err })
    })
  })
}

module.exports = { runChild }
