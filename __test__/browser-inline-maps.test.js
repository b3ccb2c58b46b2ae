'use strict'
// The browser half through an inline (data:) source map whose sources are
// relative: Vite's dev server serves /app/root.tsx with
// `//# sourceMappingURL=data:...` and `sources: ['root.tsx']`. Such sources
// are relative to the script's URL (a data: URL has no path of its own); the
// field trial of a React Router app (docs/field-trials.md) got an empty browser
// half, with no warning, because they were resolved against the data URL.
// The V8 entry is what Chromium reports for a script run once from top to end;
// the conversion is v8-to-istanbul's, as in a Playwright run.

const test = require('node:test')
const assert = require('node:assert')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { collectorFor } = require('./support/browser-collector')

// One generated line per source line, each mapped to column 0 of the same line.
function identityMap(lines, source) {
  const mappings = lines.map((_, i) => (i === 0 ? 'AAAA' : 'AACA')).join(';')
  return { version: 3, sources: [source], names: [], mappings }
}

function inlineScript(lines, source) {
  const map = Buffer.from(JSON.stringify(identityMap(lines, source))).toString('base64')
  return `${lines.join('\n')}\n//# sourceMappingURL=data:application/json;base64,${map}\n`
}

const lines = ['export function greet(name) {', "  return 'hi ' + name", '}', "greet('x')"]

// What Chromium reports for /app/root.js run once, greet() called once.
function greetEntry(source) {
  return {
    url: 'http://127.0.0.1:5173/app/root.js',
    scriptId: '1',
    source,
    functions: [
      { functionName: '', isBlockCoverage: true, ranges: [{ startOffset: 0, endOffset: source.length, count: 1 }] },
      { functionName: 'greet', isBlockCoverage: true, ranges: [{ startOffset: 7, endOffset: source.indexOf('}') + 1, count: 1 }] },
    ],
  }
}

test('an inline map with relative sources maps to the file under the script URL path', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-inline-map-'))
  try {
    fs.mkdirSync(path.join(root, 'app'))
    const file = path.join(root, 'app', 'root.js')
    fs.writeFileSync(file, `${lines.join('\n')}\n`)
    const source = inlineScript(lines, 'root.js')
    const { collector, warnings } = collectorFor(root)
    collector.v8Entries = [greetEntry(source)]
    const map = await collector.convertV8(() => assert.fail('an inline map is not fetched'))
    assert.deepEqual(map.files(), [file])
    const fc = map.fileCoverageFor(file).toJSON()
    const fn = Object.keys(fc.fnMap).find((k) => fc.fnMap[k].name === 'greet')
    assert.ok(fn !== undefined, 'greet is among the functions')
    assert.equal(fc.f[fn], 1)
    assert.deepEqual(warnings, [])
  } finally {
    fs.rmSync(root, { recursive: true, force: true })
  }
})

// Vite dev's inline map of a larger module (React Router's app/root.tsx, its
// text in sourcesContent) makes the last line longer than 4 KB: the map URL
// was looked for in the last 4 KB only, and the module dropped as if it had
// no map (rr-demo's browser half lacked root.tsx and its routes).
test('an inline map whose comment line is longer than 4 KB is found', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-inline-map-'))
  try {
    fs.mkdirSync(path.join(root, 'app'))
    const file = path.join(root, 'app', 'root.js')
    const padded = [...lines, `// ${'padding '.repeat(1000)}`]
    fs.writeFileSync(file, `${padded.join('\n')}\n`)
    const map = { ...identityMap(padded, 'root.js'), sourcesContent: [`${padded.join('\n')}\n`] }
    const source = `${padded.join('\n')}\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(map)).toString('base64')}\n`
    assert.ok(source.length - source.lastIndexOf('\n', source.length - 2) > 8192, 'the comment line is long')
    const { collector, warnings } = collectorFor(root)
    collector.v8Entries = [greetEntry(source)]
    const out = await collector.convertV8(() => assert.fail('an inline map is not fetched'))
    assert.deepEqual(out.files(), [file])
    const fc = out.fileCoverageFor(file).toJSON()
    assert.equal(fc.f[Object.keys(fc.fnMap).find((k) => fc.fnMap[k].name === 'greet')], 1)
    assert.deepEqual(warnings, [])
  } finally {
    fs.rmSync(root, { recursive: true, force: true })
  }
})

