import type { FullConfig } from '@playwright/test'

/**
 * `globalSetup: require.resolve('cov-als-native/global-setup')`: warms the server
 * up outside any test and returns the teardown that flushes pending tests
 * before Playwright stops the webServer.
 */
declare function globalSetup(config: FullConfig): Promise<() => Promise<void>>
export = globalSetup
