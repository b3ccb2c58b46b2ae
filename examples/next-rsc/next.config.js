'use strict'
// Next config of the cov-als-native example. Two builds can live side by side:
// `next build` (Turbopack, the default in Next 16) into .next, and
// `NEXT_DIST_DIR=.next-webpack next build --webpack` into .next-webpack.
// NEXT_OUTPUT=standalone builds the self-contained server (docs/standalone.md).
// COV_ALS_CLIENT=1 instruments client modules for the browser
// (window.__coverage__), with either bundler; see docs/client-coverage.md.

const path = require('node:path')

// In an app: require.resolve('cov-als-native/loader').
const COV_LOADER = path.join(__dirname, '../../loader.js')
const client = require(COV_LOADER).clientCoverageOn()

/** @type {import('next').NextConfig} */
module.exports = {
  distDir: process.env.NEXT_DIST_DIR || '.next',
  poweredByHeader: false,
  ...(process.env.NEXT_OUTPUT === 'standalone' && { output: 'standalone' }),
  // Source maps of the client bundles, so that the browser half (V8 coverage)
  // maps back to app/**/*.tsx (bundles without maps are dropped).
  productionBrowserSourceMaps: true,
  experimental: {
    // Source maps for the server chunks (webpack; Turbopack writes them
    // anyway), so reports name app/**/*.tsx and lib/*.ts, not chunks.
    serverSourceMaps: true,
    // Readable server chunks: function names survive into the reports.
    serverMinification: false,
  },
  // Only with the switch: Next 16 refuses a Turbopack build that has a
  // webpack() config and no turbopack config.
  ...(client && {
    // Turbopack: browser modules of the app only (not node_modules).
    turbopack: {
      rules: Object.fromEntries(
        ['*.js', '*.jsx', '*.ts', '*.tsx'].map((glob) => [glob, { condition: { all: ['browser', { not: 'foreign' }] }, loaders: [COV_LOADER] }]),
      ),
    },
    // webpack: the client compilation only, before Next's own transform.
    webpack(config, { isServer }) {
      if (!isServer) config.module.rules.push({ test: /\.[cm]?[jt]sx?$/, exclude: /node_modules/, enforce: 'pre', use: [COV_LOADER] })
      return config
    },
  }),
}
