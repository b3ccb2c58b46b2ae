'use strict'
// Semantics preserved: the real test suites of real-world npm libraries pass
// (and fail) exactly the same with the libraries instrumented by our require
// hook as without it.
//
// The libraries are devDependencies at exact versions whose npm tarballs ship
// their tests (minimist, qs, object-inspect; their suites run on tape, also a
// devDependency, with the few helper packages they require). Each suite runs in
// child processes: once plain, then three times under
// `node --require register.js` with COV_ALS=1: the library's directory as the
// root (the library's own files AND its test files instrumented), the same
// with reportLogic, and node_modules as the root (also every dependency the
// suite loads and the tape runner itself). Every TAP assertion line must be
// the same, and the coverage the preload writes on exit must show the
// library's files counted.
//
// The same suites then run against a minified build of each library: a copy of
// the package whose source files went through esbuild's transform with
// minifyWhitespace and minifySyntax (`return!`, `typeof x=="f"`, `a&&b()` for
// `if`, comma sequences, `!0`: code in which inserted text sits right against
// source tokens), plain and instrumented as above (the library's directory as
// the root, with and without reportLogic; 'tree' needs the package under
// node_modules, so it runs on the original only). Each run must give the
// unminified plain run's results. All three libraries: it adds about 6 s.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const { spawn } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { readTestCoverage, listTests } = require('../lib/store')
const { REPO } = require('./support/server')

const LIBRARIES = [
  { name: 'minimist', version: '1.2.8', files: ['index.js'] },
  { name: 'qs', version: '6.17.1', files: ['lib/index.js', 'lib/parse.js', 'lib/stringify.js', 'lib/utils.js', 'lib/formats.js'] },
  { name: 'object-inspect', version: '1.13.4', files: ['index.js'] },
]

function libraryDir(name, version) {
  let pkgFile
  try {
    pkgFile = require.resolve(`${name}/package.json`, { paths: [REPO] })
  } catch {
    assert.fail(`${name}@${version} is not installed: it is a devDependency, run npm install`)
  }
  const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8'))
  assert.equal(pkg.version, version, `${name}: the devDependency is pinned to ${version}`)
  const dir = path.dirname(pkgFile)
  assert.ok(fs.existsSync(path.join(dir, 'test')), `${name}@${version}'s tarball ships its tests`)
  return dir
}

const TAPE = path.join(path.dirname(require.resolve('tape/package.json', { paths: [REPO] })), 'bin', 'tape')

const NODE_MODULES = path.join(REPO, 'node_modules')

// A copy of the package in a temporary directory, its source files minified by
// esbuild; the suite resolves tape and the helpers through NODE_PATH.
function minifiedCopy(dir, lib) {
  const esbuild = require('esbuild')
  const copy = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `cov-als-min-${lib.name}-`)))
  fs.cpSync(dir, copy, { recursive: true })
  for (const rel of lib.files) {
    const file = path.join(copy, rel)
    const source = fs.readFileSync(file, 'utf8')
    const { code } = esbuild.transformSync(source, { loader: 'js', minifyWhitespace: true, minifySyntax: true })
    assert.ok(code.length < source.length * 0.8, `${rel}: esbuild minified it (${source.length} -> ${code.length} bytes)`)
    fs.writeFileSync(file, code)
  }
  return copy
}

// mode: 'plain'; 'library' (root: the library's directory, so the library and
// its tests are instrumented); 'logic' (the same with reportLogic, which wraps
// every logical operand); 'tree' (root: node_modules, so also every dependency
// the suite loads and the tape runner itself).
function runSuite(dir, { mode, outDir, nodePath }) {
  const env = { ...process.env, NODE_OPTIONS: '', COV_ALS: '' }
  delete env.COV_ALS_OUT_DIR
  delete env.COV_ALS_CONFIG
  if (nodePath) env.NODE_PATH = nodePath
  const args = [TAPE, 'test/*.js']
  if (mode !== 'plain') {
    args.unshift('--require', path.join(REPO, 'register.js'))
    Object.assign(env, {
      COV_ALS: '1',
      COV_ALS_ROOT: mode === 'tree' ? NODE_MODULES : dir,
      COV_ALS_REPORT_LOGIC: mode === 'logic' ? '1' : '0',
      COV_ALS_INCLUDE: '**',
      // The default excludes **/node_modules/**; paths are relative to the
      // root, so this only keeps .git out and lets the library be covered.
      COV_ALS_EXCLUDE: '**/.git/**',
      COV_ALS_OUT_DIR: outDir,
    })
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), 240000)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr, ...parseTap(stdout) })
    })
  })
}

