'use strict'
// Coverage of deployed artifacts: maps the build left elsewhere (hidden
// source maps beside the files, a Next.js standalone copy, map directories)
// and `pathMap` (files served under one prefix, reported under another).
// The Next example's standalone server is tested in __test__/next-rsc.test.js:
// its Playwright suite runs against `next start` and against the standalone
// server.js of the same builds, and each test's server half must be equal.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const ts = require('typescript')
const { startServer, request, REPO } = require('./support/server')
const { fnHits } = require('./support/coverage')
const { parsePathMap, createPathMapper, remapCoverageMap } = require('../lib/path-map')
const { standaloneOrigin } = require('../lib/source-maps')
const config = require('../lib/config')

const CLI = path.join(REPO, 'bin/cov-als.js')

// ------------------------------------------------------------ small fixtures

const MATH_TS = `export function add(a: number, b: number): number {
  return a + b
}

export function scale(v: number, k: number): number {
  if (k === 0) {
    return 0
  }
  return v * k
}
`

/** Compile `source` with TypeScript: `{ code, map }`, the code without its sourceMappingURL comment (hidden source map). */
function compile(source, fileName) {
  const out = ts.transpileModule(source, {
    fileName,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, sourceMap: true },
  })
  return { code: out.outputText.replace(/\n\/\/# sourceMappingURL=.*\s*$/, '\n'), map: JSON.parse(out.sourceMapText) }
}

const SERVER_JS = `'use strict'
const http = require('node:http')
const { add, scale } = require('./dist/math.js')
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x')
  const v = Number(url.searchParams.get('v') || 1)
  res.end(String(url.pathname === '/scale' ? scale(v, Number(url.searchParams.get('k'))) : add(v, 1)))
})
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })))
`

/** A tree: src/math.ts, dist/math.js with its map beside it (no comment), server.js. */
function writeApp(dir, { source = MATH_TS, withMap = true } = {}) {
  fs.mkdirSync(path.join(dir, 'src'), { recursive: true })
  fs.mkdirSync(path.join(dir, 'dist'), { recursive: true })
  fs.writeFileSync(path.join(dir, 'src/math.ts'), source)
  const { code, map } = compile(source, 'math.ts')
  map.sources = ['../src/math.ts']
  map.file = 'math.js'
  fs.writeFileSync(path.join(dir, 'dist/math.js'), code)
  if (withMap) fs.writeFileSync(path.join(dir, 'dist/math.js.map'), JSON.stringify(map))
  fs.writeFileSync(path.join(dir, 'server.js'), SERVER_JS)
  return dir
}

function tmp(name) {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `cov-als-${name}-`)))
}

/** Run `testId`'s requests against a fixture server and return its flushed coverage. */
async function coverageOf(server, testId, paths) {
  for (const p of paths) {
    const res = await request(server.port, { path: p, headers: { 'x-cov-test-id': testId } })
    assert.equal(res.status, 200, `${p}: ${res.body}`)
  }
  const res = await request(server.port, { method: 'POST', path: '/__cov/flush', body: { testId } })
  assert.equal(res.status, 200, res.body)
  return res.json.coverage
}

/** An HTML report page as text (the source is split into highlighted spans). */
function htmlText(file) {
  return fs.readFileSync(file, 'utf8').replace(/<[^>]*>/g, '')
}

function warningsOf(server, text) {
  return server
    .stderr()
    .split('\n')
    .filter((l) => l.includes(text))
}

// ------------------------------------------------------------------- options

