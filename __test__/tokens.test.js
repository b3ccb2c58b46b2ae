'use strict'
// Issue 21: instrumenting never changes what code means. The property is not
// that the output parses (`await(g)()` with our code fused after `await`
// still parses, as an identifier) but that every input token survives,
// unchanged and in order: instrument()'s checkTokens compares oxc's tokens
// of input and output. Checked on code shaped as minifiers write it, run
// for equal results, and over real code we did not write: istanbul's
// specification cases, the parity corpus, and a fixed sample of node_modules,
// each as written and minified (scripts/token-sweep.js runs all of it).

const { test } = require('node:test')
const assert = require('node:assert/strict')
const vm = require('node:vm')
const cov = require('..')
const { loadCases, sourceTypeOf } = require('./support/conformance-cases')
const { corpus } = require('./support/parity-corpus')
const { nodeModulesFiles, spread, sweep, summary, check } = require('../scripts/token-sweep')
const fc = require('fast-check')
const esbuild = require('esbuild')
const { program } = require('./support/random-programs')

// Programs in the shape esbuild, tsx and terser emit: a word-like token
// right before or after a place where the instrumenter inserts code.
// Each returns (or resolves to) a value that must not change.
const PROGRAMS = {
  'await(': 'const m={g:async x=>x+1};async function f(){return await(0,m.g)(1)+await(2)}return f()',
  'yield(': 'const h={x:()=>5};function*g(){yield(0,h.x)();yield(1)}return[...g()].join()',
  'async arrow await(': 'const f=async()=>await(1);return f()',
  'yield*(': 'function*a(){yield 1}function*g(){yield*(a())}return[...g()].join()',
  'return(': 'function f(a){if(a)return(a,2);return(3)}return f(1)+f(0)',
  'typeof(': 'function f(a){return typeof(a?1:"s")}return f(1)+f(0)',
  'void(': 'function f(a){return void(a&&g())}function g(){return 1}return String(f(1))',
  'in(': 'function f(o){return"x"in(o||{})}return f({x:1})',
  'instanceof(': 'class A{}function f(a){return a instanceof(a?A:Object)}return f(new A)',
  'case(': 'function f(a){switch(a){case(1):return"one";case 2:return"two";default:return"?"}}return f(1)+f(2)+f(3)',
  'do{': 'let i=0;do i++;while(i<3);return i',
  else: 'function f(a){if(a)return 1;else return 2}return f(1)+f(0)',
  'new(': 'function f(a){return new(a?Date:Object)instanceof Object}return f(1)',
  'delete(': 'function f(o){return delete(o.x)}return f({x:1})',
  'throw(': 'function f(a){try{if(a)throw(a);return 0}catch(e){return e}}return f(3)',
  'of(': 'function f(a){let s=0;for(const x of(a||[]))s+=x;return s}return f([1,2])',
  'for await(': 'async function f(){let s=0;for await(const x of[1,2])s+=x;return s}return f()',
  'number then member': 'function f(a){return a?1 .toString():2..toString()}return f(1)+f(0)',
  'regex flags': 'function f(a){return/b/g.test(a)?1:2}return f("abc")+f("x")',
  'logical chains': 'function f(a,b){return a&&b||!a&&!b?1:0}return f(1,1)+f(0,0)+f(1,0)',
  label: 'function f(){a:for(;;){if(1)break a}return 1}return f()',
  'arrow body in': 'const f=a=>"x"in a;return f({x:1})',
  'for await if without else': 'async function f(b){let n=0;for await(const c of b)if(c)n++;return n}return f([1,0,2])',
  'class members': 'class A{static x=1;y=2;get z(){return this.y}static{this.w=3}}return new A().z+A.x+A.w',
}

async function runProgram(body, instrumented) {
  const code = `(function(){${body}})`
  const source = instrumented ? cov.instrument(code, `/tokens/${Math.random()}.js`, { sourceType: 'script', checkTokens: true }).code : code
  return cov.run('tokens test', async () => vm.runInThisContext(source)())
}

for (const [name, body] of Object.entries(PROGRAMS)) {
  test(`minified shape ${name}: every token kept, and the program gives what it gives uninstrumented`, async () => {
    assert.deepEqual(await runProgram(body, true), await runProgram(body, false))
    // The same, as a module and in the browser form.
    for (const [declare, options] of [
      ['export const f=', { sourceType: 'module' }],
      ['const f=', { sourceType: 'script', browser: true }],
    ]) {
      assert.doesNotThrow(() => cov.instrument(`${declare}(function(){${body}});`, '/tokens/m.js', { ...options, checkTokens: true }))
    }
  })
}

