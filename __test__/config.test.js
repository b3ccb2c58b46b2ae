'use strict'
// Configuration: precedence, validation with clear errors, globs, and the
// build-tool guard of the preload.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { load, isBuildTool } = require('../lib/config')
const { matcher } = require('../lib/glob')

function tmpRoot(config) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-config-'))
  if (config !== undefined) fs.writeFileSync(path.join(dir, 'cov-als.config.json'), typeof config === 'string' ? config : JSON.stringify(config))
  return dir
}

test('off by default; an output directory in the environment turns it on', () => {
  const dir = tmpRoot()
  assert.equal(load({}, dir).enabled, false)
  const c = load({ COV_ALS_OUT_DIR: 'out' }, dir)
  assert.equal(c.enabled, true)
  assert.equal(c.outDir, path.join(dir, 'out'))
  assert.equal(load({ COV_ALS: '0', COV_ALS_OUT_DIR: 'out' }, dir).enabled, false)
})

test('environment beats the config file, which beats defaults', () => {
  const dir = tmpRoot({ enabled: true, header: 'X-From-File', include: ['src/**'] })
  const fromFile = load({}, dir)
  assert.equal(fromFile.enabled, true)
  assert.equal(fromFile.header, 'x-from-file')
  assert.deepEqual(fromFile.include, ['src/**'])
  assert.equal(fromFile.configFile, path.join(dir, 'cov-als.config.json'))
  const fromEnv = load({ COV_ALS_HEADER: 'x-env', COV_ALS_INCLUDE: 'a/**, b/**' }, dir)
  assert.equal(fromEnv.header, 'x-env')
  assert.deepEqual(fromEnv.include, ['a/**', 'b/**'])
  assert.equal(load({}, dir).flushHeader, 'x-cov-flush', 'defaults fill the rest')
})

test('bad values and unknown options are errors that name them', () => {
  assert.throws(() => load({ COV_ALS: 'maybe' }, tmpRoot()), /option enabled \(from COV_ALS\): expected a boolean/)
  assert.throws(() => load({}, tmpRoot({ enabeld: true })), /unknown option "enabeld"/)
  assert.throws(() => load({}, tmpRoot('{nope')), /cannot read config file/)
  assert.throws(() => load({}, tmpRoot('[1]')), /must hold a JSON object/)
  assert.throws(() => load({ COV_ALS_CONFIG: 'missing.json' }, tmpRoot()), /does not exist/)
  assert.throws(
    () => load({ COV_ALS_MODULE_INIT: 'later' }, tmpRoot()),
    /option moduleInit \(from COV_ALS_MODULE_INIT\): expected "startup" or "test", got "later"/,
  )
})

test('moduleInit: startup by default, test from the file or the environment', () => {
  assert.equal(load({}, tmpRoot()).moduleInit, 'startup')
  assert.equal(load({}, tmpRoot({ moduleInit: 'test' })).moduleInit, 'test')
  assert.equal(load({ COV_ALS_MODULE_INIT: 'Startup' }, tmpRoot({ moduleInit: 'test' })).moduleInit, 'startup')
  const cov = require('..')
  assert.throws(() => cov.setModuleInit('never'), /where must be 'startup' or 'test', got "never"/)
})

test('globs: ** across folders, * within one, braces; excludes win', () => {
  const m = matcher(['src/**/*.{ts,tsx}', '.next/server/**'], ['**/node_modules/**', '**/*.test.ts'])
  assert.ok(m('src/a.ts'))
  assert.ok(m('src/app/[id]/page.tsx'))
  assert.ok(m('.next/server/app/page.js'))
  assert.ok(!m('src/a.js'))
  assert.ok(!m('src/a.test.ts'))
  assert.ok(!m('src/node_modules/x/a.ts'))
  assert.ok(!m('lib/a.ts'))
})

// Next 16 compiles next.config.ts to next.config.compiled.js in memory; the
// report listed that file (docs/field-trials.md, next-todo 9). Vite's,
// Tailwind's and PostCSS's configs showed up in remix-dashboard's startup.
test('default excludes: dependencies, bundle output, build tools’ configs and the next.config.compiled.js Next makes in memory', () => {
  const config = load({}, tmpRoot())
  const reported = matcher(config.include, config.exclude)
  assert.ok(!reported('example-app/next.config.compiled.js'))
  assert.ok(!reported('next.config.compiled.js'))
  assert.ok(!reported('.next/server/app/page.js'))
  assert.ok(!reported('node_modules/next/dist/server/next.js'))
  for (const file of ['next.config.js', 'example-app/next.config.ts', 'vite.config.ts', 'tailwind.config.ts', 'postcss.config.mjs', 'react-router.config.ts']) {
    assert.ok(!reported(file), file)
  }
  assert.ok(reported('src/app.config.ts'), 'an app’s own configuration module is its code')
  assert.ok(reported('example-app/app/page.tsx'))
})

test('build tools that inherit NODE_OPTIONS are recognised', () => {
  assert.ok(isBuildTool(['node', '/p/node_modules/.bin/next', 'build'], {}))
  assert.ok(isBuildTool(['node', '/p/node_modules/next/dist/bin/next', 'build', '--webpack'], {}))
  assert.ok(isBuildTool(['node', '/p/node_modules/.bin/tsc'], {}))
  assert.ok(isBuildTool(['node', '/p/worker.js'], { NEXT_PHASE: 'phase-production-build' }))
  assert.ok(!isBuildTool(['node', '/p/node_modules/.bin/next', 'start'], {}))
  assert.ok(!isBuildTool(['node', 'server.js'], {}))
})