test('pathMap: parsed from objects, pairs and the env form; longest prefix, whole segments', () => {
  assert.deepEqual(parsePathMap({ '/app': '/home/ci/repo' }), [['/app', '/home/ci/repo']])
  assert.deepEqual(parsePathMap('/app=/r, /app/sub/=/s'), [
    ['/app/sub', '/s'],
    ['/app', '/r'],
  ])
  assert.deepEqual(parsePathMap([['/a', 'rel']], '/cwd'), [['/a', '/cwd/rel']])
  const mapPath = createPathMapper(parsePathMap('/app=/r,/app/sub=/s'))
  assert.equal(mapPath('/app/x.ts'), '/r/x.ts')
  assert.equal(mapPath('/app/sub/y.ts'), '/s/y.ts')
  assert.equal(mapPath('/app'), '/r')
  assert.equal(mapPath('/apple/x.ts'), '/apple/x.ts', 'only whole path segments')
  assert.throws(() => parsePathMap('app=/r'), /must be absolute/)
  assert.throws(() => parsePathMap('/app'), /from=to/)
  assert.throws(() => parsePathMap([['/a']]), /\[from, to\]/)
})

test('config: pathMap and sourceMapDirs from the environment and the config file; bad values named', () => {
  const dir = tmp('config')
  fs.writeFileSync(path.join(dir, 'cov-als.config.json'), JSON.stringify({ pathMap: { '/app': 'checkout' }, sourceMapDirs: ['maps'] }))
  const fromFile = config.load({}, dir)
  assert.deepEqual(fromFile.pathMap, [['/app', path.join(dir, 'checkout')]])
  assert.deepEqual(fromFile.sourceMapDirs, [path.join(dir, 'maps')])
  const fromEnv = config.load({ COV_ALS_PATH_MAP: '/b=/c', COV_ALS_SOURCE_MAP_DIRS: '/m1,/m2' }, dir)
  assert.deepEqual(fromEnv.pathMap, [['/b', '/c']])
  assert.deepEqual(fromEnv.sourceMapDirs, ['/m1', '/m2'])
  assert.throws(() => config.load({ COV_ALS_PATH_MAP: 'nope' }, dir), /option pathMap \(from COV_ALS_PATH_MAP\): .*from=to/)
})

test('standaloneOrigin: a standalone copy names the chunk of the build it was copied from', () => {
  assert.equal(standaloneOrigin('/r/app/.next/standalone/app/.next/server/chunks/ssr/x.js'), '/r/app/.next/server/chunks/ssr/x.js')
  assert.equal(standaloneOrigin('/r/app/.next-t/standalone/mono/apps/web/.next-t/server/app/page.js'), '/r/app/.next-t/server/app/page.js')
  assert.equal(standaloneOrigin('/r/app/.next/server/chunks/x.js'), null)
  assert.equal(standaloneOrigin('/r/standalone/lib/x.js'), null)
})

test('remapCoverageMap: keys, paths and input map sources; two files onto one merge; missing targets warned once', () => {
  const fc = (p, hits) => ({
    path: p,
    statementMap: { 0: { start: { line: 1, column: 0 }, end: { line: 1, column: 5 } } },
    fnMap: {},
    branchMap: {},
    s: { 0: hits },
    f: {},
    b: {},
  })
  const host = tmp('remap')
  fs.writeFileSync(path.join(host, 'a.ts'), 'x\n')
  const data = {
    '/app/a.ts': { ...fc('/app/a.ts', 2), inputSourceMap: { sources: ['/app/a.ts'] } },
    '/copy/a.ts': fc('/copy/a.ts', 3),
    '/app/gone.ts': fc('/app/gone.ts', 1),
  }
  const warnings = []
  const mapPath = createPathMapper(parsePathMap({ '/app': host, '/copy': host }))
  const out = remapCoverageMap(data, mapPath, { warn: (m) => warnings.push(m) }).toJSON()
  assert.deepEqual(Object.keys(out).sort(), [path.join(host, 'a.ts'), path.join(host, 'gone.ts')].sort())
  assert.equal(out[path.join(host, 'a.ts')].s[0], 5)
  remapCoverageMap(data, mapPath, { warn: (m) => warnings.push(m) })
  assert.equal(warnings.length, 1, 'one warning per mapper')
  assert.match(warnings[0], /do not exist: .*gone\.ts/)
})

// ------------------------------------------------------- maps found elsewhere