test('the cases of issue 21: no inserted text fuses with await or yield', () => {
  for (const [src, word] of [
    ['async function f(){ await(g)(); }', 'await'],
    ['function* g(){ yield(0,h.x)(); }', 'yield'],
    ['async()=>await(1)', 'await'],
  ]) {
    const { code } = cov.instrument(src, '/t/a.js', { checkTokens: true })
    assert.doesNotMatch(code, new RegExp(`${word}[\\w$]`), code)
  }
})

test('istanbul specification cases: every token kept, in the server and the browser form', () => {
  for (const c of loadCases()) {
    const sourceType = sourceTypeOf(c.doc)
    for (const browser of [false, true]) {
      const r = check(cov, c.doc.code, `/conformance/${c.file}/${c.index}.${browser}.js`, { browser, sourceType })
      assert.equal(r.status, 'kept', `${c.id}${browser ? ' (browser)' : ''}: ${r.error && r.error.message}`)
    }
  }
})

test('the parity corpus (express, react-dom, @babel/parser, istanbul, js-yaml, next): every token kept, as written and minified', async () => {
  const files = corpus().map((c) => c.file)
  const result = await sweep(files, { forms: ['written', 'esbuild'], browser: true })
  assert.deepEqual(result.changes, [], summary(result))
  for (const [form, c] of Object.entries(result.counts)) assert.equal(c.kept, files.length * 2, `${form}: ${summary(result)}`)
})

// A fixed sample of node_modules (the lock file fixes it): 2,000 files as
// written, minified by esbuild and lowered to ES2015 (awaits become yields),
// and 400 of them minified by terser (terser takes ~50 ms a file; the full
// sweep runs it on every file).
test(
  '2,000 files of node_modules: every token kept, as written, minified by esbuild, lowered to ES2015, minified by terser',
  { timeout: 600_000 },
  async () => {
    const files = spread(nodeModulesFiles(), 2000)
    assert.equal(files.length, 2000)
    const result = await sweep(files, { forms: ['written', 'esbuild', 'es2015'] })
    const terser = await sweep(spread(files, 400), { forms: ['terser'] })
    const all = [...result.changes, ...terser.changes]
    assert.deepEqual(all, [], `${summary(result)}\n${summary(terser)}`)
    // The sample really exercises the instrumenter: nearly every file is checked.
    for (const c of [result.counts.written, result.counts.esbuild, result.counts.es2015, terser.counts.terser]) {
      const checked = c.kept
      const total = c.kept + c.unparsed + c.refused
      assert.ok(checked >= 0.97 * total, `${checked} of ${total} checked: ${summary(result)} ${summary(terser)}`)
    }
    console.log(summary(result))
    console.log(summary(terser))
  },
)

// Random programs (fast-check, a fixed seed): the instrumented program, as
// written and minified by esbuild, resolves to the trace the same program
// gives uninstrumented, and keeps every token.
test('random programs: instrumented, as written and minified, they do what they do uninstrumented', { timeout: 300_000 }, async () => {
  let n = 0
  const runAs = async (code) => {
    vm.runInThisContext(code)
    const fn = globalThis.__covAlsProgram
    delete globalThis.__covAlsProgram
    return cov.run('random program', () => fn())
  }
  await fc.assert(
    fc.asyncProperty(program, async (body) => {
      const source = `globalThis.__covAlsProgram = async function () {${body}};`
      // Nested statements may draw one label twice: not a program, skip it.
      fc.pre(!/\bl(\d+):\{[^]*\bl\1:\{/.test(body))
      for (const code of [source, esbuild.transformSync(source, { loader: 'js', minifyWhitespace: true, minifySyntax: true }).code]) {
        const plain = await runAs(code)
        const { code: instrumented } = cov.instrument(code, `/random/${n++}.js`, { sourceType: 'script', checkTokens: true })
        assert.equal(await runAs(instrumented), plain, code)
      }
    }),
    { seed: 2112, numRuns: 1000, maxSkipsPerRun: 10 },
  )
  assert.ok(n >= 500, `${n / 2} programs ran`)
})
