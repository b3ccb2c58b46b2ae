'use strict'
// What playwright.config.js and the specs share: where the servers listen
// and how many workers the API's cluster runs.
const FRONTEND_PORT = Number(process.env.FRONTEND_PORT || 3200)
const API_PORT = Number(process.env.API_PORT || 3201)

module.exports = {
  FRONTEND_PORT,
  API_PORT,
  FRONTEND: `http://127.0.0.1:${FRONTEND_PORT}`,
  API: `http://127.0.0.1:${API_PORT}`,
  // The API's cluster size: a flush answered by any worker covers them all
  // (the cluster gather, docs/crash-safety.md).
  API_WORKERS: Number(process.env.API_WORKERS || 2),
  // 1: the API writes its own run store (<COV_OUT>/api-tests) instead of
  // sharing the frontend's (<COV_OUT>/tests), as services on other machines
  // would; the reporter then merges the two directories by test id. (The
  // global setup empties covOutDir only: remove api-tests between runs.)
  SEPARATE_STORES: process.env.SEPARATE_STORES === '1',
  // A URL nothing answers (tests/instances.spec.js).
  DEAD_URL: process.env.DEAD_URL || 'http://127.0.0.1:9',
}