test('the same inline map under two script URLs names each script its own file', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-inline-map-'))
  try {
    for (const dir of ['a', 'b']) {
      fs.mkdirSync(path.join(root, dir))
      fs.writeFileSync(path.join(root, dir, 'root.js'), `${lines.join('\n')}\n`)
    }
    const source = inlineScript(lines, 'root.js')
    const entry = (dir, id) => ({
      url: `http://127.0.0.1:5173/${dir}/root.js`,
      scriptId: id,
      source,
      functions: [{ functionName: '', isBlockCoverage: true, ranges: [{ startOffset: 0, endOffset: source.length, count: 1 }] }],
    })
    const { collector } = collectorFor(root)
    collector.v8Entries = [entry('a', '1'), entry('b', '2')]
    const map = await collector.convertV8(() => assert.fail('an inline map is not fetched'))
    assert.deepEqual(map.files().sort(), [path.join(root, 'a', 'root.js'), path.join(root, 'b', 'root.js')])
  } finally {
    fs.rmSync(root, { recursive: true, force: true })
  }
})

// Vite's dev server serves pre-bundled dependencies from /node_modules/.vite/deps/;
// the React Router field trial got "has no source map ... set build.sourcemap" for
// them, advice about a build that does not apply and code that is not the project's.
test('scripts served from node_modules are dropped without a warning; a project script still warns', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-inline-map-'))
  try {
    const plain = `${lines.join('\n')}\n`
    const entry = (url, source) => ({
      url,
      scriptId: url,
      source,
      functions: [{ functionName: '', isBlockCoverage: true, ranges: [{ startOffset: 0, endOffset: source.length, count: 1 }] }],
    })
    const { collector, warnings } = collectorFor(root)
    collector.v8Entries = [
      entry('http://127.0.0.1:5173/node_modules/.vite/deps/chunk-nomap.js?v=1a2b', plain),
      entry('http://127.0.0.1:5173/node_modules/.vite/deps/dep-badmap.js?v=1a2b', `${plain}//# sourceMappingURL=dep-badmap.js.map\n`),
      entry('http://127.0.0.1:5173/src/own-nomap.js', plain),
    ]
    const map = await collector.convertV8(async () => {
      throw new Error('404')
    })
    assert.deepEqual(map.files(), [])
    assert.equal(warnings.length, 1, warnings.join('\n'))
    assert.match(warnings[0], /\/src\/own-nomap\.js has no source map/)
  } finally {
    fs.rmSync(root, { recursive: true, force: true })
  }
})

