'use strict'
// The Node lines the bench runs side by side with the machine's Node: the
// binaries scripts/node-lines.js caches (installing them from npm on first
// use), never a `node` under node_modules.
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const { ROOT } = require('./files')

// [{ major, version, bin }] for majors such as ['24', '26']; a line that
// cannot be installed (offline, nothing cached) is reported and left out.
function nodeLines(majors, log = console.error) {
  const lines = []
  for (const major of majors) {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/node-lines.js'), '--install-only', '--lines', major], { encoding: 'utf8' })
    const m = /node-lines: Node (\S+) at (.+)$/m.exec(r.stdout || '')
    if (r.status !== 0 || !m) {
      log(`  bench: no Node ${major} (${(r.stderr || r.error || '').toString().trim().split('\n').pop()}); skipping it`)
      continue
    }
    lines.push({ major, version: `v${m[1]}`, bin: m[2].trim() })
  }
  return lines
}

// `--node=<bin or major>`: a major names a cached line.
function nodeBin(arg) {
  if (!arg || !/^\d+$/.test(arg)) return arg
  const [line] = nodeLines([arg])
  if (!line) throw new Error(`no Node ${arg}: node scripts/node-lines.js --install-only --lines ${arg}`)
  return line.bin
}

module.exports = { nodeLines, nodeBin }
