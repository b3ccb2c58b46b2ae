// A TypeScript user's view of every subpath export, checked by `tsc --noEmit`
// (__test__/types.test.js). Each `@ts-expect-error` line is a misuse the
// declarations must reject: an `any` there would fail the check.
import { defineConfig } from '@playwright/test'
import Fastify from 'fastify'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { defineConfig as defineViteConfig } from 'vite'

import * as cov from 'cov-als-native'
import covAlsExpress = require('cov-als-native/express')
import covAlsFastify from 'cov-als-native/fastify'
import { wrap, type ScopeOptions } from 'cov-als-native/http'
import { test, expect, testIdOf, type CovAlsOptions, type Page, type Locator, devices } from 'cov-als-native/playwright'
import CovAlsReporter = require('cov-als-native/reporter')
import globalSetup = require('cov-als-native/global-setup')
import globalTeardown = require('cov-als-native/global-teardown')
import covAlsLoader = require('cov-als-native/loader')
import covAls from 'cov-als-native/vite'
import * as store from 'cov-als-native/store'
import 'cov-als-native/register'

// The core API.
const { code, fileId } = cov.instrument('export const a = 1', '/app/a.js', { sourceType: 'module', reportLogic: true })
const length: number = code.length
const id: number | null = fileId
const total: number = cov.run('test one', (n: number) => n + 1, 1)
const flushed: cov.CoverageMap = cov.flush('test one')
const perFile: Record<string, number> = flushed['/app/a.js'].s
try {
  cov.instrument('(', '/app/b.js')
} catch (err) {
  if (err instanceof cov.InstrumentError && err.code === 'COV_ALS_SOURCE_MAP_ERROR') console.log(err.line, err.column)
}
const dbAnswer: { coverage: string } = cov.store.flush('/tmp/cov-als.db', 'test one')
// @ts-expect-error instrument options are checked
cov.instrument('', '/app/c.js', { sourceType: 'esm' })

// HTTP integrations.
const options: ScopeOptions = { header: 'x-test', include: ['src/**'], pathMap: { '/app': '.' } }
const middleware: (req: IncomingMessage, res: ServerResponse, next: () => void) => void = covAlsExpress(options)
Fastify().register(covAlsFastify, { token: 'secret' })
createServer(wrap((req, res) => res.end(req.url)))
// @ts-expect-error integration options are checked
covAlsExpress({ header: 1 })

// Playwright: fixture options in the config and in test.use, fixtures in tests.
export const config = defineConfig<CovAlsOptions>({
  globalSetup: require.resolve('cov-als-native/global-setup'),
  reporter: [['cov-als-native/reporter', { perTest: true, flush: true } satisfies CovAlsReporter.Options]],
  use: { baseURL: 'http://127.0.0.1:3000', covServerURL: ['http://127.0.0.1:3000'], covStrict: true, covWarmUp: { routes: ['/'] } },
})
test.use({ covIncludeProject: true, covBrowser: false })
test.use({ covCookie: 'auto' })
test.use({ covCookie: true })
// @ts-expect-error covCookie is 'auto' or a boolean
test.use({ covCookie: 'always' })
// @ts-expect-error fixture options have their types
test.use({ covStrict: 'yes' })
test('a test', async ({ page, covTestId, covPeek }, testInfo) => {
  await page.goto('/')
  const map: cov.CoverageMap = await covPeek()
  expect(Object.keys(map)).toContain('/app/a.js')
  expect(covTestId).toBe(testIdOf(testInfo))
})
new CovAlsReporter({ outDir: '.cov-als', reporters: ['html'] })
// @ts-expect-error reporter options are checked
new CovAlsReporter({ perTest: 'yes' })
const setup: (config: import('@playwright/test').FullConfig) => Promise<() => Promise<void>> = globalSetup
const teardown: (config: import('@playwright/test').FullConfig) => Promise<void> = globalTeardown

// Bundlers.
const on: boolean = covAlsLoader.clientCoverageOn({ [covAlsLoader.CLIENT_ENV]: '1' })
const webpackConfig = covAlsLoader.serverDevSourceMaps({ plugins: [] }, { dev: true, isServer: true })
export const viteConfig = defineViteConfig({ plugins: [covAls({ client: true, warn: (message) => console.warn(message) })] })
// @ts-expect-error vite plugin options are checked
covAls({ ssr: true })

// The run store.
const tests: string[] = store.listTests('.cov-als')
const which = store.whichTests('.cov-als', '/app/a.js', 1, 10)
const lines: number[] | undefined = which?.[0].server?.lines
// @ts-expect-error parts are 'server' or 'browser'
store.readTestCoverage('.cov-als', 'test one', { part: 'client' })

export const used = [middleware, length, id, total, perFile, dbAnswer, setup, teardown, on, webpackConfig, tests, lines]

// Playwright's exports come with the fixture's import, as from '@playwright/test'
// (Etherpad's specs import Page with test): its types, and its values, which
// the module passes through at run time (__test__/playwright.test.js).
export const headingOf = async (page: Page, heading: Locator): Promise<string> => (await heading.textContent()) ?? (await page.title())
export const desktop: { viewport: { width: number } } = devices['Desktop Chrome']
