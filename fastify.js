'use strict'
// Fastify plugin: `fastify.register(require('cov-als-native/fastify'), options)`.
// It applies to the whole instance (fastify-plugin's skip-override
// convention, without depending on fastify-plugin) and decorates nothing.
const { scopeFor } = require('./lib/server/integration')

function covAlsFastify(fastify, options, done) {
  const { scope, isControl, answerControl } = scopeFor(options && Object.keys(options).length ? options : undefined)
  fastify.addHook('onRequest', (request, reply, next) => {
    if (isControl(request.raw)) {
      // Answered by the runtime; Fastify must not send anything else.
      reply.hijack()
      answerControl(request.raw, reply.raw)
      return
    }
    // The rest of the lifecycle continues inside `next`, in the test context.
    scope(request.raw, reply.raw, () => next())
  })
  done()
}

covAlsFastify[Symbol.for('skip-override')] = true
covAlsFastify[Symbol.for('fastify.display-name')] = 'cov-als-native'
covAlsFastify[Symbol.for('plugin-meta')] = { name: 'cov-als-native', fastify: '>=4' }

module.exports = covAlsFastify
module.exports.default = covAlsFastify
