'use strict'
// The demo on a machine without Chromium (issue 24): the examples' Playwright
// configs install Debian's Chromium when they can (root with apt) and otherwise
// stop with one clear message before any test runs, never a failed test per
// browser launch.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const { chromiumPlan, chromiumPath } = require('../examples/chromium')

const REPO = path.join(__dirname, '..')
const MISSING = '/nonexistent/cov-als-test/chromium'

test('the plan: use an executable that exists, install only as root with apt and no CHROMIUM_PATH, else stop', () => {
  assert.equal(chromiumPlan({ explicit: false, exists: true, isRoot: false, hasApt: false }), 'use')
  assert.equal(chromiumPlan({ explicit: false, exists: false, isRoot: true, hasApt: true }), 'install')
  assert.equal(chromiumPlan({ explicit: true, exists: false, isRoot: true, hasApt: true }), 'fail', 'a named executable is never replaced')
  assert.equal(chromiumPlan({ explicit: false, exists: false, isRoot: false, hasApt: true }), 'fail')
  assert.equal(chromiumPlan({ explicit: false, exists: false, isRoot: true, hasApt: false }), 'fail')
})

test('chromiumPath names the missing executable and says how to get one', () => {
  assert.throws(() => chromiumPath({ CHROMIUM_PATH: MISSING }), { message: new RegExp(`no Chromium at ${MISSING}: CHROMIUM_PATH names no file`) })
  const existing = process.execPath
  assert.equal(chromiumPath({ CHROMIUM_PATH: existing }), existing)
})

test('every example config stops on a missing Chromium with the message, not with tests failing', () => {
  const configs = fs
    .readdirSync(path.join(REPO, 'examples'))
    .map((dir) => path.join(REPO, 'examples', dir, 'playwright.config.js'))
    .filter((file) => fs.existsSync(file))
  assert.ok(configs.length >= 5, configs.join(', '))
  for (const config of configs) {
    const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(config)})`], { env: { ...process.env, CHROMIUM_PATH: MISSING }, encoding: 'utf8' })
    assert.notEqual(r.status, 0, config)
    assert.match(r.stderr, /cov-als-native examples: no Chromium at /, config)
  }
})

test('the demo (playwright test of examples/next-rsc) ends with the one message and runs no test', () => {
  const r = spawnSync(
    process.execPath,
    [path.join(REPO, 'node_modules/@playwright/test/cli.js'), 'test', '-c', path.join(REPO, 'examples/next-rsc/playwright.config.js')],
    {
      cwd: REPO,
      env: { ...process.env, CHROMIUM_PATH: MISSING, NODE_OPTIONS: '' },
      encoding: 'utf8',
      timeout: 60_000,
    },
  )
  const output = `${r.stdout}${r.stderr}`
  assert.notEqual(r.status, 0)
  assert.match(output, new RegExp(`no Chromium at ${MISSING}`))
  assert.doesNotMatch(output, /Running \d+ tests?|\d+ failed|\d+ passed/)
  assert.ok(output.trim().split('\n').length <= 2, output)
})
