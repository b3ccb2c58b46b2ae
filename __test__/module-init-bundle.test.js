'use strict'
// Module initialisation inside bundles (issue 25, docs/function-entry.md):
// a chunk the preload instruments whole (Next's server chunks) runs an app
// module's top level in the bundler's module factory, which the bundler's
// require calls when a test's request first needs the module. With the
// chunk's source map, the instrumenter marks those factories, so that
// initialisation counts into startup as a file's top level does.
// Chunks: a real webpack build (Next's compiled webpack) and a chunk in
// Turbopack's shape (its module list), each with a map back to src/; and a
// webpack build of an ES module with top-level await (an async module).

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { runSteps, moduleLevel, sum } = require('./support/module-init')
const { fnHits, entryFor } = require('./support/coverage')

const FIXTURE = path.join(__dirname, 'fixtures/module-init-bundle')
const run = (steps, env) => runSteps(FIXTURE, steps, env)
const DIST = path.join(FIXTURE, 'dist')
const SRC = path.join(FIXTURE, 'src')

function buildWebpack(entry = './src/entry.js', out = 'webpack') {
  const { webpack } = require('next/dist/compiled/webpack/webpack')
  const config = {
    mode: 'development',
    devtool: 'source-map',
    target: 'node',
    context: FIXTURE,
    entry,
    output: {
      path: path.join(DIST, out),
      filename: 'entry.js',
      library: { type: 'commonjs2' },
      devtoolModuleFilenameTemplate: '[absolute-resource-path]',
    },
    optimization: { minimize: false },
  }
  return new Promise((resolve, reject) =>
    webpack(config, (err, stats) => (err || stats.hasErrors() ? reject(err || new Error(stats.toString('errors-only'))) : resolve())),
  )
}

const VLQ = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const vlq = (n) => {
  let v = n < 0 ? (-n << 1) | 1 : n << 1
  let out = ''
  do {
    const digit = v & 31
    v >>>= 5
    out += VLQ[digit | (v ? 32 : 0)]
  } while (v)
  return out
}

/**
 * A chunk in Turbopack's shape (`module.exports = [id, ((__turbopack_context__, module, exports) => {..}), ..]`),
 * each factory's body the original file's lines (requires rewritten to
 * `__turbopack_context__.r(id)`), with a line map back to them; and a small
 * runtime (index.js, unmapped) whose load() requires src/lazy.js.
 */
function buildTurbopackShape() {
  const dir = path.join(DIST, 'turbopack')
  fs.mkdirSync(dir, { recursive: true })
  const lines = ['module.exports = [']
  const mappings = ['']
  const sources = []
  let prev = { source: 0, line: 0 }
  for (const name of ['helper.js', 'lazy.js']) {
    const file = path.join(SRC, name)
    const source = sources.push(file) - 1
    lines.push(`"src/${name}", ((__turbopack_context__, module, exports) => {`)
    mappings.push('')
    fs.readFileSync(file, 'utf8')
      .replace(/\n$/, '')
      .split('\n')
      .forEach((text, line) => {
        lines.push(text.replace(/require\('\.\/(\w+)'\)/g, '__turbopack_context__.r("src/$1.js")'))
        mappings.push('A' + vlq(source - prev.source) + vlq(line - prev.line) + 'A')
        prev = { source, line }
      })
    lines.push('}),')
    mappings.push('')
  }
  lines.push('];', '//# sourceMappingURL=chunk.js.map', '')
  fs.writeFileSync(path.join(dir, 'chunk.js'), lines.join('\n'))
  const map = { version: 3, file: 'chunk.js', sources, names: [], mappings: mappings.join(';') }
  fs.writeFileSync(path.join(dir, 'chunk.js.map'), JSON.stringify(map))
  fs.writeFileSync(
    path.join(dir, 'index.js'),
    `'use strict'
const list = require('./chunk.js')
const factories = {}
for (let i = 0; i < list.length; i += 2) factories[list[i]] = list[i + 1]
const cache = {}
function r(id) {
  if (!cache[id]) {
    const module = (cache[id] = { exports: {} })
    factories[id]({ r }, module, module.exports)
  }
  return cache[id].exports
}
exports.load = () => r('src/lazy.js')
`,
  )
}

