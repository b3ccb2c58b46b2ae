import type { Config } from '@react-router/dev/config'

export default {
  ssr: true,
  // An explicit ES module: the repository's package.json has no "type".
  serverBuildFile: 'index.mjs',
  // Builds of their own, so that the test suite and `npm run demo:react-router` can run side by side.
  buildDirectory: process.env.RR_BUILD_DIR || 'build',
} satisfies Config
