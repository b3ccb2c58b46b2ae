'use strict'
// The user's @playwright/test, not one this package could resolve for itself.
// A test runner must be loaded once per process: when cov-als-native sits
// outside the project (a symlinked or nested install, a monorepo), a plain
// require('@playwright/test') from here can find a second copy, and Playwright
// then rejects every test ("did not expect test() to be called here",
// "Requiring @playwright/test second time").
//
// The runner that started this process is the user's: its main module is
// Playwright's CLI in the runner and Playwright's worker entry in workers, so
// resolving from there finds the copy already loaded. Then the project's
// directory (cwd), then our own resolution (the peer dependency).

const { dirname } = require('node:path')

function resolveFrom(base) {
  for (const id of ['@playwright/test', 'playwright/test']) {
    try {
      return require.resolve(id, { paths: [base] })
    } catch {
      // not found from this base: try the next
    }
  }
  return null
}

function requireUserPlaywright() {
  const bases = [require.main?.filename && dirname(require.main.filename), process.cwd()].filter(Boolean)
  for (const base of bases) {
    const found = resolveFrom(base)
    if (found) return require(found)
  }
  return require('@playwright/test')
}

module.exports = { requireUserPlaywright }
