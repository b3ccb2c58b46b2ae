'use strict'
// Where the global setup, its teardown and the reporter send the warm-up and
// the flushes when the config names no covServerURL: use.baseURL, else the
// URL Playwright itself gives baseURL from the webServer. A config with
// `webServer: { command, port }` and no baseURL (found in a field trial,
// docs/field-trials.md) failed the global setup with "no server URL".

const test = require('node:test')
const assert = require('node:assert')
const { optionsOf } = require('../lib/playwright-run')

const configOf = (fields) => ({ configFile: '/app/playwright.config.js', projects: [{ use: {} }], ...fields })

test('webServer.port without baseURL: http://localhost:<port>, as Playwright', () => {
  assert.equal(optionsOf(configOf({ webServer: { command: 'node server.js', port: 3000 } })).server, 'http://localhost:3000')
})

test('webServer.url without baseURL: that URL', () => {
  assert.equal(optionsOf(configOf({ webServer: { command: 'node server.js', url: 'http://127.0.0.1:4000/health' } })).server, 'http://127.0.0.1:4000/health')
})

test('a list of webServers: the first that has a url or a port', () => {
  const webServer = [{ command: 'worker' }, { command: 'node api.js', port: 5000 }, { command: 'node web.js', port: 6000 }]
  assert.equal(optionsOf(configOf({ webServer })).server, 'http://localhost:5000')
})

test('use.baseURL wins over the webServer', () => {
  const config = configOf({ webServer: { command: 'node server.js', port: 3000 } })
  config.projects[0].use.baseURL = 'http://127.0.0.1:3001'
  assert.equal(optionsOf(config).server, 'http://127.0.0.1:3001')
})

test('no baseURL and no webServer: no server', () => {
  assert.equal(optionsOf(configOf({ webServer: null })).server, undefined)
})
