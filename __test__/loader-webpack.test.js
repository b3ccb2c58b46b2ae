'use strict'
// cov-als-native/loader under a real webpack (Next's bundled webpack 5), on a
// small project: the COV_ALS_CLIENT switch, include/exclude from
// cov-als.config.json, no instrumentation for a node target, and a source
// map that leads back to the original source.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const vm = require('node:vm')

const LOADER = path.join(__dirname, '..', 'loader.js')
const { webpack } = require('next/dist/compiled/webpack/bundle5')()
let dir

before(() => {
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-loader-')))
  fs.mkdirSync(path.join(dir, 'src'))
  fs.writeFileSync(path.join(dir, 'cov-als.config.json'), JSON.stringify({ include: ['src/**'], exclude: ['src/skip.js'] }))
  fs.writeFileSync(path.join(dir, 'src/index.js'), "import { s } from './skip.js'\nexport function hello(a) {\n  return a ? s : 2\n}\nhello(1)\n")
  fs.writeFileSync(path.join(dir, 'src/skip.js'), 'export const s = 1\n')
})
after(() => fs.rmSync(dir, { recursive: true, force: true }))

function build(name, { client, target = 'web' }) {
  const saved = process.env.COV_ALS_CLIENT
  process.env.COV_ALS_CLIENT = client ? '1' : '0'
  const out = path.join(dir, `out-${name}`)
  const compiler = webpack({
    context: dir,
    mode: 'development',
    devtool: 'source-map',
    target,
    entry: './src/index.js',
    output: { path: out },
    module: { rules: [{ test: /\.js$/, enforce: 'pre', use: [LOADER] }] },
  })
  return new Promise((resolve, reject) => {
    compiler.run((err, stats) => {
      process.env.COV_ALS_CLIENT = saved
      if (saved === undefined) delete process.env.COV_ALS_CLIENT
      if (err || stats.hasErrors()) return reject(err || new Error(stats.toString()))
      compiler.close(() =>
        resolve({ code: fs.readFileSync(path.join(out, 'main.js'), 'utf8'), map: JSON.parse(fs.readFileSync(path.join(out, 'main.js.map'), 'utf8')) }),
      )
    })
  })
}

test('with COV_ALS_CLIENT=1, included files count into __coverage__, excluded ones do not', async () => {
  const { code } = await build('on', { client: true })
  const realm = vm.createContext({})
  vm.runInContext(code, realm)
  const coverage = JSON.parse(JSON.stringify(realm.__coverage__))
  assert.deepEqual(Object.keys(coverage), [path.join(dir, 'src/index.js')])
  const fc = coverage[path.join(dir, 'src/index.js')]
  assert.equal(fc.fnMap['0'].name, 'hello')
  assert.equal(fc.f['0'], 1)
  assert.deepEqual(fc.b['0'], [1, 0])
})

test('the output map leads back to the original source', async () => {
  const { code, map } = await build('map', { client: true })
  assert.ok(code.includes('__coverage__'), 'instrumented')
  const i = map.sources.findIndex((s) => s.endsWith('src/index.js'))
  assert.ok(i >= 0, map.sources.join(', '))
  assert.equal(map.sourcesContent[i], fs.readFileSync(path.join(dir, 'src/index.js'), 'utf8'))
})

test('without the switch, or for a node target, nothing is instrumented', async () => {
  assert.ok(!(await build('off', { client: false })).code.includes('__coverage__'))
  assert.ok(!(await build('node', { client: true, target: 'node' })).code.includes('__coverage__'))
})
