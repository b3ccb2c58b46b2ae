// ESM load hook, registered by the preload with module.register(). It runs in
// Node's hooks thread, which loads its own copy of the runtime; the file
// registry is process-wide, so the ids it assigns are valid in the main thread.
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
let files = null

export async function initialize({ config }) {
  const cov = require('../index.js')
  const { createFileInstrumenter } = require('./instrument-file.js')
  files = createFileInstrumenter(cov, config)
}

export async function load(url, context, nextLoad) {
  const result = await nextLoad(url, context)
  if (!files || result.format !== 'module' || !url.startsWith('file:') || result.source == null) return result
  const filename = fileURLToPath(url)
  if (!files.shouldInstrument(filename)) return result
  const source = typeof result.source === 'string' ? result.source : Buffer.from(result.source).toString('utf8')
  return { ...result, source: files.instrument(source, filename, 'module') }
}
