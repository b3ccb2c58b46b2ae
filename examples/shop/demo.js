'use strict'
// `npm run demo`: per-test server-side coverage on one real server.
// 1. start the shop server with the preload (coverage on), 2. run its
//    Playwright suite in parallel in headless Chromium, each test flushing its
//    own report, 3. build per-test and merged Istanbul reports and print the
//    per-test summary table, 4. stop the server.

const { spawn, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const REPO = path.resolve(__dirname, '../..')
const OUT = path.join(REPO, 'coverage/demo')
const TESTS_DIR = path.join(OUT, 'tests')
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'

function fail(message) {
  console.error(`demo: ${message}`)
  process.exit(1)
}

if (!fs.existsSync(CHROMIUM)) fail(`no Chromium at ${CHROMIUM}: install Debian's (apt-get install chromium) or set CHROMIUM_PATH`)
if (!fs.readdirSync(REPO).some((f) => f.endsWith('.node'))) fail('the native addon is not built: run `npm install` (or `npm run build`) first')

fs.rmSync(OUT, { recursive: true, force: true })

const server = spawn(process.execPath, ['--require', path.join(REPO, 'register.js'), 'server.js'], {
  cwd: __dirname,
  env: { ...process.env, COV_ALS: '1', COV_ALS_OUT_DIR: TESTS_DIR },
  stdio: ['ignore', 'pipe', 'inherit'],
})
server.on('exit', (code) => code && fail(`server exited with ${code}`))

server.stdout.once('data', (line) => {
  const { port } = JSON.parse(String(line))
  const url = `http://127.0.0.1:${port}`
  console.log(`demo: shop server with coverage on at ${url}; running the Playwright suite (3 workers, desktop + mobile)`)
  const pw = spawnSync(
    process.execPath,
    [path.join(REPO, 'node_modules/@playwright/test/cli.js'), 'test', '-c', 'playwright.config.js', '--reporter', 'list'],
    {
      cwd: __dirname,
      env: { ...process.env, SERVER_URL: url },
      stdio: 'inherit',
    },
  )
  server.removeAllListeners('exit')
  server.once('exit', () => {
    if (pw.status !== 0) fail(`the Playwright suite failed (exit ${pw.status})`)
    const report = spawnSync(
      process.execPath,
      [path.join(REPO, 'bin/cov-als.js'), 'report', TESTS_DIR, '--out', path.join(OUT, 'report'), '--reporters', 'html,lcovonly,json-summary'],
      { stdio: 'inherit' },
    )
    if (report.status !== 0) fail('cov-als report failed')
    console.log(`\ndemo: the run store (every test's counts) in ${path.relative(process.cwd(), TESTS_DIR)}/`)
    console.log(`demo: merged HTML report at ${path.relative(process.cwd(), path.join(OUT, 'report/merged/index.html'))}`)
  })
  // SIGTERM: the preload writes anything unflushed (the startup bucket) first.
  server.kill('SIGTERM')
})
