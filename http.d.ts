import type { IncomingMessage, ServerResponse } from 'node:http'

/**
 * Options of the HTTP integrations (Express, Fastify, `wrap`): each overrides
 * its environment variable and cov-als.config.json (README, "Configuration").
 */
export interface ScopeOptions {
  /** Turn coverage on (COV_ALS). */
  enabled?: boolean
  /** Project root: include/exclude globs and report paths are relative to it (COV_ALS_ROOT). */
  root?: string
  /** Where the run store and reports go (COV_ALS_OUT_DIR, default `.cov-als`). */
  outDir?: string
  /** Globs of files to instrument (COV_ALS_INCLUDE, default `**`). */
  include?: string[]
  /** Globs of files left alone (COV_ALS_EXCLUDE). */
  exclude?: string[]
  /** Request header naming the test (COV_ALS_HEADER, default `x-cov-test-id`). */
  header?: string
  /** Request header that makes a request a flush of the test it names (COV_ALS_FLUSH_HEADER, default `x-cov-flush`). */
  flushHeader?: string
  /** Path prefix of the control routes, flush and peek (COV_ALS_CONTROL_PATH, default `/__cov`). */
  controlPath?: string
  /** Required as `x-cov-token` on control routes when set (COV_ALS_TOKEN). */
  token?: string
  /** Compose loaded files' source maps into the coverage (COV_ALS_SOURCE_MAPS, default true). */
  sourceMaps?: boolean
  /** Where else to look for the maps of loaded files, relative to root (COV_ALS_SOURCE_MAP_DIRS). */
  sourceMapDirs?: string[]
  /** Build-time or runtime path prefixes (absolute) mapped to the reporting host's (COV_ALS_PATH_MAP): `"from=to,..."`, pairs or an object. */
  pathMap?: string | Array<string | [string, string]> | Record<string, string>
  /** Count truthy evaluations of logical operands, `bT` (COV_ALS_REPORT_LOGIC). */
  reportLogic?: boolean
  /** Check every instrumented file keeps its tokens (COV_ALS_CHECK_TOKENS). */
  checkTokens?: boolean
  /** Instrument ES modules through module hooks (COV_ALS_ESM, default true). */
  esm?: boolean
  /** Scope Node's http servers by themselves (COV_ALS_HTTP, default true). */
  http?: boolean
  /** Write pending tests' counts when the process exits (COV_ALS_WRITE_ON_EXIT, default true). */
  writeOnExit?: boolean
  /** Counter tables in memory-mapped files, recoverable after a crash (COV_ALS_LIVE, default true). */
  live?: boolean
  /** Say what is instrumented and why not (COV_ALS_DEBUG). */
  debug?: boolean
  /** Outgoing requests made inside a test carry its id (COV_ALS_PROPAGATE, default true). */
  propagate?: boolean
  /** Hosts they carry it to: `loopback`, `self`, names, `*.suffix` (COV_ALS_PROPAGATE_HOSTS). */
  propagateHosts?: string[]
}

/** A plain `(req, res)` handler of a raw http server, scoped: each request runs in its test's context. */
export declare function wrap<Req extends IncomingMessage = IncomingMessage, Res extends ServerResponse = ServerResponse>(
  handler: (req: Req, res: Res) => unknown,
  options?: ScopeOptions,
): (req: Req, res: Res) => unknown
