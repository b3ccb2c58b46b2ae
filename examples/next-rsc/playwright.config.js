'use strict'
// The Next.js example's suite: run by run.js (`npm run demo`) and by
// __test__/next-rsc.test.js against ONE `next start` server that they start
// (SERVER_URL). 4 workers, fully parallel, two projects whose runs of a
// test merge into one report (the project is not part of the test id).
const os = require('node:os')
const path = require('node:path')
const { defineConfig } = require('@playwright/test')

const launchOptions = {
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
}

const reporter = [['list']]
if (process.env.PW_JSON_REPORT) reporter.push(['json', { outputFile: process.env.PW_JSON_REPORT }])

module.exports = defineConfig({
  testDir: './tests',
  outputDir: process.env.PW_OUTPUT_DIR || path.join(os.tmpdir(), 'cov-als-next-rsc-pw-results'),
  workers: Number(process.env.PW_WORKERS || 4),
  fullyParallel: true,
  forbidOnly: true,
  retries: 0,
  // 2 cores shared by next start, 4 Chromiums and Playwright's workers.
  timeout: 60000,
  expect: { timeout: 15000 },
  reporter,
  use: { baseURL: process.env.SERVER_URL, launchOptions, trace: 'off', screenshot: 'off', video: 'off' },
  projects: [
    { name: 'desktop', use: { viewport: { width: 1280, height: 800 } } },
    { name: 'mobile', use: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } },
  ],
})
