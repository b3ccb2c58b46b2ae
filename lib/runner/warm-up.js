'use strict'
// The warm-up before the tests (global setup): the listed routes and server
// actions requested once without a test id, so the modules they load
// initialise into `startup` and not into whichever test loads them first.

const fs = require('node:fs')
const path = require('node:path')

// The first line of an error's message (Playwright's run on for pages).
const firstLine = (err) => String((err && err.message) || err).split('\n')[0]

// A cold dev server compiles a route on its first request: give it time.
const WARM_UP_TIMEOUT = 60000

/**
 * Request each route and server action once without a test id: their module
 * initialisation counts as startup. Through Playwright's request context with
 * the tests' storageState, extraHTTPHeaders and httpCredentials; covWarmUp.run
 * (e.g. a login: its cookies go with the routes) runs first with that context.
 * A request that fails or times out (covWarmUp.timeout, default 60 s, also the
 * context's default for run's requests) is a warning, not a failed run: what
 * it would have loaded then counts in the first test that loads it.
 */
async function warmUp({ server, warmUp, configDir, requestOptions = {}, browserOptions = {} }, log = console.log, warn = (m) => console.warn(m)) {
  if (!server) throw new Error('cov-als-native global-setup: no server URL (set use.baseURL or use.covServerURL)')
  const routes = warmUp.routes || []
  const actions = warmUp.actions || []
  const pages = warmUp.pages || []
  if (!warmUp.run && routes.length === 0 && actions.length === 0 && pages.length === 0) return
  const timeout = warmUp.timeout || WARM_UP_TIMEOUT
  const { request } = require('@playwright/test')
  const api = await request.newContext({ ...requestOptions, baseURL: server, timeout })
  const failed = [] // "GET /x (why)", in order
  let answered = 0 // requests of routes and actions that got an answer
  let warmedRoutes = 0
  let warmedActions = 0
  let ranRun = false
  try {
    if (warmUp.run) {
      try {
        await warmUp.run({ request: api, baseURL: server })
        ranRun = true
      } catch (err) {
        failed.push(`covWarmUp.run (${firstLine(err)})`)
      }
    }
    const redirected = []
    for (const route of routes) {
      let res
      try {
        res = await api.get(new URL(route, server).href, { maxRedirects: 0, timeout })
      } catch (err) {
        failed.push(`GET ${route} (${firstLine(err)})`)
        continue
      }
      answered++
      if (res.status() >= 500) failed.push(`GET ${route} (answered ${res.status()})`)
      else warmedRoutes++
      if (res.status() >= 300 && res.status() < 400) redirected.push(`${route} -> ${res.headers().location || res.status()}`)
    }
    // Behind a login, every route leads to the login page: their modules then load in the first test.
    if (redirected.length) {
      warn(
        `cov-als-native warm-up: ${redirected.length} of ${routes.length} routes redirected (${redirected.slice(0, 3).join(', ')}${redirected.length > 3 ? ', ...' : ''}); ` +
          'if that is a login, give the warm-up a session: use.storageState, use.extraHTTPHeaders, or covWarmUp.run to log in',
      )
    }
    for (const action of actions) {
      // A Next server action is a POST to its page with its id in `Next-Action`
      // and its arguments as JSON (what React's encodeReply sends for plain values).
      let id = action.id
      if (!id) {
        const manifestFile = path.resolve(configDir, action.manifest || '.next/server/server-reference-manifest.json')
        const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'))
        id = Object.keys(manifest.node || {}).find((k) => manifest.node[k].exportedName === action.exportedName)
        if (!id) throw new Error(`cov-als-native warm-up: no server action ${action.exportedName} in ${manifestFile}`)
      }
      const name = `server action ${action.exportedName || id}`
      let res
      try {
        res = await api.post(new URL(action.page || '/', server).href, {
          headers: { 'next-action': id, accept: 'text/x-component', 'content-type': 'text/plain;charset=UTF-8' },
          data: JSON.stringify(action.args || []),
          maxRedirects: 0,
          timeout,
        })
      } catch (err) {
        failed.push(`${name} (${firstLine(err)})`)
        continue
      }
      answered++
      if (res.status() !== 200) failed.push(`${name} (answered ${res.status()})`)
      else warmedActions++
    }
  } finally {
    await api.dispose()
  }
  let warmedPages = 0
  if (pages.length) {
    const opened = await openPages(pages, { server, requestOptions, browserOptions, timeout }, failed)
    warmedPages = opened.loaded
    answered += opened.answered
  }
  const requests = routes.length + actions.length + pages.length
  if (requests > 0 && answered === 0) {
    warn(
      `cov-als-native warm-up: WARNING: no warm-up request reached ${server} (${failed.slice(0, 3).join('; ')}${failed.length > 3 ? '; ...' : ''}). ` +
        'Is the server up at that URL (use.baseURL / use.covServerURL)? The tests run; module initialisation will count in the tests that load the modules first',
    )
  } else if (failed.length) {
    warn(
      `cov-als-native warm-up: ${failed.length} warm-up step(s) failed: ${failed.slice(0, 5).join('; ')}${failed.length > 5 ? '; ...' : ''}. ` +
        `The tests run; what those steps would have loaded counts in the first test that loads it. ` +
        `A slow server (a cold dev server compiling) may need a longer use.covWarmUp.timeout (now ${timeout} ms)`,
    )
  }
  log(
    `cov-als-native: warmed up ${ranRun ? 'covWarmUp.run, ' : ''}${warmedRoutes} routes${pages.length ? `, ${warmedPages} pages in the browser` : ''} and ${warmedActions} server actions without a test id (counted as "startup")`,
  )
}

/**
 * Open each page in the tests' browser (use.browserName, channel,
 * launchOptions) with the tests' context options, until its load event:
 * what the page itself requests (scripts, styles, data, a WebSocket) is
 * warmed too, which a list of routes cannot name. No test id goes with it.
 */
async function openPages(pages, { server, requestOptions, browserOptions, timeout }, failed) {
  const playwright = require('./user-playwright').requireUserPlaywright()
  const type = playwright[browserOptions.browserName || 'chromium']
  const result = { loaded: 0, answered: 0 }
  let browser
  try {
    browser = await type.launch({ ...browserOptions.launchOptions, ...(browserOptions.channel && { channel: browserOptions.channel }), headless: true })
  } catch (err) {
    failed.push(`launching ${browserOptions.browserName || 'chromium'} for covWarmUp.pages (${firstLine(err)})`)
    return result
  }
  try {
    const context = await browser.newContext({ ...requestOptions, baseURL: server })
    for (const url of pages) {
      const page = await context.newPage()
      try {
        const res = await page.goto(url, { waitUntil: 'load', timeout })
        result.answered++
        if (res && res.status() >= 500) failed.push(`page ${url} (answered ${res.status()})`)
        else result.loaded++
      } catch (err) {
        failed.push(`page ${url} (${firstLine(err)})`)
      } finally {
        await page.close()
      }
    }
  } finally {
    await browser.close()
  }
  return result
}

module.exports = { warmUp, WARM_UP_TIMEOUT }