test('hidden source maps: the sibling <file>.map is used; a stale one is not, with one warning', async () => {
  const root = writeApp(tmp('hidden'))
  // A second module whose sibling map is another build's (it names another file).
  const stale = compile(MATH_TS, 'math.ts')
  fs.writeFileSync(path.join(root, 'dist/stale.js'), stale.code)
  fs.writeFileSync(path.join(root, 'dist/stale.js.map'), JSON.stringify({ ...stale.map, file: 'other.js', sources: ['../src/math.ts'] }))
  fs.appendFileSync(path.join(root, 'server.js'), "require('./dist/stale.js')\n")
  const env = { COV_ALS: '1', COV_ALS_INCLUDE: 'src/**', COV_ALS_OUT_DIR: path.join(root, 'out') }
  const server = await startServer(path.join(root, 'server.js'), { root, env })
  try {
    const cov = await coverageOf(server, 't', ['/scale?v=2&k=3', '/add?v=1'])
    const file = path.join(root, 'src/math.ts')
    assert.deepEqual(Object.keys(cov), [file])
    assert.equal(fnHits(cov[file], 'add'), 1)
    assert.equal(fnHits(cov[file], 'scale'), 1)
    assert.deepEqual(cov[file].fnMap[Object.keys(cov[file].fnMap).find((k) => cov[file].fnMap[k].name === 'scale')].loc.start.line, 5, 'lines of the .ts')
  } finally {
    await server.stop()
  }
  const warnings = warningsOf(server, 'not using the source map')
  assert.equal(warnings.length, 1, server.stderr())
  assert.match(warnings[0], /stale\.js\.map.*does not describe/)
})

test('sourceMapDirs: of two builds the one whose chunk matches the loaded file wins; no match, no map, one warning', async () => {
  const root = tmp('mapdirs')
  writeApp(path.join(root, 'builds/b'))
  // Build "a": same file names, other code (an older version of the source).
  writeApp(path.join(root, 'builds/a'), { source: '// v1\n\n' + MATH_TS })
  // The server runs a copy of build b's code without its maps.
  const app = path.join(root, 'app')
  writeApp(app, { withMap: false })
  fs.copyFileSync(path.join(root, 'builds/b/dist/math.js'), path.join(app, 'dist/math.js'))
  const env = { COV_ALS: '1', COV_ALS_ROOT: root, COV_ALS_INCLUDE: 'builds/*/src/**', COV_ALS_OUT_DIR: path.join(root, 'out') }
  const server = await startServer(path.join(app, 'server.js'), { root: app, env: { ...env, COV_ALS_SOURCE_MAP_DIRS: 'builds/a,builds/b' } })
  try {
    const cov = await coverageOf(server, 't', ['/scale?v=2&k=0'])
    assert.deepEqual(Object.keys(cov), [path.join(root, 'builds/b/src/math.ts')], 'build b, found through its matching chunk')
  } finally {
    await server.stop()
  }
  assert.deepEqual(warningsOf(server, 'not using the source map'), [], 'a match was found: nothing to warn about')

  // Only the other build's map: not used, one warning.
  const alone = await startServer(path.join(app, 'server.js'), { root: app, env: { ...env, COV_ALS_SOURCE_MAP_DIRS: 'builds/a' } })
  try {
    assert.deepEqual(await coverageOf(alone, 't', ['/scale?v=2&k=0']), {})
  } finally {
    await alone.stop()
  }
  const warnings = warningsOf(alone, 'not using the source map')
  assert.equal(warnings.length, 1, alone.stderr())
  assert.match(warnings[0], /builds\/a\/dist\/math\.js beside it differs/)
})

