import type { Plugin } from 'vite'

/** Options of the Vite plugin (docs/vite.md). */
export interface CovAlsViteOptions {
  /** Instrument server (SSR) modules; default: the preload's switch (COV_ALS=1, COV_ALS_OUT_DIR or cov-als.config.json). */
  server?: boolean
  /** Instrument client modules into `window.__coverage__`; default: COV_ALS_CLIENT=1. */
  client?: boolean
  /** Where cov-als.config.json is read; default Vite's root. */
  cwd?: string
  /** Receives each warning; default process.emitWarning. */
  warn?: (message: string) => void
}

/** The Vite plugin: `plugins: [covAls(), reactRouter()]`. */
declare function covAls(options?: CovAlsViteOptions): Plugin
export default covAls
export { covAls }
