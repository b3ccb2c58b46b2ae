'use strict'
// Issue 21, "when it still goes wrong, say so": a server that dies at startup
// of an error thrown in a file the preload instrumented gets a line on stderr
// naming cov-als-native and the file (Playwright's webServer otherwise says
// only "was not able to start. Exit code: 1"); the process dies as without
// the preload. COV_ALS_CHECK_TOKENS turns on the token check at load time.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const { noteFor, frames, exitNote } = require('../lib/server/crash-note')

const REPO = path.join(__dirname, '..')
const FIXTURE = path.join(__dirname, 'fixtures/crash-note')

function run(dir, { preload, env = {} }) {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-crash-note-'))
  const args = preload ? ['--require', path.join(REPO, 'register.js'), 'server.js'] : ['server.js']
  const r = spawnSync(process.execPath, args, {
    cwd: dir,
    env: { ...process.env, NODE_OPTIONS: '', COV_ALS: preload ? '1' : '', COV_ALS_ROOT: dir, COV_ALS_OUT_DIR: outDir, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  })
  fs.rmSync(outDir, { recursive: true, force: true })
  return r
}

for (const [kind, dir] of [
  ['CommonJS', FIXTURE],
  ['ES module', path.join(FIXTURE, 'esm')],
]) {
  test(`${kind}: a server dying at startup in an instrumented file says cov-als-native and the file, and dies as without the preload`, () => {
    const without = run(dir, { preload: false })
    const withPreload = run(dir, { preload: true })
    assert.equal(without.status, 1, without.stderr)
    assert.equal(withPreload.status, without.status)
    assert.doesNotMatch(without.stderr, /cov-als-native/)
    assert.match(without.stderr, /Error: no port configured/)
    assert.match(withPreload.stderr, /Error: no port configured/, 'the error itself still prints')
    const lib = path.join(dir, 'lib.js')
    const throwLine =
      fs
        .readFileSync(lib, 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('throw')) + 1
    const note = withPreload.stderr.split('\n').find((l) => l.startsWith('cov-als-native: this process is dying'))
    assert.ok(note, withPreload.stderr)
    assert.ok(note.includes(`(Error: no port configured) thrown in ${lib}:${throwLine}:`), note)
    assert.match(withPreload.stderr, /COV_ALS_EXCLUDE/)
  })
}

test('a server that starts is not noted, with the token check on too', () => {
  for (const env of [{ CRASH_NOTE_PORT: '1' }, { CRASH_NOTE_PORT: '1', COV_ALS_CHECK_TOKENS: '1' }]) {
    const r = run(FIXTURE, { preload: true, env })
    assert.equal(r.status, 0, r.stderr)
    assert.equal(r.stderr, '', 'no warning, no note')
  }
})

test('COV_ALS_CHECK_TOKENS takes a boolean, and a bad value is an error naming it', () => {
  const r = run(FIXTURE, { preload: true, env: { CRASH_NOTE_PORT: '1', COV_ALS_CHECK_TOKENS: 'maybe' } })
  assert.notEqual(r.status, 0)
  assert.match(r.stderr, /COV_ALS_CHECK_TOKENS/)
})

test('the note: an error naming our generated code is called our bug; one outside instrumented files is not noted', () => {
  // The error tsx-run servers died of before issue 21's fix.
  const ours = new ReferenceError('await__cov_als_native__ is not defined')
  ours.stack = `ReferenceError: await__cov_als_native__ is not defined\n    at f (/app/server.ts:3:9)\n    at Module._compile (node:internal/modules/cjs/loader:1554:14)`
  const note = noteFor(ours, (f) => f === '/app/server.ts')
  assert.match(note, /names cov-als-native's own code .* in \/app\/server\.ts:3:9: a cov-als-native bug/)
  const theirs = new Error('boom')
  theirs.stack = 'Error: boom\n    at x (/app/node_modules/dep/index.js:1:1)'
  assert.equal(
    noteFor(theirs, (f) => f === '/app/server.ts'),
    null,
  )
  assert.equal(
    noteFor('a string', () => true),
    null,
  )
})

test('stack frames: paths, file URLs and anonymous frames', () => {
  const stack = ['Error: x', '    at f (/a/b.js:1:2)', '    at file:///a/c%20d.mjs:3:4', '    at new Promise (<anonymous>)', '    at node:internal/x:5:6'].join(
    '\n',
  )
  assert.deepEqual(
    frames(stack).map((f) => `${f.file}:${f.line}:${f.column}`),
    ['/a/b.js:1:2', '/a/c d.mjs:3:4', 'node:internal/x:5:6'],
  )
})

test('a server that never starts: one line at exit says so; a file that does not parse is its own error, not ours', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-crash-note-start-'))
  fs.writeFileSync(path.join(dir, 'server.js'), "require('./does-not-parse.js')\n")
  fs.writeFileSync(path.join(dir, 'does-not-parse.js'), 'exports.price = (n) => n +* 2\n')
  const broken = run(dir, { preload: true })
  assert.equal(broken.status, 1)
  assert.match(
    broken.stderr,
    new RegExp(
      `cov-als-native: this process is dying of a SyntaxError: Unexpected token '\\*' in ${path.join(dir, 'does-not-parse.js')}:1, which cov-als-native loaded as written`,
    ),
  )
  assert.doesNotMatch(broken.stderr, /a file cov-als-native instrumented|node:internal.*cov-als-native/)
  assert.match(broken.stderr, /cov-als-native: node server\.js exits with code 1 before any server listens .*of an uncaught SyntaxError: Unexpected token/)
  // An app that logs its failure to stdout (which Playwright's webServer hides) and exits.
  fs.writeFileSync(path.join(dir, 'server.js'), "console.log('config missing'); process.exit(1)\n")
  const quiet = run(dir, { preload: true })
  assert.equal(quiet.status, 1)
  assert.match(
    quiet.stderr,
    /^cov-als-native: node server\.js exits with code 1 before any server listens .*its stdout may say why \(a Playwright webServer shows it with stdout: "pipe"\)/m,
  )
  assert.doesNotMatch(run(dir, { preload: false }).stderr, /cov-als-native/)
  // Not at a clean exit, nor while a server listens (a crash at run time is the app's to report).
  assert.equal(exitNote(0, { listening: false }), null)
  assert.equal(exitNote(1, { listening: true }), null)
  fs.rmSync(dir, { recursive: true, force: true })
})
