'use strict'
// Next config of the cov-als-native example. Two builds can live side by side:
// `next build` (Turbopack, the default in Next 16) into .next, and
// `NEXT_DIST_DIR=.next-webpack next build --webpack` into .next-webpack.
// NEXT_OUTPUT=standalone builds the self-contained server (docs/standalone.md).
// COV_ALS_CLIENT=1 instruments client modules for the browser
// (window.__coverage__), with either bundler; see docs/client-coverage.md.
// `next dev` (either bundler) works with the preload too: docs/next-dev.md.

const path = require('node:path')

// In an app: require.resolve('cov-als-native/loader').
const COV_LOADER = path.join(__dirname, '../../loader.js')
const cov = require(COV_LOADER)
const client = cov.clientCoverageOn()

/** @type {import('next').NextConfig} */
module.exports = {
  distDir: process.env.NEXT_DIST_DIR || '.next',
  poweredByHeader: false,
  ...(process.env.NEXT_OUTPUT === 'standalone' && { output: 'standalone' }),
  // Source maps of the client bundles, so that the browser half (V8 coverage)
  // maps back to app/**/*.tsx (bundles without maps are dropped).
  productionBrowserSourceMaps: true,
  // next dev --webpack disposes a page unused for a minute (60 s by default)
  // and compiles it again on its next request, whose test would then count its
  // module initialisation: keep them for the length of a test run.
  onDemandEntries: { maxInactiveAge: 60 * 60 * 1000 },
  experimental: {
    // Source maps for the server chunks (webpack; Turbopack writes them
    // anyway), so reports name app/**/*.tsx and lib/*.ts, not chunks.
    serverSourceMaps: true,
    // Readable server chunks: function names survive into the reports.
    serverMinification: false,
  },
  // Turbopack: with the switch, browser modules of the app only (not
  // node_modules). Always there: Next 16 refuses a Turbopack build that has
  // a webpack() config and no turbopack config.
  turbopack: client
    ? {
        rules: Object.fromEntries(
          ['*.js', '*.jsx', '*.ts', '*.tsx'].map((glob) => [glob, { condition: { all: ['browser', { not: 'foreign' }] }, loaders: [COV_LOADER] }]),
        ),
      }
    : {},
  webpack(config, ctx) {
    // `next dev --webpack`: server chunks with source-map files instead of
    // eval() strings, when coverage is on (docs/next-dev.md).
    cov.serverDevSourceMaps(config, ctx)
    // With the switch: the client compilation only, before Next's own transform.
    if (client && !ctx.isServer) config.module.rules.push({ test: /\.[cm]?[jt]sx?$/, exclude: /node_modules/, enforce: 'pre', use: [COV_LOADER] })
    return config
  },
}
