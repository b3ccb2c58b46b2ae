import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ScopeOptions } from './http'

/** Express middleware: `app.use(covAlsExpress())`, first, so everything after it runs in the request's test context. */
declare function covAlsExpress(options?: ScopeOptions): (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void
export = covAlsExpress
