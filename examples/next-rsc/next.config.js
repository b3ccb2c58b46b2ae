'use strict'
// Next config of the cov-als-native example. Two builds can live side by side:
// `next build` (Turbopack, the default in Next 16) into .next, and
// `NEXT_DIST_DIR=.next-webpack next build --webpack` into .next-webpack.
// NEXT_OUTPUT=standalone builds the self-contained server (docs/standalone.md).

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
}
