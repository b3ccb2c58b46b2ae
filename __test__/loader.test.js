'use strict'
// cov-als-native/loader in real builds of examples/next-rsc: one client build
// per bundler (Turbopack, webpack) with COV_ALS_CLIENT=1, `next start` on
// 127.0.0.1, headless Chromium clicks the quote button, and the page's
// window.__coverage__ must hold the quote button with the maps our server
// instrumenter gives for the same source, onQuote counted; server chunks
// stay uninstrumented.

const { test, describe, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { spawn, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const { freePort } = require('./support/server')
const path = require('node:path')
const http = require('node:http')
const cov = require('..')

const ROOT = path.join(__dirname, '..')
const APP = path.join(ROOT, 'examples/next-rsc')
const NEXT_BIN = path.join(ROOT, 'node_modules/next/dist/bin/next')
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
const QUOTE_BUTTON = path.join(fs.realpathSync(APP), 'app/cart/quote-button.tsx')
const BINARY = fs.readdirSync(ROOT).find((f) => /^cov-als-native\..+\.node$/.test(f))

function childEnv(extra) {
  const env = { ...process.env, NODE_OPTIONS: '', NEXT_TELEMETRY_DISABLED: '1', ...extra }
  for (const k of Object.keys(env)) if (k.startsWith('COV_ALS') && !(k in extra)) delete env[k]
  return env
}

function get(url) {
  return new Promise((resolve) => {
    http.get(url, (res) => resolve(res.resume().statusCode)).on('error', () => resolve(0))
  })
}

async function startNext(distDir) {
  const port = await freePort()
  const child = spawn(process.execPath, [NEXT_BIN, 'start', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: APP,
    env: childEnv({ NEXT_DIST_DIR: distDir }),
    stdio: 'ignore',
  })
  const url = `http://127.0.0.1:${port}`
  for (let i = 0; i < 300; i++) {
    if ((await get(url + '/about')) === 200) return { url, child }
    if (child.exitCode !== null) break
    await new Promise((r) => setTimeout(r, 200))
  }
  child.kill('SIGTERM')
  throw new Error(`next start (${distDir}) did not answer`)
}

// The maps the server form gives for the same file: instrument it, give
// the file a table (as its header would on first call) and read the report.
function serverMaps(file) {
  const native = require(path.join(ROOT, BINARY))
  const { fileId } = cov.instrument(fs.readFileSync(file, 'utf8'), file)
  native.createTable('loader-test-maps', fileId)
  const fc = cov.flush('loader-test-maps')[file]
  return { statementMap: fc.statementMap, fnMap: fc.fnMap, branchMap: fc.branchMap }
}

function filesUnder(dir, out = []) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) filesUnder(p, out)
    else if (e.name.endsWith('.js')) out.push(p)
  }
  return out
}

let browser
before(async () => {
  const { chromium } = require('@playwright/test')
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })
})
after(() => browser && browser.close())

for (const builder of ['turbopack', 'webpack']) {
  describe(`client build with the loader (${builder})`, () => {
    const distDir = builder === 'webpack' ? '.next-client-webpack' : '.next-client'
    let server
    before(() => {
      const args = [NEXT_BIN, 'build', ...(builder === 'webpack' ? ['--webpack'] : [])]
      const build = () =>
        spawnSync(process.execPath, args, {
          cwd: APP,
          env: childEnv({ NEXT_DIST_DIR: distDir, COV_ALS_CLIENT: '1' }),
          encoding: 'utf8',
          timeout: 600_000,
        })
      let r = build()
      // next dev (next-dev.test.js, beside this suite) rewrites .next-dev*/dev/types, which the
      // example's tsconfig.json includes: a type check that listed a file it then deleted fails
      // with TS6053. That race is not this suite's subject: build once more.
      if (r.status !== 0 && /TS6053/.test(`${r.stdout}${r.stderr}`)) r = build()
      assert.equal(r.status, 0, `next build failed:\n${r.stdout}\n${r.stderr}`)
    })
    after(() => server && server.child.kill('SIGTERM'))

    test('client chunks count into window.__coverage__; server chunks are not instrumented', () => {
      const grep = (sub) => filesUnder(path.join(APP, distDir, sub)).filter((f) => fs.readFileSync(f, 'utf8').includes('__coverage__'))
      assert.ok(grep('static').length > 0, 'some client chunk is instrumented')
      assert.deepEqual(grep('server'), [], 'no server chunk is instrumented')
    })

    test('clicking the quote button counts onQuote, with the server instrumenter maps', async () => {
      server = await startNext(distDir)
      const page = await browser.newPage()
      try {
        await page.goto(server.url + '/cart')
        await page.waitForSelector('#quote:not([disabled])', { timeout: 30_000 })
        const before = await page.evaluate((f) => JSON.parse(JSON.stringify(window.__coverage__[f])), QUOTE_BUTTON)
        await page.fill('#quote-qty', '3')
        await page.click('#quote')
        await page.waitForFunction(() => document.querySelector('#quote-result').textContent.length > 0, null, { timeout: 30_000 })
        const fc = await page.evaluate((f) => JSON.parse(JSON.stringify(window.__coverage__[f])), QUOTE_BUTTON)
        assert.equal(fc.path, QUOTE_BUTTON)
        assert.deepEqual({ statementMap: fc.statementMap, fnMap: fc.fnMap, branchMap: fc.branchMap }, serverMaps(QUOTE_BUTTON))
        const onQuote = Object.keys(fc.fnMap).find((k) => fc.fnMap[k].name === 'onQuote')
        assert.ok(onQuote, 'onQuote is in the map')
        assert.equal(before.f[onQuote], 0, 'not called before the click')
        assert.equal(fc.f[onQuote], 1, 'called once by the click')
        const component = Object.keys(fc.fnMap).find((k) => fc.fnMap[k].name === 'QuoteButton')
        assert.ok(fc.f[component] >= 1, 'the component rendered in the browser')
        assert.ok(Object.values(fc.s).some((n) => n > 0))
      } finally {
        await page.close()
      }
    })
  })
}
