'use strict'
// How to get client bundles with source maps, in the words of the project's
// own build tool: the browser half's warnings name the setting to change
// (Next's advice in an app that is not Next.js sends users looking for a
// next.config that does not exist). Detected from the project root's
// package.json dependencies and config files only (not its parents: a
// monorepo's root lists every tool of every package).

const fs = require('node:fs')
const path = require('node:path')

// Most specific first: frameworks before the bundlers they use.
const TOOLS = [
  { name: 'next', deps: ['next'], configs: ['next.config'], advice: 'set productionBrowserSourceMaps: true in next.config' },
  { name: 'nuxt', deps: ['nuxt'], configs: ['nuxt.config'], advice: 'set sourcemap: { client: true } in nuxt.config' },
  { name: 'astro', deps: ['astro'], configs: ['astro.config'], advice: 'set vite: { build: { sourcemap: true } } in astro.config' },
  {
    name: 'vite',
    deps: ['vite', '@sveltejs/kit', '@react-router/dev', '@remix-run/dev'],
    configs: ['vite.config', 'svelte.config'],
    advice: 'set build.sourcemap: true in vite.config',
  },
  { name: 'webpack', deps: ['webpack', 'react-scripts'], configs: ['webpack.config'], advice: "set devtool: 'source-map' in webpack.config" },
  { name: 'rollup', deps: ['rollup'], configs: ['rollup.config'], advice: 'set output.sourcemap: true in rollup.config' },
  { name: 'esbuild', deps: ['esbuild'], configs: [], advice: 'pass sourcemap: true (--sourcemap) to esbuild' },
  { name: 'parcel', deps: ['parcel'], configs: [], advice: 'build without --no-source-maps (Parcel)' },
]
const CONFIG_EXTENSIONS = ['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts']
const GENERIC =
  "build the client bundles with source maps (Vite: build.sourcemap: true; webpack: devtool: 'source-map'; esbuild: sourcemap: true; Next: productionBrowserSourceMaps: true)"

function dependenciesOf(root) {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'))
    return new Set(Object.keys({ ...pkg.dependencies, ...pkg.devDependencies, ...pkg.peerDependencies }))
  } catch {
    return new Set()
  }
}

/** { tool, advice }: the project's build tool (null when none is recognised) and how it makes source maps. */
function sourceMapAdvice(root) {
  const deps = dependenciesOf(root)
  const hasConfig = (base) => CONFIG_EXTENSIONS.some((ext) => fs.existsSync(path.join(root, base + ext)))
  const tool = TOOLS.find((t) => t.deps.some((d) => deps.has(d)) || t.configs.some(hasConfig))
  return tool ? { tool: tool.name, advice: tool.advice } : { tool: null, advice: GENERIC }
}

module.exports = { sourceMapAdvice }
