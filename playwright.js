'use strict'
// Playwright fixture: `const { test, expect } = require('cov-als-native/playwright')`.
// Every test gets a stable id (title path with file, plus the retry), sent as
// a header with every request of its page and `request` fixture; at teardown
// the test's coverage is flushed from the server and attached to the test.
//
// Options (test.use / config `use`):
//   covServerURL  where to flush (default: baseURL, or COV_ALS_SERVER_URL)
//   covHeader     header naming the test (default x-cov-test-id, or COV_ALS_HEADER)
//   covToken      sent as x-cov-token (default COV_ALS_TOKEN)
//   covIncludeProject  put the project name in the id (default false: the
//                 projects of one test, e.g. viewports, merge into one report)
//   covAttach     attach the coverage JSON to the test (default true)
//
// `covPeek()` returns the test's coverage so far without resetting it, for a
// test that asserts on its own report (safe while another project of the
// same test runs: a flush would take that one's counts too).

const { test: base, expect } = require('@playwright/test')

function testIdOf(testInfo, includeProject) {
  const parts = [...testInfo.titlePath]
  if (includeProject && testInfo.project.name) parts.unshift(`[${testInfo.project.name}]`)
  const id = parts.join(' › ')
  return testInfo.retry > 0 ? `${id} (retry ${testInfo.retry})` : id
}

function serverOf(covServerURL, baseURL) {
  const server = covServerURL || baseURL
  if (!server) throw new Error('cov-als-native/playwright: set covServerURL or baseURL so the fixture knows where to flush coverage')
  return server
}

const test = base.extend({
  covServerURL: [process.env.COV_ALS_SERVER_URL || '', { option: true }],
  covHeader: [process.env.COV_ALS_HEADER || 'x-cov-test-id', { option: true }],
  covToken: [process.env.COV_ALS_TOKEN || '', { option: true }],
  covIncludeProject: [false, { option: true }],
  covAttach: [true, { option: true }],

  covTestId: async ({ covIncludeProject }, use, testInfo) => {
    await use(testIdOf(testInfo, covIncludeProject))
  },

  // Both the page's context and the `request` fixture read this option.
  extraHTTPHeaders: async ({ extraHTTPHeaders, covHeader, covTestId }, use) => {
    await use({ ...extraHTTPHeaders, [covHeader]: encodeURIComponent(covTestId) })
  },

  covPeek: async ({ covTestId, covServerURL, covToken, baseURL, playwright }, use) => {
    const contexts = []
    await use(async () => {
      const api = await playwright.request.newContext({ extraHTTPHeaders: covToken ? { 'x-cov-token': covToken } : {} })
      contexts.push(api)
      const res = await api.post(new URL('/__cov/peek', serverOf(covServerURL, baseURL)).href, { data: { testId: covTestId } })
      if (!res.ok()) throw new Error(`cov-als-native/playwright: peek of "${covTestId}" failed: ${res.status()} ${await res.text()}`)
      return (await res.json()).coverage
    })
    await Promise.all(contexts.map((c) => c.dispose()))
  },

  covCoverage: [
    async ({ covTestId, covServerURL, covToken, covAttach, baseURL, playwright }, use, testInfo) => {
      const box = { coverage: null, file: null }
      await use(box)
      const server = serverOf(covServerURL, baseURL)
      const api = await playwright.request.newContext({ extraHTTPHeaders: covToken ? { 'x-cov-token': covToken } : {} })
      try {
        const res = await api.post(new URL('/__cov/flush', server).href, { data: { testId: covTestId } })
        if (!res.ok()) throw new Error(`cov-als-native/playwright: flush of "${covTestId}" failed: ${res.status()} ${await res.text()}`)
        const body = await res.json()
        box.coverage = body.coverage
        box.file = body.file
        if (covAttach) {
          await testInfo.attach('cov-als-coverage.json', { body: JSON.stringify(body.coverage), contentType: 'application/json' })
        }
      } finally {
        await api.dispose()
      }
    },
    { auto: true },
  ],
})

module.exports = { test, expect, testIdOf }
