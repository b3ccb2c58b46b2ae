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
const { BrowserCoverageCollector } = require('../lib/browser-coverage')

// One generated line per source line, each mapped to column 0 of the same line.
function identityMap(lines, source) {
  const mappings = lines.map((_, i) => (i === 0 ? 'AAAA' : 'AACA')).join(';')
  return { version: 3, sources: [source], names: [], mappings }
}

function inlineScript(lines, source) {
  const map = Buffer.from(JSON.stringify(identityMap(lines, source))).toString('base64')
  return `${lines.join('\n')}\n//# sourceMappingURL=data:application/json;base64,${map}\n`
}

function collectorFor(root) {
  const warnings = []
  const collector = new BrowserCoverageCollector({
    context: null,
    browserName: 'chromium',
    v8: true,
    root,
    include: ['**'],
    exclude: [],
    warn: (m) => warnings.push(m),
  })
  return { collector, warnings }
}

const lines = ['export function greet(name) {', "  return 'hi ' + name", '}', "greet('x')"]

test('an inline map with relative sources maps to the file under the script URL path', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-inline-map-'))
  try {
    fs.mkdirSync(path.join(root, 'app'))
    const file = path.join(root, 'app', 'root.js')
    fs.writeFileSync(file, `${lines.join('\n')}\n`)
    const source = inlineScript(lines, 'root.js')
    const { collector, warnings } = collectorFor(root)
    collector.v8Entries = [
      {
        url: 'http://127.0.0.1:5173/app/root.js',
        scriptId: '1',
        source,
        functions: [
          { functionName: '', isBlockCoverage: true, ranges: [{ startOffset: 0, endOffset: source.length, count: 1 }] },
          { functionName: 'greet', isBlockCoverage: true, ranges: [{ startOffset: 7, endOffset: source.indexOf('}') + 1, count: 1 }] },
        ],
      },
    ]
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
