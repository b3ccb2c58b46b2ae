'use strict'
// Where the function-entry lookup's time goes: AsyncLocalStorage.getStore()
// alone vs the runtime's full resolver, vs a plain property read, in a loop
// inside als.run / cov.run. Not part of `npm run bench`; used for RESULTS.md.
const { AsyncLocalStorage, executionAsyncId } = require('node:async_hooks')
const cov = require('../..')
const N = 5e6

function time(label, fn) {
  const best = []
  for (let r = 0; r < 7; r++) {
    const t0 = process.hrtime.bigint()
    fn(N)
    best.push(Number(process.hrtime.bigint() - t0) / N)
  }
  best.sort((a, b) => a - b)
  console.log(`${label.padEnd(48)} ${best[3].toFixed(2)} ns/iter (median of 7)`)
}

const als = new AsyncLocalStorage()
const store = { tables: [new Uint32Array(4)] }
const holder = { store }
function alsCases(where) {
  console.log(`-- ${where}`)
  als.run(store, () => {
    time('loop baseline (plain object read)', (n) => {
      let s = 0
      for (let i = 0; i < n; i++) s += holder.store.tables[0].length
      return s
    })
    time('als.getStore()', (n) => {
      let s = 0
      for (let i = 0; i < n; i++) s += als.getStore().tables[0].length
      return s
    })
    // What a cache keyed on the execution async id would cost per lookup on a
    // hit (one typed-array read and a compare). Sound only where every context
    // switch changes that id or goes through the runtime's own run()/exit()
    // (which would bump an epoch); with AsyncContextFrame (Node >= 24) promise
    // continuations do not get their own async ids, so it would not be sound there.
    let lastId = -1
    let lastStore = null
    time('executionAsyncId()-keyed cache (hit)', (n) => {
      let s = 0
      for (let i = 0; i < n; i++) {
        const id = executionAsyncId()
        const st = id === lastId ? lastStore : ((lastId = id), (lastStore = als.getStore()))
        s += st.tables[0].length
      }
      return s
    })
  })
}
alsCases('top level')
// The runtime's resolver, as instrumented code calls it at every function entry.
const src = 'function f(x) { return x }\nmodule.exports = f'
const { code } = cov.instrument(src, '/tmp/als-cost-probe.js', { sourceType: 'commonjs' })
const m = { exports: {} }
new Function('module', 'exports', code)(m, m.exports)
cov.run('t', () => {
  const f = m.exports
  time('instrumented f(x) inside cov.run', (n) => {
    let s = 0
    for (let i = 0; i < n; i++) s += f(i)
    return s
  })
})
time('instrumented f(x) outside any test (startup)', (n) => {
  const f = m.exports
  let s = 0
  for (let i = 0; i < n; i++) s += f(i)
  return s
})

// The same inside an http request handler (invoked from C++ by the HTTP
// parser, like every server request): one loopback request.
const http = require('node:http')
const server = http.createServer((req, res) => {
  alsCases('inside an http request handler')
  cov.run('t', () => {
    const f = m.exports
    time('instrumented f(x) inside cov.run, in the handler', (n) => {
      let s = 0
      for (let i = 0; i < n; i++) s += f(i)
      return s
    })
  })
  res.end('ok')
})
server.listen(0, '127.0.0.1', () => {
  http.get({ host: '127.0.0.1', port: server.address().port }, (res) => res.resume().on('end', () => server.close()))
})
