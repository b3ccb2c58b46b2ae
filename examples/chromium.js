'use strict'
// Debian's Chromium for the examples' Playwright configs (`launchOptions.executablePath`):
// nothing downloads a browser. Where it is missing, a root user with apt gets
// it installed (as `playwright install --with-deps` would); anyone else gets
// one message saying how, instead of every test failing to launch a browser.
// CHROMIUM_PATH names another executable (then nothing is installed).

const fs = require('node:fs')
const { spawnSync } = require('node:child_process')

const DEBIAN_CHROMIUM = '/usr/bin/chromium'
const APT_GET = '/usr/bin/apt-get'

/** What to do: 'use' the executable, 'install' Debian's, or 'fail' with a message. */
function chromiumPlan({ explicit, exists, isRoot, hasApt }) {
  if (exists) return 'use'
  if (!explicit && isRoot && hasApt) return 'install'
  return 'fail'
}

function installDebianChromium() {
  console.error(`cov-als-native examples: no Chromium at ${DEBIAN_CHROMIUM}; installing Debian's (apt-get install chromium), once`)
  const script = 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null'
  return spawnSync('sh', ['-c', script], { stdio: ['ignore', 'inherit', 'inherit'] }).status === 0
}

/** The Chromium executable to launch; installs or throws one clear error where there is none. */
function chromiumPath(env = process.env) {
  const explicit = Boolean(env.CHROMIUM_PATH)
  const file = env.CHROMIUM_PATH || DEBIAN_CHROMIUM
  const plan = chromiumPlan({ explicit, exists: fs.existsSync(file), isRoot: process.getuid?.() === 0, hasApt: fs.existsSync(APT_GET) })
  if (plan === 'use') return file
  if (plan === 'install' && installDebianChromium() && fs.existsSync(file)) return file
  const how = explicit
    ? "CHROMIUM_PATH names no file: point it at a Chromium executable, or unset it to use Debian's"
    : "install Debian's Chromium (as root: apt-get install chromium) or set CHROMIUM_PATH to a Chromium executable"
  const err = new Error(`cov-als-native examples: no Chromium at ${file}: ${how}.`)
  err.stack = `Error: ${err.message}` // the message is all there is to say: no stack trace under it
  throw err
}

module.exports = { chromiumPath, chromiumPlan, DEBIAN_CHROMIUM }
