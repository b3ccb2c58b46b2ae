'use strict'
// cov-als-native/vite on a real Vite dev server (in this process, as Vite's
// module runner runs SSR modules in the dev server's process), with Vite 8
// (Rolldown), Vite 7 and Vite 5: server modules counted per test, client modules in
// the browser form, hot updates that never mix versions in a report, the
// switches, what is skipped, fail-open, and no double instrumentation with the preload.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const cov = require('..')
const covAls = require('../vite')
const config = require('../lib/config')
const { createFileInstrumenter } = require('../lib/server/instrument-file')
const { fnHits } = require('./support/coverage')

const [major, minor] = process.versions.node.split('.').map(Number)
// Vite 8 and 7 need Node 20.19+ / 22.12+.
const skip = (major === 20 && minor < 19) || (major === 22 && minor < 12) ? `Vite needs Node 20.19+ or 22.12+ (this is ${process.version})` : false

const roots = []
test.after(() => {
  for (const root of roots) fs.rmSync(root, { recursive: true, force: true })
})

function project() {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'cov-als-vite-')))
  // No HTTP patch and no write at exit in this test process (the plugin does both without the preload).
  fs.writeFileSync(path.join(root, 'cov-als.config.json'), JSON.stringify({ include: ['src/**'], http: false, writeOnExit: false }))
  roots.push(root)
  fs.mkdirSync(path.join(root, 'src'))
  fs.writeFileSync(path.join(root, 'src/price.ts'), 'export function price(n: number): string {\n  if (n > 10) {\n    return "big"\n  }\n  return "small"\n}\n')
  fs.writeFileSync(path.join(root, 'src/style.css'), 'body { color: red }\n')
  fs.writeFileSync(path.join(root, 'other.ts'), 'export const other = (x: number) => x + 1\n')
  return root
}

async function devServer(vite, root, pluginOptions, extraPlugins = []) {
  const warnings = []
  const server = await vite.createServer({
    root,
    configFile: false,
    logLevel: 'silent',
    appType: 'custom',
    server: { middlewareMode: true, hmr: false, watch: null },
    optimizeDeps: { noDiscovery: true, include: [] },
    plugins: [covAls({ cwd: root, warn: (m) => warnings.push(m), ...pluginOptions }), ...extraPlugins],
  })
  return { server, warnings }
}

const entry = (map, root, rel) => map[path.join(root, rel)]

for (const [label, pkg] of [
  ['Vite 8', 'vite'],
  ['Vite 7', 'vite7'],
  ['Vite 5', 'vite5'],
]) {
  test(`${label}: SSR modules of the dev server are counted per test, with the file's own paths and positions`, { skip }, async () => {
    const vite = await import(pkg)
    const root = project()
    const { server } = await devServer(vite, root, { server: true, client: false })
    try {
      const mod = await server.ssrLoadModule('/src/price.ts')
      await cov.run(`${label} big`, async () => mod.price(11))
      await cov.run(`${label} small`, async () => mod.price(1))
      const big = entry(cov.peek(`${label} big`), root, 'src/price.ts')
      assert.ok(big, 'reported under src/price.ts')
      assert.equal(fnHits(big, 'price'), 1)
      // The `if` on line 2 of the .ts file: taken by "big" only.
      const ifKey = Object.keys(big.branchMap).find((k) => big.branchMap[k].type === 'if')
      assert.equal(big.branchMap[ifKey].loc.start.line, 2)
      assert.deepEqual(big.b[ifKey], [1, 0])
      assert.deepEqual(entry(cov.peek(`${label} small`), root, 'src/price.ts').b[ifKey], [0, 1])
      // Outside include: not instrumented.
      const other = await server.ssrLoadModule('/other.ts')
      await cov.run(`${label} other`, async () => other.other(1))
      assert.equal(entry(cov.peek(`${label} other`), root, 'other.ts'), undefined)
    } finally {
      await server.close()
    }
  })

  test(`${label}: client modules in the browser form; CSS, ?raw and virtual modules are left alone`, { skip }, async () => {
    const vite = await import(pkg)
    const root = project()
    const virtual = {
      name: 'virtual-test',
      resolveId: (id) => (id === 'virtual:thing' ? '\0virtual:thing' : null),
      load: (id) => (id === '\0virtual:thing' ? 'export const thing = () => 1' : null),
    }
    const { server } = await devServer(vite, root, { server: false, client: true }, [virtual])
    try {
      const client = await server.transformRequest('/src/price.ts')
      assert.match(client.code, /__coverage__/)
      assert.ok(client.code.includes(JSON.stringify(path.join(root, 'src/price.ts'))), 'keyed by the file')
      const raw = await server.transformRequest('/src/price.ts?raw')
      assert.doesNotMatch(raw.code, /__coverage__|__cov_/)
      const css = await server.transformRequest('/src/style.css')
      assert.doesNotMatch(css.code, /__coverage__|__cov_/)
      const v = await server.transformRequest('virtual:thing')
      assert.doesNotMatch(v.code, /__coverage__|__cov_/)
      // The server half is off here: SSR modules stay plain.
      const ssr = await server.ssrLoadModule('/src/price.ts')
      await cov.run(`${label} client-only`, async () => ssr.price(1))
      assert.equal(entry(cov.peek(`${label} client-only`), root, 'src/price.ts'), undefined)
    } finally {
      await server.close()
    }
  })
}

