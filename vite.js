'use strict'
// `cov-als-native/vite`: the Vite plugin (lib/build/vite-plugin.js, docs/vite.md).
//
//   import covAls from 'cov-als-native/vite'
//   export default defineConfig({ plugins: [covAls(), reactRouter()] })

const { covAlsVite } = require('./lib/build/vite-plugin')

module.exports = covAlsVite
module.exports.default = covAlsVite
module.exports.covAls = covAlsVite