test('a Next standalone copy: the map of the build it was copied from, only when the chunk is the same', async () => {
  const root = tmp('copy')
  fs.mkdirSync(path.join(root, 'src'))
  fs.writeFileSync(path.join(root, 'src/math.ts'), MATH_TS)
  const { code, map } = compile(MATH_TS, 'math.ts')
  const build = path.join(root, '.next/server/chunks')
  fs.mkdirSync(build, { recursive: true })
  fs.writeFileSync(path.join(build, 'math.js'), code + '//# sourceMappingURL=math.js.map\n')
  fs.writeFileSync(path.join(build, 'math.js.map'), JSON.stringify({ ...map, sources: [path.join(root, 'src/math.ts')] }))
  // What `output: 'standalone'` copies: the chunk (its comment names a map left behind) and the server.
  const copy = path.join(root, '.next/standalone/app')
  fs.mkdirSync(path.join(copy, '.next/server/chunks'), { recursive: true })
  fs.copyFileSync(path.join(build, 'math.js'), path.join(copy, '.next/server/chunks/math.js'))
  fs.writeFileSync(path.join(copy, 'server.js'), SERVER_JS.replace('./dist/math.js', './.next/server/chunks/math.js'))
  const env = { COV_ALS: '1', COV_ALS_ROOT: root, COV_ALS_INCLUDE: 'src/**', COV_ALS_OUT_DIR: path.join(root, 'out') }
  const server = await startServer(path.join(copy, 'server.js'), { root: copy, env })
  try {
    const cov = await coverageOf(server, 't', ['/add?v=3'])
    assert.deepEqual(Object.keys(cov), [path.join(root, 'src/math.ts')])
    assert.equal(fnHits(cov[path.join(root, 'src/math.ts')], 'add'), 1)
  } finally {
    await server.stop()
  }
  // The build was redone after the copy: its chunk (and map) no longer match.
  fs.appendFileSync(path.join(build, 'math.js'), '// rebuilt\n')
  const stale = await startServer(path.join(copy, 'server.js'), { root: copy, env })
  try {
    assert.deepEqual(await coverageOf(stale, 't', ['/add?v=3']), {})
  } finally {
    await stale.stop()
  }
  const warnings = warningsOf(stale, 'not using the source map')
  assert.equal(warnings.length, 1, stale.stderr())
  assert.match(warnings[0], /differs from .* \(another build\)/)
})

// ------------------------------------------------------------------ pathMap

test('pathMap: a bundle built under /app (absolute map sources) reports the host files', () => {
  const cov = require('..')
  const { createFileInstrumenter } = require('../lib/server/instrument-file')
  const host = writeApp(tmp('built-in-container'))
  const { code, map } = compile(MATH_TS, 'math.ts')
  fs.writeFileSync(path.join(host, 'dist/math.js.map'), JSON.stringify({ ...map, sources: ['/app/src/math.ts'] }))
  const filename = path.join(host, 'dist/math.js')
  const base = { root: host, include: ['src/**'], exclude: [], sourceMaps: true, reportLogic: false }
  const run = (config, testId) => {
    const out = createFileInstrumenter(cov, config, () => {}).instrument(code, filename, 'commonjs')
    const m = { exports: {} }
    new Function('module', 'exports', out)(m, m.exports)
    cov.run(testId, () => m.exports.scale(2, 0))
    return cov.flush(testId)
  }
  assert.deepEqual(
    Object.keys(run(base, 'unmapped')).filter((k) => k.startsWith(host) || k.startsWith('/app')),
    [],
    'without pathMap /app/src is not below root',
  )
  const mapped = run({ ...base, pathMap: parsePathMap({ '/app': host }) }, 'mapped')
  const file = path.join(host, 'src/math.ts')
  assert.ok(mapped[file], Object.keys(mapped).join(', '))
  assert.equal(fnHits(mapped[file], 'scale'), 1)
  assert.equal(fnHits(mapped[file], 'add'), 0)
})

