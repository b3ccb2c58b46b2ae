import type { Config } from '@react-router/dev/config'

export default {
  ssr: true,
  // The whole route manifest in the first document: no /__manifest fetch for
  // the links a page shows, whose answer re-renders the page at a moment that
  // varies from run to run (so would a component's count in the browser half).
  routeDiscovery: { mode: 'initial' },
  // An explicit ES module: the repository's package.json has no "type".
  serverBuildFile: 'index.mjs',
  // Builds of their own, so that the test suite and `npm run demo:react-router` can run side by side.
  buildDirectory: process.env.RR_BUILD_DIR || 'build',
} satisfies Config
