'use strict'
// Synthetic CommonJS modules for the flush and scale benchmarks: each has 15
// functions with statements, if/else, ternaries, logical expressions, a loop
// and a switch (~400 counters per file), plus touch(x) which calls them all.
const fs = require('node:fs')
const path = require('node:path')

function moduleSource(i) {
  const fns = []
  for (let j = 0; j < 15; j++) {
    fns.push(`function f${i}_${j}(x, y) {
  let a = x + ${j}
  if (a > y) {
    a = a - y
  } else {
    a = a + y
  }
  const b = a > ${10 + j} ? a : -a
  const c = (x && y) || a
  for (let k = 0; k < 2; k++) {
    a += k
  }
  switch (x % 3) {
    case 0:
      a++
      break
    case 1:
      a--
      break
    default:
      a += 2
  }
  return a + b + c
}`)
  }
  return `'use strict'
// synthetic module ${i}
${fns.join('\n')}
function touch(x) {
  let s = 0
${Array.from({ length: 15 }, (_, j) => `  s += f${i}_${j}(x + ${j}, ${j % 4})`).join('\n')}
  return s
}
module.exports = { touch }
`
}

// Write n modules under dir/src; returns their paths.
function writeModules(dir, n) {
  const src = path.join(dir, 'src')
  fs.mkdirSync(src, { recursive: true })
  const files = []
  for (let i = 0; i < n; i++) {
    const f = path.join(src, `mod_${String(i).padStart(3, '0')}.js`)
    fs.writeFileSync(f, moduleSource(i))
    files.push(f)
  }
  return files
}

// Instrument with cov-als-native in this process (file ids are per process),
// write next to the sources under dir/ours, and require them.
function loadOurs(cov, dir, files) {
  const out = path.join(dir, `ours-${process.pid}`)
  fs.mkdirSync(out, { recursive: true })
  return files.map((f) => {
    const target = path.join(out, path.basename(f))
    // report under the source path, as a real app would
    const { code } = cov.instrument(fs.readFileSync(f, 'utf8'), f, { sourceType: 'commonjs' })
    fs.writeFileSync(target, code)
    return require(target)
  })
}

// Istanbul-instrumented copies (global __coverage__), cached under dir/istanbul.
function istanbulDir(dir, files) {
  const out = path.join(dir, 'istanbul')
  if (!fs.existsSync(out)) {
    const { createInstrumenter } = require('istanbul-lib-instrument')
    const ins = createInstrumenter({ esModules: false })
    fs.mkdirSync(out, { recursive: true })
    for (const f of files) fs.writeFileSync(path.join(out, path.basename(f)), ins.instrumentSync(fs.readFileSync(f, 'utf8'), f))
  }
  return files.map((f) => path.join(out, path.basename(f)))
}

function vmKb(field) {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync('/proc/self/status', 'utf8'))
  return m ? Number(m[1]) : NaN
}

// Reset the peak-RSS mark (VmHWM) so the next reading is the peak of what follows.
function resetPeak() {
  try {
    fs.writeFileSync('/proc/self/clear_refs', '5')
    return true
  } catch {
    return false
  }
}

module.exports = { moduleSource, writeModules, loadOurs, istanbulDir, vmKb, resetPeak }
