'use strict'
// The function entry's shape, without a server in the way: the bench's SSR
// page (bench/server/app, React 19) rendered N times in one process, inside 16
// test contexts, for each variant of bench/server-bench.js (same files, same
// preloads), alternating round by round. µs per render (median), and each
// variant against istanbul. Before/after pairs: covals-base with
// COV_ALS_BENCH_BASELINE=<a built checkout>, as for the server bench.
// node bench/profile/entry-shape.js [--node=24] [--rounds=3] [--renders=20000] [--variants=plain,istanbul,covals] [--scenario=app+react]
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { execFileSync } = require('node:child_process')
const { pairRatios, fmtRatio, fmtSpread } = require('../lib/stats')

const URLS = ['/', '/c/shoes?page=2&sort=price', '/c/hats?sort=rating&user=bo&member=1', '/?page=3&cur=EUR']

function renderLoop(renders) {
  const { handle } = require('../server/app/handler')
  const runtime = globalThis.__cov_als_native__
  const res = { writeHead() {}, end() {} }
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < renders; i++) {
    const go = () => handle({ url: URLS[i & 3] }, res)
    if (runtime) runtime.api.run(`test ${i & 15}`, go)
    else go()
  }
  return Number(process.hrtime.bigint() - t0) / renders / 1000
}

function main() {
  const arg = (k, d) => (process.argv.find((a) => a.startsWith(`--${k}=`)) || `=${d}`).split('=')[1]
  const { variantEnv } = require('../server-bench')
  const { nodeBin } = require('../lib/node-lines')
  const bin = nodeBin(arg('node', '')) || process.execPath
  const variants = arg('variants', 'plain,istanbul,covals').split(',')
  const rounds = Number(arg('rounds', 3))
  const scenario = arg('scenario', 'app+react')
  const renders = arg('renders', 20000)
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-entry-shape-'))
  const times = Object.fromEntries(variants.map((v) => [v, []]))
  try {
    for (let r = 0; r < rounds; r++) {
      const order = variants.map((_, i) => variants[(i + r) % variants.length])
      for (const v of order) {
        const { env, args } = variantEnv(v, scenario, tmp)
        const out = execFileSync(bin, [...args, __filename, '--child', renders], { env, encoding: 'utf8' })
        times[v].push(Number(out.trim()))
        console.error(`  entry-shape ${scenario} round ${r + 1}/${rounds} ${v}: ${times[v][r].toFixed(1)} µs/render`)
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true })
  }
  console.log(`Node ${execFileSync(bin, ['-v'], { encoding: 'utf8' }).trim()}, ${scenario}, ${renders} renders per round, ${rounds} rounds`)
  for (const v of variants) {
    const vsIst = times.istanbul ? `, vs istanbul ${fmtRatio(pairRatios(times[v], times.istanbul))}` : ''
    console.log(`${v.padEnd(12)} ${fmtSpread(times[v], ' µs/render')}${vsIst}`)
  }
}

if (process.argv[2] === '--child') console.log(renderLoop(Number(process.argv[3])))
else main()
