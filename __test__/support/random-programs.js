'use strict'
// Random programs for the instrumenter's property tests (fast-check): an async
// function and a generator whose statements and expressions are drawn from
// the constructs the instrumenter inserts code around (branches, logical
// chains, loops, switch, try, labels, await and yield, arrows, classes).
// Each program is deterministic and bounded (loops run at most twice), and
// resolves to a JSON trace of what it did, errors included.

const fc = require('fast-check')

const { expr } = fc.letrec((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('a', 'b', 'c', '0', '1', '2', '"s"', '(a,b)', 'null', '[]', '{}'),
    fc.tuple(tie('expr'), tie('expr')).map(([x, y]) => `(${x})+(${y})`),
    fc.tuple(tie('expr'), tie('expr'), tie('expr')).map(([x, y, z]) => `(${x})?(${y}):(${z})`),
    fc.tuple(tie('expr'), fc.constantFrom('&&', '||', '??'), tie('expr')).map(([x, op, y]) => `(${x})${op}(${y})`),
    fc.tuple(fc.constantFrom('typeof', 'void', '!', '-'), tie('expr')).map(([op, x]) => `${op}(${x})`),
    tie('expr').map((x) => `f(${x})`),
    tie('expr').map((x) => `(()=>(${x}))()`),
    tie('expr').map((x) => `((v=${'(' + x + ')'})=>v)()`),
    tie('expr').map((x) => `"x"in{x:(${x})}`),
    tie('expr').map((x) => `(${x})instanceof Object`),
    tie('expr').map((x) => `[(${x}),1].length`),
    tie('expr').map((x) => `new K(${x}).v`),
  ),
}))

// `ctx`: 'async' (await allowed) or 'gen' (yield allowed).
const statement = (ctx) =>
  fc.letrec((tie) => ({
    stmt: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      expr.map((x) => `t.push(${x});`),
      expr.map((x) => (ctx === 'async' ? `t.push(await(${x}));` : `t.push(yield(${x}));`)),
      fc.tuple(expr, tie('stmt')).map(([x, s]) => `if(${x})${s}`),
      fc.tuple(expr, tie('stmt'), tie('stmt')).map(([x, s, u]) => `if(${x}){${s}}else ${u}`),
      tie('stmt').map((s) => `for(let i=0;i<2;i++)${s}`),
      tie('stmt').map((s) => `for(const k in{p:1})${s}`),
      tie('stmt').map((s) => `do{${s}}while(0);`),
      fc.tuple(expr, tie('stmt')).map(([x, s]) => (ctx === 'async' ? `for await(const x of[${x}])${s}` : `for(const x of[${x}])${s}`)),
      fc.tuple(expr, tie('stmt'), tie('stmt')).map(([x, s, u]) => `switch(${x}){case 1:${s}break;case"s":${u}default:t.push("d")}`),
      fc.tuple(tie('stmt'), tie('stmt')).map(([s, u]) => `try{${s}}catch(e){t.push("c");${u}}finally{t.push("f")}`),
      fc.tuple(fc.nat(99), tie('stmt')).map(([n, s]) => `l${n}:{${s}break l${n};}`),
      fc.tuple(tie('stmt'), tie('stmt')).map(([s, u]) => `{${s}${u}}`),
      expr.map((x) => `{let v=${x};t.push(typeof v)}`),
      expr.map((x) => `if(${x})return t;`),
    ),
  })).stmt

const body = (ctx) => fc.array(statement(ctx), { minLength: 1, maxLength: 5 }).map((s) => s.join(''))

/** A program: a function body that returns a promise of its JSON trace. */
const program = fc.tuple(body('async'), body('gen')).map(
  ([asyncBody, genBody]) => `
const f = (x) => x
class K { constructor(v) { this.v = v } }
async function main(a, b, c) { const t = []; ${asyncBody}; return t }
function* gen(a, b, c) { const t = []; ${genBody}; return t }
const settle = (p) => p.then((v) => ['ok', v], (e) => ['threw', String(e && e.message)])
return (async () => {
  const fromAsync = await settle(main(1, 0, 'z'))
  const yields = []
  let fromGen
  try {
    const g = gen(1, 0, 'z')
    let r = g.next()
    for (let n = 0; !r.done && n < 50; n++) { yields.push(r.value); r = g.next(r.value) }
    fromGen = ['ok', r.value]
  } catch (e) { fromGen = ['threw', String(e && e.message)] }
  return JSON.stringify([fromAsync, yields, fromGen])
})()
`,
)

module.exports = { program }
