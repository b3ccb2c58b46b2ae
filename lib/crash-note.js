'use strict'
// When the process dies of an uncaught error thrown in a file the preload
// instrumented, say so on stderr, naming cov-als-native and the file: a test
// runner otherwise shows only that the server exited (Playwright: "webServer
// was not able to start. Exit code: 1"), and nothing points at us. It only
// watches (uncaughtExceptionMonitor): the process dies as it would anyway.

const { fileURLToPath } = require('node:url')

// Our generated identifiers (crates/cov_core/src/instrument/emit.rs).
// (Fused with another word, as `await__cov_als_native__` was: no word boundary before.)
const OWN_NAMES = /__cov_(?:als_native__|[0-9a-z]+)/

/** `{ file, line, column }` of each frame of an error's stack, innermost first. */
function frames(stack) {
  const out = []
  for (const line of String(stack).split('\n')) {
    const m = /^\s+at (?:.*? \()?((?:file:\/\/)?[^()\s][^()]*?):(\d+):(\d+)\)?\s*$/.exec(line)
    if (!m) continue
    let file = m[1]
    if (file.startsWith('file://')) {
      try {
        file = fileURLToPath(file)
      } catch {
        continue
      }
    }
    out.push({ file, line: Number(m[2]), column: Number(m[3]) })
  }
  return out
}

/** The note for `err`, or null when no instrumented file or name of ours is involved. */
function noteFor(err, wasInstrumented) {
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
  const stack = err instanceof Error ? err.stack : ''
  const frame = frames(stack).find((f) => wasInstrumented(f.file))
  const namesOurs = OWN_NAMES.test(message)
  if (!frame && !namesOurs) return null
  const where = frame ? `${frame.file}:${frame.line}:${frame.column}` : 'instrumented code'
  const lines = [
    namesOurs
      ? `cov-als-native: this process is dying of an error that names cov-als-native's own code (${message}), in ${where}: a cov-als-native bug.`
      : `cov-als-native: this process is dying of an uncaught error (${message}) thrown in ${where}, a file cov-als-native instrumented.`,
    '  If it does not happen without the preload, it is a cov-als-native bug: please report it with that file.',
    `  Meanwhile, leave the file out (COV_ALS_EXCLUDE=...), or run with COV_ALS_CHECK_TOKENS=1: files whose`,
    '  instrumentation would change their code then load uninstrumented, with a warning naming the place.',
  ]
  return lines.join('\n')
}

function install(wasInstrumented, write = (text) => process.stderr.write(text + '\n')) {
  process.on('uncaughtExceptionMonitor', (err) => {
    try {
      const note = noteFor(err, wasInstrumented)
      if (note) write(note)
    } catch {}
  })
}

module.exports = { install, noteFor, frames }
