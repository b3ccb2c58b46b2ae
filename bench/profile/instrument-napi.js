'use strict'
// Profile target: cov-als-native instrument() of one file, N times (fresh paths).
// Used with `perf record` to see where the napi path spends its time.
const fs = require('node:fs')
const cov = require('../..')
const file = process.argv[2]
const n = Number(process.argv[3] || 3)
const src = fs.readFileSync(file, 'utf8')
for (let i = 0; i < n; i++) {
  const t0 = process.hrtime.bigint()
  cov.instrument(src, `${file}.${i}.js`, { sourceType: 'commonjs' })
  console.log(`instrument ${i}: ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(1)} ms`)
}
