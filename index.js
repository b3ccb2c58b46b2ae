'use strict'
// Entry point: load the native addon for this platform, then install the
// runtime global that instrumented code reaches (one runtime per JS realm).

const { join } = require('node:path')
const { existsSync } = require('node:fs')
const { createRuntime, RUNTIME_GLOBAL } = require('./runtime.js')

function platformTriple() {
  const { platform, arch } = process
  if (platform === 'linux') {
    const glibc = process.report?.getReport?.().header?.glibcVersionRuntime
    return `linux-${arch}-${glibc ? 'gnu' : 'musl'}`
  }
  return `${platform}-${arch}`
}

function loadNative() {
  const triple = platformTriple()
  // A local build (`napi build --platform`), then the per-platform package.
  const local = join(__dirname, `cov-als-native.${triple}.node`)
  if (existsSync(local)) return require(local)
  try {
    return require(`cov-als-native-${triple}`)
  } catch (err) {
    throw new Error(
      `cov-als-native: no native binary for ${triple}. Build it from source with \`npm run build\` ` +
        `(needs Rust), or install cov-als-native-${triple}. (${err.message})`,
    )
  }
}

const installed = globalThis[RUNTIME_GLOBAL]
if (installed && installed.api) {
  module.exports = installed.api
} else {
  const { api, file } = createRuntime(loadNative())
  Object.defineProperty(globalThis, RUNTIME_GLOBAL, {
    value: Object.freeze({ file, api }),
    enumerable: false,
    configurable: false,
    writable: false,
  })
  module.exports = api
}