// TAP from tape: `# name` test headers, `ok N msg` / `not ok N msg` assertions.
function parseTap(stdout) {
  const lines = stdout.split('\n')
  const assertions = lines.filter((l) => /^(not )?ok \d+/.test(l))
  const names = lines.filter((l) => l.startsWith('# ') && !/^# (tests|pass|fail|ok|skip|todo)\b/.test(l))
  return {
    assertions,
    names,
    pass: assertions.filter((l) => l.startsWith('ok ')).length,
    fail: assertions.filter((l) => l.startsWith('not ok ')).length,
    plan: (lines.find((l) => /^1\.\.\d+$/.test(l)) || '').trim(),
  }
}

function firstDifference(a, b) {
  const n = Math.max(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return `line ${i + 1}: plain ${JSON.stringify(a[i])}, instrumented ${JSON.stringify(b[i])}`
  return 'none'
}

// A run gives the plain run's results: exit code, test names, every assertion line, plan.
function assertSameResults(plain, covered) {
  const why = `\nfirst difference: ${firstDifference(plain.assertions, covered.assertions)}\nstderr:\n${covered.stderr.slice(0, 3000)}`
  assert.equal(covered.code, plain.code, `exit code${why}`)
  assert.deepEqual(covered.names, plain.names, `test names${why}`)
  assert.equal(covered.assertions.length, plain.assertions.length, `assertion count${why}`)
  assert.deepEqual(covered.assertions, plain.assertions, `every assertion line${why}`)
  assert.equal(covered.plan, plain.plan)
}

// The startup coverage the preload wrote on exit names `files` of `dir` (and a test file) with counts.
function assertCounted(outDir, dir, files) {
  assert.ok(listTests(outDir).includes('startup'), `startup coverage written on exit; tests: ${listTests(outDir).join(', ')}`)
  const coverage = readTestCoverage(outDir, 'startup')
  const counted = (file) => {
    const fc = coverage[file]
    return Boolean(fc) && Object.values(fc.s).some((n) => n > 0)
  }
  for (const rel of files) assert.ok(counted(path.join(dir, rel)), `${rel} instrumented and counted; report has ${Object.keys(coverage).length} files`)
  assert.ok(
    Object.keys(coverage).some((k) => k.startsWith(path.join(dir, 'test') + path.sep) && counted(k)),
    'its test files too',
  )
  return { coverage, counted }
}

for (const lib of LIBRARIES) {
  test(`${lib.name}@${lib.version}: its own suite gives the same results instrumented`, { timeout: 600000 }, async (t) => {
    const dir = libraryDir(lib.name, lib.version)
    const plain = await runSuite(dir, { mode: 'plain' })
    assert.ok(plain.assertions.length > 50, `the plain run ran the suite:\n${plain.stdout.slice(-2000)}\n${plain.stderr.slice(-2000)}`)

    const titles = {
      library: 'the library and its tests instrumented',
      logic: 'the same with reportLogic (every logical operand wrapped)',
      tree: 'with its dependencies and the tape runner instrumented too',
    }
    for (const [mode, title] of Object.entries(titles)) {
      await t.test(title, async () => {
        const outDir = fs.mkdtempSync(path.join(os.tmpdir(), `cov-als-lib-${lib.name}-`))
        try {
          const covered = await runSuite(dir, { mode, outDir })
          console.log(
            `${lib.name}@${lib.version} [${mode}]: ${plain.assertions.length} assertions in ${plain.names.length} tests; ` +
              `plain ${plain.pass} pass / ${plain.fail} fail (exit ${plain.code}), instrumented ${covered.pass} pass / ${covered.fail} fail (exit ${covered.code})`,
          )
          assertSameResults(plain, covered)
          assert.doesNotMatch(covered.stderr, /uninstrumented/, 'every file loaded was instrumented')

          // The preload really instrumented the library: its startup coverage
          // (written on exit) names the library's files with counts.
          const { coverage, counted } = assertCounted(outDir, dir, lib.files)
          if (mode === 'tree') {
            assert.ok(counted(path.join(path.dirname(path.dirname(TAPE)), 'lib', 'test.js')), "tape's own lib/test.js too")
            console.log(`${lib.name}@${lib.version} [tree]: ${Object.keys(coverage).length} files instrumented`)
          }
        } finally {
          fs.rmSync(outDir, { recursive: true, force: true })
        }
      })
    }

    await t.test('minified by esbuild: plain, then instrumented with and without reportLogic', async () => {
      const copy = minifiedCopy(dir, lib)
      try {
        const minified = await runSuite(copy, { mode: 'plain', nodePath: NODE_MODULES })
        assertSameResults(plain, minified)
        for (const mode of ['library', 'logic']) {
          const outDir = fs.mkdtempSync(path.join(os.tmpdir(), `cov-als-lib-${lib.name}-`))
          try {
            const covered = await runSuite(copy, { mode, outDir, nodePath: NODE_MODULES })
            console.log(`${lib.name}@${lib.version} [minified, ${mode}]: instrumented ${covered.pass} pass / ${covered.fail} fail (exit ${covered.code})`)
            assertSameResults(plain, covered)
            assert.doesNotMatch(covered.stderr, /uninstrumented/, 'every file loaded was instrumented')
            assertCounted(outDir, copy, lib.files)
          } finally {
            fs.rmSync(outDir, { recursive: true, force: true })
          }
        }
      } finally {
        fs.rmSync(copy, { recursive: true, force: true })
      }
    })
  })
}

// A minimal program for a pattern real ESM code bases have: an import cycle in
// which one module calls another's hoisted function before that module's body
// has run.
test('an ES module cycle calling a hoisted function early runs the same instrumented', async () => {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-esm-cycle-')))
  try {
    fs.cpSync(path.join(__dirname, 'fixtures/libraries/esm-cycle'), dir, { recursive: true })
    const run = (preload) =>
      new Promise((resolve, reject) => {
        const args = preload ? ['--require', path.join(REPO, 'register.js'), 'main.mjs'] : ['main.mjs']
        const env = { ...process.env, NODE_OPTIONS: '', COV_ALS: preload ? '1' : '', COV_ALS_ROOT: dir, COV_ALS_OUT_DIR: path.join(dir, 'out') }
        const child = spawn(process.execPath, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] })
        let stdout = ''
        let stderr = ''
        child.stdout.on('data', (d) => (stdout += d))
        child.stderr.on('data', (d) => (stderr += d))
        child.on('error', reject)
        child.on('close', (code) => resolve({ code, stdout, stderr }))
      })
    const plain = await run(false)
    assert.equal(plain.code, 0, plain.stderr)
    assert.deepEqual(JSON.parse(plain.stdout), { fromB: 'big', early: 'small' })
    const covered = await run(true)
    assert.equal(covered.code, 0, `instrumented run failed:\n${covered.stderr}`)
    assert.equal(covered.stdout, plain.stdout)
    const outDir = path.join(dir, 'out')
    const coverage = readTestCoverage(outDir, 'startup')
    const a = coverage[path.join(dir, 'a.mjs')]
    assert.ok(a, 'a.mjs instrumented')
    const helper = Object.keys(a.fnMap).find((k) => a.fnMap[k].name === 'helper')
    assert.equal(a.f[helper], 2, 'helper() called twice')
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
