import type { FastifyPluginCallback } from 'fastify'
import type { ScopeOptions } from './http'

/** Fastify plugin: `fastify.register(covAlsFastify, options)`; applies to the whole instance. */
declare const covAlsFastify: FastifyPluginCallback<ScopeOptions>
export default covAlsFastify
