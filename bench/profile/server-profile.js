'use strict'
// Profile the SSR server under load with --cpu-prof for one variant and
// scenario, then print the self-time summary. Not part of `npm run bench`.
// node bench/profile/server-profile.js <plain|istanbul|v8|covals> <app|app+react> [seconds]
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawn } = require('node:child_process')
const autocannon = require('autocannon')
const { ROOT } = require('../lib/files')
const { summarize } = require('./cpuprofile-summary')

const [variant = 'covals', scenario = 'app+react', seconds = '5'] = process.argv.slice(2)
const { variantEnv, requests } = require('../server-bench')

;(async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-prof-'))
  const profDir = path.join(tmp, 'prof')
  const { env, args } = variantEnv(variant, scenario, tmp)
  const child = spawn(process.execPath, ['--cpu-prof', '--cpu-prof-dir', profDir, ...args, path.join(ROOT, 'bench/server/server.js')], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const port = await new Promise((resolve) => child.stdout.on('data', (d) => resolve(JSON.parse(String(d).split('\n')[0]).port)))
  const load = (sec) =>
    new Promise((resolve, reject) =>
      autocannon({ url: `http://127.0.0.1:${port}`, connections: 16, duration: sec, requests: requests() }, (e, r) => (e ? reject(e) : resolve(r))),
    )
  await load(2) // warm-up, not summarized
  const from = Number(process.hrtime.bigint() / 1000n)
  const r = await load(Number(seconds))
  const to = Number(process.hrtime.bigint() / 1000n)
  console.log(`${r.requests.total} requests in the window`)
  child.kill('SIGTERM')
  await new Promise((r) => child.on('exit', r))
  const file = fs.readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'))
  const out = process.argv[5] || path.join(os.tmpdir(), `cov-als-${variant}-${scenario}.cpuprofile`)
  fs.copyFileSync(path.join(profDir, file), out)
  fs.writeFileSync(out + '.window.json', JSON.stringify({ from, to, requests: r.requests.total, variant, scenario, node: process.version }))
  const { total, rows } = summarize(out, 30, from, to)
  console.log(`${variant} / ${scenario}: profile ${out}, total sampled ${(total / 1000).toFixed(0)} ms`)
  for (const r of rows) console.log(`${r.pct.toFixed(1).padStart(5)}%  ${r.ms.toFixed(0).padStart(6)} ms  ${r.fn}`)
  fs.rmSync(tmp, { recursive: true, force: true })
})()
