import { sveltekit } from '@sveltejs/kit/vite'
import covAls from 'cov-als-native/vite'
import { defineConfig } from 'vite'

export default defineConfig({
  // cov-als-native/vite: server modules of the dev server (COV_ALS=1), .ts
  // modules with their own positions and .svelte components through the
  // compiler's source map; client .ts modules into window.__coverage__ (COV_ALS_CLIENT=1).
  plugins: [covAls(), sveltekit()],
  // No HMR websocket per page: the hot update the tests make in the middle of
  // a run (__test__/support/hot-update.js) must not reload the pages under test.
  server: { host: '127.0.0.1', strictPort: true, hmr: false },
  logLevel: 'warn',
  clearScreen: false,
  // Its own dependency cache (the default is the repository's node_modules/.vite, shared by every example).
  cacheDir: 'node_modules/.vite',
})
