import { reactRouter } from '@react-router/dev/vite'
import covAls from 'cov-als-native/vite'
import { defineConfig } from 'vite'

export default defineConfig({
  // covAls() first: it instruments each module's own source, before other
  // plugins move code. It does nothing unless COV_ALS=1 (server modules of the
  // dev server) or COV_ALS_CLIENT=1 (client modules, dev and build).
  plugins: [covAls(), reactRouter()],
  // Maps for the production server bundle (the preload reads them) and the
  // client bundles (the browser half through V8).
  build: { sourcemap: true },
  // No HMR websocket per page: the hot update the tests make in the middle of
  // a run (__test__/support/hot-update.js) must not reload the pages under test.
  server: { host: '127.0.0.1', strictPort: true, hmr: false },
  logLevel: 'warn',
  clearScreen: false,
  // Its own dependency cache (the default is the repository's node_modules/.vite, shared by every example).
  cacheDir: 'node_modules/.vite',
})
