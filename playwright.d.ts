import type {
  APIRequestContext,
  Expect,
  PlaywrightTestArgs,
  PlaywrightTestOptions,
  PlaywrightWorkerArgs,
  PlaywrightWorkerOptions,
  TestInfo,
  TestType,
} from '@playwright/test'
import type { CoverageMap } from './index'

// Everything @playwright/test exports, under the same import, so that swapping
// a spec's `@playwright/test` for this module keeps `import { test, expect,
// devices, type Page }` compiling and running (lib/runner/fixture.js passes its
// named exports through); `test` and `expect` below win over Playwright's.
export * from '@playwright/test'

/** What the global setup's warm-up does before the first test (outside any test). */
export interface CovWarmUp {
  /** Your own warm-up, given the setup's request context and baseURL. */
  run?: (args: { request: APIRequestContext; baseURL: string }) => unknown
  /** Paths requested once. */
  routes?: string[]
  /** Pages opened once in the tests' browser, until their load event: what they request themselves (scripts, data, sockets) is warmed too. */
  pages?: string[]
  /** Next.js server actions called once, found in the server-reference manifest. */
  actions?: Array<{ page: string; exportedName: string; args?: unknown[]; manifest?: string }>
  /** Milliseconds each warm-up request may take (also run's requests); default 60000. A failed or timed-out one is a warning. */
  timeout?: number
}

/**
 * The fixture's options, for `test.use({...})` and the config's `use`
 * (`defineConfig<CovAlsOptions>({ use: { covServerURL: ... } })`).
 */
export interface CovAlsOptions {
  /** Where to flush: a URL, several (an array or comma-separated); default COV_ALS_SERVER_URLS / COV_ALS_SERVER_URL, else baseURL. */
  covServerURL: string | string[]
  /** Header naming the test; default x-cov-test-id (COV_ALS_HEADER). */
  covHeader: string
  /** Sent as x-cov-token; default COV_ALS_TOKEN. */
  covToken: string
  /** Put the project name in the test id; default false (a test's projects merge into one report). */
  covIncludeProject: boolean
  /** Attach the coverage JSON to the test; default true. */
  covAttach: boolean
  /** Collect the browser half; default true. */
  covBrowser: boolean
  /** V8 coverage in Chromium, converted through source maps; default true. */
  covV8: boolean
  /** Where the browser half is written; default where the server wrote the test's flush. */
  covOutDir: string
  /** Project root for include/exclude of browser files; default COV_ALS_ROOT / cov-als.config.json. */
  covRoot: string
  /** Coverage problems fail the test; default false (warnings). */
  covStrict: boolean
  /** Also set the test id as the cov-als-test-id cookie for WebSocket handshakes: 'auto' (default: every browser but Chromium), true or false. */
  covCookie: 'auto' | boolean
  /** Read by cov-als-native/global-setup from the config's `use`. */
  covWarmUp?: CovWarmUp
}

/** The fixtures a test can ask for. */
export interface CovAlsFixtures {
  /** This test's id, as the server sees it. */
  covTestId: string
  /** The test's server coverage so far, without resetting it. */
  covPeek: () => Promise<CoverageMap>
  /** Report a coverage problem: a warning, or a failure with covStrict. */
  covProblems: (message: string) => void
}

export declare const test: TestType<PlaywrightTestArgs & PlaywrightTestOptions & CovAlsOptions & CovAlsFixtures, PlaywrightWorkerArgs & PlaywrightWorkerOptions>
export declare const expect: Expect<{}>
/** The id the fixture gives a test: its title path with the file, and the retry. */
export declare function testIdOf(testInfo: TestInfo, includeProject?: boolean): string
/** The annotation that tells the reporter where a test's coverage was written. */
export declare const OUT_DIR_ANNOTATION: 'cov-als-out-dir'
