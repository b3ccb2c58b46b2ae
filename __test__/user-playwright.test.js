'use strict'
// The fixture runs on the user's @playwright/test. A project with its own copy
// of Playwright and cov-als-native linked in from elsewhere (`npm link`, a
// `file:` dependency, a monorepo): a require('@playwright/test') resolved from
// our own directory loads a second Playwright, which rejects every test.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawnSync } = require('node:child_process')

const REPO = path.join(__dirname, '..')

test('cov-als-native/playwright uses the project’s own @playwright/test when linked from outside it', () => {
  const app = fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-user-pw-'))
  try {
    const modules = path.join(app, 'node_modules')
    // The project's own Playwright: a real copy (a symlink would resolve to ours).
    for (const pkg of ['playwright', 'playwright-core', '@playwright/test']) {
      fs.cpSync(path.join(REPO, 'node_modules', pkg), path.join(modules, pkg), { recursive: true })
    }
    fs.symlinkSync(REPO, path.join(modules, 'cov-als-native'), 'dir')
    fs.mkdirSync(path.join(app, 'tests'))
    // No server listens on port 9: the flush fails as a warning, the test itself runs no browser.
    fs.writeFileSync(
      path.join(app, 'playwright.config.js'),
      "module.exports = { testDir: 'tests', reporter: 'line', use: { covServerURL: 'http://127.0.0.1:9' } }\n",
    )
    fs.writeFileSync(
      path.join(app, 'tests', 'fixture.spec.js'),
      [
        "const { test, expect } = require('cov-als-native/playwright')",
        "const own = require('@playwright/test')",
        "test('the fixture extends the project’s Playwright', async ({ covTestId }) => {",
        '  expect(expect).toBe(own.expect)',
        "  expect(covTestId).toContain('the fixture extends')",
        '})',
        '',
      ].join('\n'),
    )
    const run = spawnSync(process.execPath, [path.join(modules, '@playwright/test/cli.js'), 'test'], {
      cwd: app,
      env: { ...process.env, NODE_OPTIONS: '', CI: '1' },
      encoding: 'utf8',
      timeout: 120000,
    })
    const output = `${run.stdout}\n${run.stderr}`
    assert.doesNotMatch(output, /did not expect test\(\) to be called|second time/)
    assert.equal(run.status, 0, output)
    assert.match(output, /1 passed/)
  } finally {
    fs.rmSync(app, { recursive: true, force: true })
  }
})

// A spec whose `@playwright/test` import becomes ours keeps every name it
// imported (Etherpad's specs take devices and types with test): the user's
// Playwright's named exports pass through; test is ours.
test('cov-als-native/playwright passes @playwright/test’s named exports through, with its own test', () => {
  const ours = require('../playwright')
  const theirs = require('@playwright/test')
  for (const name of ['chromium', 'firefox', 'webkit', 'devices', 'errors', 'request', 'selectors', 'defineConfig', 'mergeTests', 'mergeExpects']) {
    assert.equal(ours[name], theirs[name], name)
  }
  assert.equal(ours.expect, theirs.expect)
  assert.notEqual(ours.test, theirs.test, 'test is the fixture’s')
  assert.equal(ours.default, ours.test)
  assert.equal(typeof ours.test.extend, 'function')
})
