import type { FullConfig } from '@playwright/test'

/** `globalTeardown: require.resolve('cov-als-native/global-teardown')`: flushes every pending test. */
declare function globalTeardown(config: FullConfig): Promise<void>
export = globalTeardown