// next dev (Turbopack) serves chunk lists and its own HMR client without maps:
// 89 "has no source map" warnings in one run of 19 tests, each advising
// productionBrowserSourceMaps, a build setting that does not apply to
// `next dev` (docs/field-trials.md, next-todo 7).
test('next dev: Turbopack chunk lists and runtime chunks are dropped quietly; a project chunk warns without build advice', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-inline-map-'))
  try {
    fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ dependencies: { next: '16.0.0' } }))
    const plain = `${lines.join('\n')}\n`
    const chunkList =
      '(globalThis.TURBOPACK_CHUNK_LISTS ||= []).push({\n  script: typeof document === "object" ? document.currentScript : undefined,\n  chunks: ["static/chunks/app_page_tsx.js"],\n  source: "entry"\n});\n'
    const entry = (url, source) => ({
      url,
      scriptId: url,
      source,
      functions: [{ functionName: '', isBlockCoverage: true, ranges: [{ startOffset: 0, endOffset: source.length, count: 1 }] }],
    })
    const chunks = 'http://127.0.0.1:3000/_next/static/chunks'
    const { collector, warnings } = collectorFor(root)
    collector.v8Entries = [
      entry(`${chunks}/example-app_app_layout_tsx_45c606b8._.js`, chunkList),
      entry(`${chunks}/%5Bturbopack%5D_browser_dev_hmr-client_hmr-client_ts_49ff8ad1._.js`, plain),
      entry(`${chunks}/app_own_nomap.js`, plain),
    ]
    await collector.convertV8(() => assert.fail('no map to fetch'))
    assert.deepEqual(warnings, [`cov-als-native: ${chunks}/app_own_nomap.js has no source map; its browser coverage is dropped`])

    // Vite's dev server (its client on the page): no build advice either.
    const vite = collectorFor(root)
    vite.collector.v8Entries = [entry('http://127.0.0.1:5173/@vite/client', plain), entry('http://127.0.0.1:5173/src/own_nomap.js', plain)]
    await vite.collector.convertV8(() => assert.fail('no map to fetch'))
    assert.deepEqual(vite.warnings, ['cov-als-native: http://127.0.0.1:5173/src/own_nomap.js has no source map; its browser coverage is dropped'])

    // The same project chunk from `next start` (no dev server's scripts): the build advice.
    const built = collectorFor(root)
    built.collector.v8Entries = [entry(`${chunks}/app_built_nomap.js`, plain)]
    await built.collector.convertV8(() => assert.fail('no map to fetch'))
    assert.deepEqual(built.warnings, [
      `cov-als-native: ${chunks}/app_built_nomap.js has no source map; its browser coverage is dropped (set productionBrowserSourceMaps: true in next.config)`,
    ])
  } finally {
    fs.rmSync(root, { recursive: true, force: true })
  }
})

// Playwright starts a new worker after every failed test, so a warning given
// once per worker came back after each failure. With the fixture, each test
// records its scripts without maps and the reporter prints one line for the run.
test('scripts without maps: recorded per test, printed once by the reporter however many workers saw them', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-inline-map-'))
  const logged = []
  const consoleWarn = console.warn
  try {
    const plain = `${lines.join('\n')}\n`
    const entry = (url) => ({
      url,
      scriptId: url,
      source: plain,
      functions: [{ functionName: '', isBlockCoverage: true, ranges: [{ startOffset: 0, endOffset: plain.length, count: 1 }] }],
    })
    const { NO_SOURCE_MAP_ANNOTATION } = require('../lib/runner/no-source-map')
    const Reporter = require('../reporter')
    const reporter = new Reporter({ flush: false })
    // Three tests, as if each ran in a worker of its own (a fresh process after a failure).
    for (const urls of [['/static/a.js', '/static/b.js', '/static/a.js?v=2'], ['/static/a.js'], ['/static/b.js']]) {
      const annotations = []
      const { collector, warnings } = collectorFor(root, {
        noSourceMap: (url, advice) => annotations.push({ type: NO_SOURCE_MAP_ANNOTATION, description: JSON.stringify({ url, advice }) }),
      })
      collector.v8Entries = urls.map((u) => entry(`http://127.0.0.1:4000${u}`))
      await collector.convertV8(() => assert.fail('no map to fetch'))
      assert.deepEqual(warnings, [], 'nothing printed by the worker')
      reporter.onTestEnd({ annotations: [] }, { annotations })
    }
    console.warn = (m) => logged.push(String(m))
    await reporter.onEnd()
    const summary = logged.filter((m) => /no source map/.test(m))
    assert.equal(summary.length, 1, logged.join('\n'))
    assert.match(
      summary[0],
      /^cov-als-native: 2 scripts had no source map; their browser coverage is dropped \(build the client bundles with source maps .*\): http:\/\/127\.0\.0\.1:4000\/static\/a\.js, http:\/\/127\.0\.0\.1:4000\/static\/b\.js$/,
    )
  } finally {
    console.warn = consoleWarn
    fs.rmSync(root, { recursive: true, force: true })
  }
})
