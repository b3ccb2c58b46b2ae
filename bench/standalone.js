'use strict'
// `node bench/standalone.js [--rounds N] [--webpack] [--no-build]`
// Startup and first-request time of the Next example's standalone server
// (`node server.js`, `output: 'standalone'`) without the preload, with it,
// and with it but `sourceMaps` off (what instrumentation costs without the
// map look-ups). Sides alternate round by round in rotating order; each
// round gives one paired ratio; the table shows median (min-max).
//   ready: spawn -> first 200 answer to /about (prerendered: no app code)
//   first request: GET /products/shoes right after (loads and instruments
//   the page's chunks, finding their maps in the build: the lazy look-up)

const path = require('node:path')
const fs = require('node:fs')
const next = require('../__test__/support/next-app')

const args = process.argv.slice(2)
const rounds = Number(args[args.indexOf('--rounds') + 1]) || 5
const builder = args.includes('--webpack') ? 'webpack' : 'turbopack'
const distDir = next.DIST_DIR[builder]

const SIDES = {
  'no preload': { preload: false, env: {} },
  preload: { preload: true, env: { COV_ALS: '1' } },
  'preload, sourceMaps off': { preload: true, env: { COV_ALS: '1', COV_ALS_SOURCE_MAPS: '0' } },
}

async function once(side, outDir) {
  const { preload, env } = SIDES[side]
  const server = await next.startApp({
    mode: 'standalone',
    distDir,
    preload,
    readyPath: '/about',
    env: { ...env, COV_ALS_ROOT: next.APP, COV_ALS_INCLUDE: 'app/**,lib/**', COV_ALS_OUT_DIR: outDir, COV_ALS_WRITE_ON_EXIT: '0' },
  })
  try {
    const t0 = process.hrtime.bigint()
    const res = await next.send(server.url + '/products/shoes')
    const firstMs = Number(process.hrtime.bigint() - t0) / 1e6
    if (res.status !== 200) throw new Error(`${side}: /products/shoes answered ${res.status}`)
    return { readyMs: server.readyMs, firstMs }
  } finally {
    await server.stop()
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const fmt = (xs, digits = 2) => `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`

async function main() {
  if (args.includes('--no-build')) {
    if (!fs.existsSync(path.join(next.APP, distDir, 'BUILD_ID'))) throw new Error(`--no-build: no build in ${distDir}`)
  } else {
    console.log(`next build (${builder}, output: 'standalone') into examples/next-rsc/${distDir}`)
    next.buildStandalone(builder)
  }
  const outDir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'cov-als-bench-standalone-'))
  const names = Object.keys(SIDES)
  const results = Object.fromEntries(names.map((n) => [n, []]))
  // One unmeasured start first: file system caches.
  await once('no preload', outDir)
  for (let r = 0; r < rounds; r++) {
    const order = names.map((_, i) => names[(i + r) % names.length])
    for (const side of order) results[side].push(await once(side, outDir))
  }
  fs.rmSync(outDir, { recursive: true, force: true })
  const base = results['no preload']
  console.log(`\n${builder}, ${rounds} rounds (median (min–max))\n`)
  console.log('| side | ready ms | first request ms | ready / no preload | first request / no preload |')
  console.log('| --- | ---: | ---: | ---: | ---: |')
  for (const side of names) {
    const xs = results[side]
    const ready = xs.map((x, i) => x.readyMs / base[i].readyMs)
    const first = xs.map((x, i) => x.firstMs / base[i].firstMs)
    console.log(
      `| ${side} | ${fmt(
        xs.map((x) => x.readyMs),
        0,
      )} | ${fmt(
        xs.map((x) => x.firstMs),
        0,
      )} | ${fmt(ready)}x | ${fmt(first)}x |`,
    )
  }
}

main().catch((err) => {
  console.error(err.stack || err.message)
  process.exitCode = 1
})