test('off unless coverage is on (COV_ALS / COV_ALS_CLIENT)', { skip }, async () => {
  const vite = await import('vite')
  const root = project()
  assert.equal(process.env.COV_ALS, undefined)
  assert.equal(process.env.COV_ALS_CLIENT, undefined)
  const { server } = await devServer(vite, root, {})
  try {
    const client = await server.transformRequest('/src/price.ts')
    assert.doesNotMatch(client.code, /__coverage__|__cov_/)
    const ssr = await server.environments.ssr.transformRequest('/src/price.ts')
    assert.doesNotMatch(ssr.code, /__cov_/)
  } finally {
    await server.close()
  }
})

test('hot update: same maps add up, changed maps keep only the newest version', { skip }, async () => {
  const vite = await import('vite')
  const root = project()
  const file = path.join(root, 'src/price.ts')
  const { server } = await devServer(vite, root, { server: true, client: false })
  const reload = async () => {
    const node = await server.moduleGraph.getModuleByUrl('/src/price.ts', true)
    server.moduleGraph.invalidateModule(node)
    return server.ssrLoadModule('/src/price.ts')
  }
  try {
    let mod = await server.ssrLoadModule('/src/price.ts')
    await cov.run('hmr', async () => mod.price(11))
    // Same code again: the same registration, nothing new.
    mod = await reload()
    await cov.run('hmr', async () => mod.price(11))
    let fc = entry(cov.peek('hmr'), root, 'src/price.ts')
    assert.equal(fnHits(fc, 'price'), 2)
    // An edit that moves nothing (a string of the same length): the maps agree, counts add up.
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"big"', '"BIG"'))
    mod = await reload()
    assert.equal(await cov.run('hmr', async () => mod.price(11)), 'BIG')
    fc = entry(cov.peek('hmr'), root, 'src/price.ts')
    assert.equal(fnHits(fc, 'price'), 3)
    assert.equal(Object.keys(fc.fnMap).length, 1)
    // An edit that moves code: only the new version is reported.
    fs.writeFileSync(file, '// moved down\n\n' + fs.readFileSync(file, 'utf8'))
    mod = await reload()
    await cov.run('hmr', async () => mod.price(1))
    fc = entry(cov.peek('hmr'), root, 'src/price.ts')
    assert.equal(Object.keys(fc.fnMap).length, 1, 'one price function, not the old and the new')
    assert.equal(fc.fnMap[0].loc.start.line, 3)
    assert.equal(fnHits(fc, 'price'), 1, 'the old version counts dropped out')
  } finally {
    await server.close()
  }
})

test('SSR builds are left to the preload; client builds get the browser form', { skip }, async () => {
  const vite = await import('vite')
  const root = project()
  const build = (ssr) =>
    vite.build({
      root,
      configFile: false,
      logLevel: 'silent',
      plugins: [covAls({ cwd: root, server: true, client: true })],
      build: { write: false, ssr: ssr ? 'src/price.ts' : undefined, lib: ssr ? undefined : { entry: 'src/price.ts', formats: ['es'] }, minify: false },
    })
  const text = (out) =>
    [out]
      .flat()
      .flatMap((o) => o.output)
      .filter((c) => c.type === 'chunk')
      .map((c) => c.code)
      .join('\n')
  assert.doesNotMatch(text(await build(true)), /__cov_|__coverage__/)
  assert.match(text(await build(false)), /__coverage__/)
})

test('a module that does not parse is passed through with one warning; instrumented code is never instrumented again', () => {
  const root = project()
  const file = path.join(root, 'src/price.ts')
  const warnings = []
  const [scripts] = covAls({ cwd: root, server: true, client: true, warn: (m) => warnings.push(m) })
  scripts.configResolved({ command: 'serve', root })
  const ctx = { environment: { name: 'ssr', mode: 'dev', runner: {}, config: { consumer: 'server' } } }
  const bad = 'export function price( {'
  assert.equal(scripts.transform.call(ctx, bad, file), null)
  assert.equal(scripts.transform.call(ctx, bad, file), null)
  assert.equal(warnings.length, 1, warnings.join('\n'))
  assert.match(warnings[0], /price\.ts left uninstrumented/)
  // The plugin's output, seen again by the plugin or by the preload: left as it is.
  const source = fs.readFileSync(file, 'utf8')
  const out = scripts.transform.call(ctx, source, file)
  assert.match(out.code, /__cov_/)
  assert.equal(scripts.transform.call({ environment: { ...ctx.environment, name: 'other' } }, out.code, file), null)
  const files = createFileInstrumenter(cov, config.load({ COV_ALS_ROOT: root, COV_ALS_INCLUDE: 'src/**' }, root))
  assert.equal(files.instrument(out.code, file, 'module'), out.code)
  // And the preload's output, seen by the plugin.
  const byPreload = files.instrument(source.replace('small', 'tiny'), file, 'module')
  assert.match(byPreload, /__cov_/)
  assert.equal(scripts.transform.call({ environment: { ...ctx.environment, name: 'third' } }, byPreload, file), null)
  // Bad options are errors that name the option.
  assert.throws(() => covAls({ client: 'yes' }), /option client must be a boolean/)
  assert.throws(() => covAls({ include: ['src/**'] }), /unknown option\(s\) include/)
  // A server environment that does not run in this process (no module runner) is skipped, with a warning.
  assert.equal(scripts.transform.call({ environment: { name: 'workerd', mode: 'dev', config: { consumer: 'server' } } }, source, file), null)
  assert.match(warnings.at(-1), /"workerd" environment runs outside this process/)
})