before(async () => {
  fs.rmSync(DIST, { recursive: true, force: true })
  await buildWebpack()
  await buildWebpack('./src/tla-entry.mjs', 'webpack-tla')
  buildTurbopackShape()
})
after(() => fs.rmSync(DIST, { recursive: true, force: true }))

for (const bundler of ['webpack', 'turbopack']) {
  test(`${bundler}: a module initialised in its factory on a test's request counts into startup; the test's report is the same alone and after another test`, async () => {
    const alone = await run([['A', `/${bundler}?a`]])
    const later = await run([
      ['B', `/${bundler}?b`],
      ['A', `/${bundler}?a`],
    ])
    // The app's files (the bundler's own require takes its cache branch or not).
    for (const file of ['src/lazy.js', 'src/helper.js']) {
      const suffix = `module-init-bundle/${file}`
      assert.deepEqual(entryFor(alone.A, suffix), entryFor(later.A, suffix), `${file}: A alone = A after B loaded the module`)
    }
    const lazy = entryFor(alone.A, 'module-init-bundle/src/lazy.js')
    const helper = entryFor(alone.A, 'module-init-bundle/src/helper.js')
    assert.ok(lazy && helper, `reports name the original files: ${Object.keys(alone.A)}`)
    assert.ok(moduleLevel(lazy).length >= 3, 'lazy.js has top-level statements')
    assert.equal(sum(moduleLevel(lazy)), 0, "lazy.js's top level is not in A")
    assert.equal(sum(moduleLevel(helper)), 0, 'nor that of helper.js, which it requires')
    assert.equal(fnHits(helper, 'table'), 0, 'nor the call its initialisation makes')
    assert.equal(fnHits(lazy, 'hello'), 1, 'what A itself calls is in A')
    for (const { startup } of [alone, later]) {
      assert.ok(
        moduleLevel(entryFor(startup, 'module-init-bundle/src/lazy.js')).every((n) => n === 1),
        'in startup, once',
      )
      assert.equal(fnHits(entryFor(startup, 'module-init-bundle/src/helper.js'), 'table'), 1)
      assert.equal(fnHits(entryFor(startup, 'module-init-bundle/src/lazy.js'), 'hello'), 0)
    }
  })
}

// Top-level await: webpack makes tla.mjs an async module, whose factory awaits
// before the rest of the top level runs (in a later job, after the test's
// request handler has gone on). What comes after the await is module
// initialisation too, and counts into startup.
test('webpack: an async module (top-level await) initialises into startup, the code after its await included', async () => {
  const alone = await run([['A', '/webpack-tla?a']])
  const later = await run([
    ['B', '/webpack-tla?b'],
    ['A', '/webpack-tla?a'],
  ])
  const suffix = 'module-init-bundle/src/tla.mjs'
  assert.deepEqual(entryFor(alone.A, suffix), entryFor(later.A, suffix), 'A alone = A after B loaded the module')
  const tla = entryFor(alone.A, suffix)
  assert.ok(tla, `reports name the original file: ${Object.keys(alone.A)}`)
  const afterAwait = Object.keys(tla.statementMap).find((k) => tla.statementMap[k].start.line === 6)
  assert.ok(afterAwait !== undefined && moduleLevel(tla).length >= 2, 'tla.mjs has top-level statements, one after its await')
  assert.equal(tla.s[afterAwait], 0, 'the statement after the await is not in A')
  assert.equal(sum(moduleLevel(tla)), 0, "tla.mjs's top level is not in A")
  assert.equal(fnHits(entryFor(alone.A, 'module-init-bundle/src/helper.js'), 'table'), 0, 'nor the call made after the await')
  assert.equal(fnHits(tla, 'hello'), 1, 'what A itself calls is in A')
  for (const { startup } of [alone, later]) {
    assert.ok(
      moduleLevel(entryFor(startup, suffix)).every((n) => n === 1),
      'in startup, once',
    )
    assert.equal(fnHits(entryFor(startup, 'module-init-bundle/src/helper.js'), 'table'), 1)
  }
})
