'use strict'
// Module initialisation (issue 25): a module that a test's request loads
// first (a lazy require, a dynamic import, Next's on-demand page chunks)
// initialises into `startup`, with everything its top level calls, so a
// test's report does not depend on which test happened to load it first.
// `moduleInit: 'test'` (COV_ALS_MODULE_INIT=test) keeps the old behaviour.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { runSteps, moduleLevel, sum } = require('./support/module-init')
const { fnHits, entryFor } = require('./support/coverage')

const FIXTURE = path.join(__dirname, 'fixtures/module-init')
const run = (steps, env) => runSteps(FIXTURE, steps, env)

test('a lazily required module initialises into startup: the same report alone and after the test that loaded it', async () => {
  const alone = await run([['A', '/a']])
  const after = await run([
    ['B', '/b'],
    ['A', '/a'],
  ])
  assert.deepEqual(alone.A, after.A, 'A alone = A after B loaded the module')
  const lazy = entryFor(alone.A, 'module-init/lazy.js')
  const helper = entryFor(alone.A, 'module-init/helper.js')
  assert.equal(sum(moduleLevel(lazy)), 0, "lazy.js's top level is not in A")
  assert.equal(sum(moduleLevel(helper)), 0, 'nor that of helper.js, which it requires')
  assert.equal(fnHits(helper, 'table'), 0, 'nor the call its initialisation makes')
  assert.equal(fnHits(lazy, 'hello'), 1, 'what A itself calls is in A')
  // ...they are in startup, once, in both runs.
  for (const { startup } of [alone, after]) {
    assert.ok(moduleLevel(entryFor(startup, 'module-init/lazy.js')).every((n) => n === 1))
    assert.equal(fnHits(entryFor(startup, 'module-init/helper.js'), 'table'), 1)
    assert.equal(fnHits(entryFor(startup, 'module-init/lazy.js'), 'hello'), 0)
  }
})

test("moduleInit 'test' keeps initialisation in the test that loads the module first", async () => {
  const env = { COV_ALS_MODULE_INIT: 'test' }
  const alone = await run([['A', '/a']], env)
  const after = await run(
    [
      ['B', '/b'],
      ['A', '/a'],
    ],
    env,
  )
  assert.ok(
    moduleLevel(entryFor(alone.A, 'module-init/lazy.js')).every((n) => n === 1),
    'A loaded it: its top level is in A',
  )
  assert.equal(fnHits(entryFor(alone.A, 'module-init/helper.js'), 'table'), 1)
  assert.equal(sum(moduleLevel(entryFor(after.A, 'module-init/lazy.js'))), 0, 'B loaded it: not in A')
  assert.equal(sum(moduleLevel(entryFor(after.B, 'module-init/lazy.js'))), moduleLevel(entryFor(after.B, 'module-init/lazy.js')).length)
  assert.notDeepEqual(alone.A, after.A)
  assert.equal(sum(moduleLevel(entryFor(alone.startup, 'module-init/lazy.js'))), 0)
})

test('an initialisation that throws, and an ES module imported in a test, initialise into startup; the tests go on in their own name', async () => {
  const r = await run([
    ['C', '/broken'],
    ['D', '/a'],
    ['E', '/esm'],
  ])
  const broken = entryFor(r.C, 'module-init/broken.js')
  assert.equal(sum(moduleLevel(broken)), 0, "broken.js's statements are not in C")
  assert.ok(
    moduleLevel(entryFor(r.startup, 'module-init/broken.js')).every((n) => n === 1),
    'they ran once, in startup, up to the throw',
  )
  // After the caught throw, the handler's calls count in C again.
  assert.equal(fnHits(entryFor(r.C, 'module-init/helper.js'), 'after'), 1)
  assert.equal(fnHits(entryFor(r.C, 'module-init/helper.js'), 'table'), 0, 'broken.js called table() in its initialisation')
  assert.equal(fnHits(entryFor(r.startup, 'module-init/helper.js'), 'after'), 0)
  // The next test is its own: D's initialisation of lazy.js is in startup too.
  assert.equal(sum(moduleLevel(entryFor(r.D, 'module-init/lazy.js'))), 0)
  assert.equal(fnHits(entryFor(r.D, 'module-init/lazy.js'), 'hello'), 1)
  // An ES module imported in E.
  const esm = entryFor(r.E, 'module-init/lazy.mjs')
  assert.ok(esm, 'lazy.mjs instrumented')
  assert.equal(sum(moduleLevel(esm)), 0)
  assert.equal(fnHits(esm, 'shout'), 1)
  assert.ok(moduleLevel(entryFor(r.startup, 'module-init/lazy.mjs')).every((n) => n === 1))
})
