'use strict'
// Cost per request of binding req.emit/res.emit to the request's context, as
// lib/http.js does (AsyncResource.bind x2), vs a closure over als.run.
// Not part of `npm run bench`; used for RESULTS.md.
const { AsyncLocalStorage, AsyncResource } = require('node:async_hooks')
const { EventEmitter } = require('node:events')
const als = new AsyncLocalStorage()
const N = 2e5

function time(label, fn) {
  const xs = []
  for (let r = 0; r < 7; r++) {
    const t0 = process.hrtime.bigint()
    fn(N)
    xs.push(Number(process.hrtime.bigint() - t0) / N)
  }
  xs.sort((a, b) => a - b)
  console.log(`${label.padEnd(60)} ${xs[3].toFixed(0)} ns per request (median of 7)`)
}

als.run({ id: 't' }, () => {
  time('2 x AsyncResource.bind(emit, type, thisArg) (lib/http.js)', (n) => {
    for (let i = 0; i < n; i++) {
      const req = new EventEmitter()
      const res = new EventEmitter()
      req.emit = AsyncResource.bind(req.emit, 'cov-als-native', req)
      res.emit = AsyncResource.bind(res.emit, 'cov-als-native', res)
    }
  })
  time('2 x closure calling als.run(store, ...) with the captured store', (n) => {
    for (let i = 0; i < n; i++) {
      const req = new EventEmitter()
      const res = new EventEmitter()
      const store = als.getStore()
      const e1 = req.emit
      req.emit = function (...a) {
        return als.run(store, () => e1.apply(this, a))
      }
      const e2 = res.emit
      res.emit = function (...a) {
        return als.run(store, () => e2.apply(this, a))
      }
    }
  })
  time('baseline: 2 x new EventEmitter()', (n) => {
    for (let i = 0; i < n; i++) {
      const req = new EventEmitter()
      const res = new EventEmitter()
      if (!req || !res) throw new Error()
    }
  })
})
