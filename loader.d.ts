/** The webpack context the loader runs in (the parts it reads). */
interface LoaderContext {
  resourcePath: string
  rootContext?: string
  target?: unknown
  callback(err: Error | null, code?: string, map?: object | null): void
}

/**
 * `cov-als-native/loader`: a webpack (and Turbopack) loader that instruments
 * client modules into Istanbul's `window.__coverage__`; off unless COV_ALS_CLIENT=1.
 * Give it by path: `loader: require.resolve('cov-als-native/loader')`.
 */
declare function covAlsLoader(this: LoaderContext, source: string, inputMap?: object | string): void

declare namespace covAlsLoader {
  /** The environment variable that turns client coverage on. */
  const CLIENT_ENV: 'COV_ALS_CLIENT'
  /** Whether client coverage is on in `env` (default process.env). */
  function clientCoverageOn(env?: Record<string, string | undefined>): boolean
  /**
   * For `next dev --webpack`: gives the dev server compilations source-map files
   * so the preload can count them. Call it from next.config's `webpack(config, ctx)`;
   * returns `webpackConfig`.
   */
  function serverDevSourceMaps<T extends object>(
    webpackConfig: T,
    ctx: { dev: boolean; isServer: boolean; webpack?: unknown },
    env?: Record<string, string | undefined>,
  ): T
}

export = covAlsLoader
