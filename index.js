'use strict'
// Entry point: load the native addon for this platform, then install the
// runtime global that instrumented code reaches (one runtime per JS realm).

const { join, resolve } = require('node:path')
const { existsSync } = require('node:fs')
const { createRuntime } = require('./runtime.js')
const { platformTriple } = require('./lib/platform.js')

// Names a native binary to load instead of the platform's (a custom build,
// an unusual libc): its path.
const BINARY_ENV = 'COV_ALS_NATIVE_BINARY'

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
  const local = join(__dirname, `cov-als-native.${triple}.node`)
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

const native = loadNative()
const installed = globalThis[native.RUNTIME_GLOBAL]
if (installed && installed.api) {
  module.exports = installed.api
} else {
  const { api, file, cache } = createRuntime(native)
  Object.defineProperty(globalThis, native.RUNTIME_GLOBAL, {
    // h: the entry cache that instrumented code reads as __cov_als_native__.h.
    value: Object.freeze({ file, api, h: cache }),
    enumerable: false,
    configurable: false,
    writable: false,
  })
  module.exports = api
}
