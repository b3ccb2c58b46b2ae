'use strict'
// The platform name of this process's native binary, as the per-platform
// packages in npm/ and the binaries next to index.js are named. No side
// effects: the install script and pack:local use it before any binary exists.

function isMusl() {
  const report = process.report
  if (!report || typeof report.getReport !== 'function') return false
  // Without this, getReport() lists network handles, which can hang or
  // throw where DNS or sockets are unusable.
  report.excludeNetwork = true
  return !report.getReport().header?.glibcVersionRuntime
}

function platformTriple() {
  const { platform, arch } = process
  if (platform === 'linux') return `linux-${arch}-${isMusl() ? 'musl' : 'gnu'}`
  // Official Node for Windows is an MSVC build; napi-rs names its binaries so.
  if (platform === 'win32') return `win32-${arch}-msvc`
  return `${platform}-${arch}`
}

module.exports = { platformTriple }
