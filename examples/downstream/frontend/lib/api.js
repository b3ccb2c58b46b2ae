'use strict'
// The frontend's API client. Both Node clients on purpose: `http.request`
// for the home page and `compare`, global `fetch` for the rest. Neither
// passes a test id: the preload adds it (our header and W3C baggage) to
// requests made inside a test, for allowed hosts (loopback here).
const http = require('node:http')

const API = process.env.API_URL || 'http://127.0.0.1:3201'

/** GET `path` from the API with http.request: { status, body, worker }. */
function getWithHttp(path, { fresh = false } = {}) {
  return new Promise((resolve, reject) => {
    // `fresh`: a connection of its own, so that the cluster spreads the calls over its workers.
    const req = http.request(new URL(path, API), { agent: fresh ? false : undefined }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c) => (text += c))
      res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(text), worker: res.headers['x-api-worker'] }))
    })
    req.on('error', reject)
    req.end()
  })
}

/** GET `path` from the API with fetch: { status, body, worker }. */
async function getWithFetch(path) {
  const res = await fetch(new URL(path, API))
  return { status: res.status, body: await res.json(), worker: res.headers.get('x-api-worker') }
}

module.exports = { getWithHttp, getWithFetch, API }