test('pathMap: a server run from a copied tree reports the host files; `cov-als report` shows their source', async () => {
  const host = writeApp(tmp('host'))
  // The "container": the same files under another prefix.
  const container = tmp('container')
  fs.cpSync(host, path.join(container, 'app'), { recursive: true })
  const app = path.join(container, 'app')
  const out = path.join(container, 'out')
  const env = { COV_ALS: '1', COV_ALS_ROOT: app, COV_ALS_INCLUDE: 'src/**', COV_ALS_OUT_DIR: out, COV_ALS_PATH_MAP: `${app}=${host}` }
  const server = await startServer(path.join(app, 'server.js'), { root: app, env })
  try {
    const cov = await coverageOf(server, 'mapped', ['/add?v=1'])
    assert.deepEqual(Object.keys(cov), [path.join(host, 'src/math.ts')])
    assert.equal(cov[path.join(host, 'src/math.ts')].path, path.join(host, 'src/math.ts'))
    assert.equal(fnHits(cov[path.join(host, 'src/math.ts')], 'add'), 1)
  } finally {
    await server.stop()
  }
  assert.deepEqual(warningsOf(server, 'pathMap'), [], 'the mapped files exist')
  const report = path.join(container, 'report')
  const r = spawnSync(process.execPath, [CLI, 'report', out, '--out', report, '--reporters', 'html,lcovonly'], { encoding: 'utf8' })
  assert.equal(r.status, 0, r.stderr)
  assert.match(fs.readFileSync(path.join(report, 'merged/lcov.info'), 'utf8'), new RegExp(`SF:.*${path.basename(host)}/src/math\\.ts`))
  assert.match(htmlText(path.join(report, 'merged/math.ts.html')), /export function scale/, 'the HTML report shows the host source')
})

test('pathMap onto files that do not exist (nor the sources here): entries kept under the mapped paths, one warning', async () => {
  const app = writeApp(tmp('nowhere-app'))
  const nowhere = path.join(tmp('nowhere'), 'checkout')
  // Like an image with the build and its maps but not the sources.
  fs.rmSync(path.join(app, 'src'), { recursive: true })
  const env = {
    COV_ALS: '1',
    COV_ALS_ROOT: app,
    COV_ALS_INCLUDE: 'src/**,server.js',
    COV_ALS_OUT_DIR: path.join(app, 'out'),
    COV_ALS_PATH_MAP: `${app}=${nowhere}`,
  }
  const server = await startServer(path.join(app, 'server.js'), { root: app, env })
  try {
    const cov = await coverageOf(server, 't', ['/add?v=1'])
    assert.deepEqual(Object.keys(cov).sort(), [path.join(nowhere, 'server.js'), path.join(nowhere, 'src/math.ts')])
  } finally {
    await server.stop()
  }
  const warnings = warningsOf(server, 'pathMap maps onto files that do not exist')
  assert.equal(warnings.length, 1, server.stderr())
  assert.match(warnings[0], /checkout\/(src\/math\.ts|server\.js)/)
})

test('cov-als report --path-map: data collected under another prefix reported under the host paths', async () => {
  const container = writeApp(tmp('collected'))
  const out = path.join(container, 'out')
  const server = await startServer(path.join(container, 'server.js'), {
    root: container,
    env: { COV_ALS: '1', COV_ALS_INCLUDE: 'src/**', COV_ALS_OUT_DIR: out },
  })
  try {
    await coverageOf(server, 'elsewhere', ['/scale?v=1&k=2'])
  } finally {
    await server.stop()
  }
  const host = writeApp(tmp('report-host'))
  const report = path.join(host, 'report')
  const run = (...extra) => spawnSync(process.execPath, [CLI, 'report', out, '--out', report, '--reporters', 'html,lcovonly', ...extra], { encoding: 'utf8' })
  const r = run('--path-map', `${container}=${host}`)
  assert.equal(r.status, 0, r.stderr)
  const lcov = fs.readFileSync(path.join(report, 'merged/lcov.info'), 'utf8')
  assert.match(lcov, new RegExp(`SF:.*${path.basename(host)}/src/math\\.ts`))
  assert.doesNotMatch(lcov, new RegExp(path.basename(container)))
  assert.match(htmlText(path.join(report, 'merged/math.ts.html')), /export function scale/)
  const bad = run('--path-map', 'relative=/x')
  assert.equal(bad.status, 2)
  assert.match(bad.stderr, /--path-map: a pathMap prefix must be absolute/)
})
