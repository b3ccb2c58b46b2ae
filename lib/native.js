'use strict'
// The native addon for this platform, loaded and nothing else: requiring this
// installs no runtime and patches nothing, so the run store's readers (the
// CLI, the reporter, a Playwright worker) and the build plugins can use it
// without turning their process into an instrumented server. The runtime is
// installed by `require('cov-als-native')` and the preload (lib/server/runtime.js).

const { join, resolve } = require('node:path')
const { existsSync } = require('node:fs')
const { platformTriple } = require('./platform.js')

// Names a native binary to load instead of the platform's (a custom build,
// an unusual libc): its path.
const BINARY_ENV = 'COV_ALS_NATIVE_BINARY'
const PACKAGE_ROOT = join(__dirname, '..')

// Each candidate in turn; every failure is kept for the one error thrown
// when none loads.
function loadNative() {
  const errors = []
  const attempt = (what, load) => {
    try {
      return load()
    } catch (err) {
      errors.push(`${what}: ${err.message}`)
      return null
    }
  }
  const fromEnv = process.env[BINARY_ENV]
  if (fromEnv) {
    // An explicit choice: do not fall back to another binary behind its back.
    const native = attempt(`${BINARY_ENV}=${fromEnv}`, () => require(resolve(fromEnv)))
    if (native) return native
    throw new Error(`cov-als-native: could not load the native binary named by ${BINARY_ENV}. (${errors[0]})`)
  }
  let triple = `${process.platform}-${process.arch}`
  attempt('platform detection', () => (triple = platformTriple()))
  const local = join(PACKAGE_ROOT, `cov-als-native.${triple}.node`)
  // A local build (`napi build --platform`), then the per-platform package.
  const native =
    (existsSync(local) ? attempt(local, () => require(local)) : null) ?? attempt(`cov-als-native-${triple}`, () => require(`cov-als-native-${triple}`))
  if (native) return native
  throw new Error(
    `cov-als-native: no native binary for ${triple}. Build it from source with \`npm run build\` ` +
      `(needs Rust), install cov-als-native-${triple}, or name a binary in ${BINARY_ENV}.\n` +
      errors.map((e) => `  - ${e}`).join('\n'),
  )
}

module.exports = loadNative()
