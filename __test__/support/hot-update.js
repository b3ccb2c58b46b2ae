'use strict'
// A hot update in the middle of a running suite (issue 22): once the server
// has a test in flight, a source file is edited in place (same length, the
// same statements, so the new version's maps agree with the old one's and
// counts of both versions add up, docs/vite.md), and the suite goes on
// against the new version. The server runs with COV_ALS_DEBUG=1, so
// cov-als-native/vite says when the new version supersedes the old one.

const assert = require('node:assert/strict')
const fs = require('node:fs')
const { spawn } = require('node:child_process')
const { send } = require('./differential')

/** Spawn and collect: { output(), done: Promise<{ status, output }> }, killed after `timeout` ms. */
function spawnCollect(cmd, args, { timeout, ...options }) {
  const child = spawn(cmd, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (d) => (output += d))
  child.stderr.on('data', (d) => (output += d))
  const timer = setTimeout(() => child.kill('SIGKILL'), timeout)
  const done = new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      resolve({ status: code, signal, output })
    }),
  )
  return { output: () => output, done }
}

/**
 * Edit `file` (`edit(text)`) once `base` has a test in flight, then request
 * `touch` (no test id: startup's) until the server loaded the new version, in
 * case no test asks for it first. The edited module and those importing it
 * must have no module-level statements: they evaluate again on the first
 * request, whoever sends it.
 */
async function hotUpdate(run, { base, file, edit, touch }) {
  const original = fs.readFileSync(file, 'utf8')
  const edited = edit(original)
  assert.ok(edited !== original && edited.length === original.length, `a same-length edit of ${file}`)
  let finished = false
  run.done.then(() => (finished = true))
  const pause = () => new Promise((r) => setTimeout(r, 50))
  let inFlight = []
  while (!finished && inFlight.length === 0) {
    try {
      inFlight = JSON.parse((await send(base, { path: '/__cov/tests' })).body).tests.filter((t) => t !== 'startup')
    } catch {}
    if (inFlight.length === 0) await pause()
  }
  assert.ok(inFlight.length > 0, 'the suite ended before any test was in flight')
  fs.writeFileSync(file, edited)
  const superseded = new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: a new version \\(file id \\d+\\) supersedes`)
  while (!finished && !superseded.test(run.output())) {
    await send(base, { path: touch }).catch(() => {})
    await pause()
  }
  return { inFlight, original, superseded: superseded.test(run.output()) }
}

module.exports = { spawnCollect, hotUpdate }
