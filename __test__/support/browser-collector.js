'use strict'
// A browser coverage collector as the fixture builds one (Chromium, V8 on,
// every file of `root` reported), its warnings kept: `more` overrides (a real
// context, a noSourceMap recorder).

const { BrowserCoverageCollector } = require('../../lib/runner/browser-coverage')

function collectorFor(root, more = {}) {
  const warnings = []
  const collector = new BrowserCoverageCollector({
    context: null,
    browserName: 'chromium',
    v8: true,
    root,
    include: ['**'],
    exclude: [],
    warn: (m) => warnings.push(m),
    ...more,
  })
  return { collector, warnings }
}

module.exports = { collectorFor }
