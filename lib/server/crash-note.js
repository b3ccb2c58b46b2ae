'use strict'
// When the process dies of an uncaught error thrown in a file the preload
// instrumented, say so on stderr, naming cov-als-native and the file: a test
// runner otherwise shows only that the server exited (Playwright: "webServer
// was not able to start. Exit code: 1"), and nothing points at us. It only
// watches (uncaughtExceptionMonitor): the process dies as it would anyway.

const fs = require('node:fs')
const path = require('node:path')
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

/**
 * The file a SyntaxError is in, when the stack says (CommonJS puts `<file>:<line>`
 * and the source line above the message; ES modules do not).
 */
function syntaxErrorFile(err) {
  if (!(err instanceof SyntaxError)) return null
  const m = /^((?:file:\/\/)?\/[^\n]*?):(\d+)\n/.exec(String(err.stack))
  if (!m) return null
  try {
    return { file: m[1].startsWith('file://') ? fileURLToPath(m[1]) : m[1], line: Number(m[2]) }
  } catch {
    return null
  }
}

/** The note for `err`, or null when no instrumented file or name of ours is involved. */
function noteFor(err, wasInstrumented) {
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
  const stack = err instanceof Error ? err.stack : ''
  const namesOurs = OWN_NAMES.test(message)
  // A file that does not parse as written is loaded uninstrumented: its SyntaxError is its own.
  const unparsed = syntaxErrorFile(err)
  if (unparsed && !namesOurs && !wasInstrumented(unparsed.file)) {
    return `cov-als-native: this process is dying of a ${message} in ${unparsed.file}:${unparsed.line}, which cov-als-native loaded as written (it does not parse): the error is in that file, not in cov-als-native.`
  }
  // Frames of real files only: node:internal/... is none of the project's.
  const frame = (unparsed ? [{ ...unparsed, column: 1 }] : frames(stack)).find((f) => path.isAbsolute(f.file) && wasInstrumented(f.file))
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

/**
 * The line for a process exiting with a failure code while no server listens
 * (a server that never started): written at exit, so it is the last thing a
 * Playwright webServer shows before "was not able to start. Exit code: 1",
 * also when the app logged its error to stdout, which Playwright hides.
 */
function exitNote(code, { uncaught, listening, argv = process.argv }) {
  if (!code || listening) return null
  const command = ['node', ...argv.slice(1).map((a) => path.relative(process.cwd(), a) || a)].join(' ')
  return (
    `cov-als-native: ${command} exits with code ${code} before any server listens (cov-als-native's preload is on)` +
    (uncaught ? `, of an uncaught ${uncaught}` : '; its stdout may say why (a Playwright webServer shows it with stdout: "pipe")') +
    '. Started without the preload (or with COV_ALS=0), does it start? If it does, report it to cov-als-native.'
  )
}

function install(wasInstrumented, write = (text) => fs.writeSync(2, text + '\n')) {
  let uncaught = null
  process.on('uncaughtExceptionMonitor', (err) => {
    try {
      uncaught = err instanceof Error ? `${err.name}: ${err.message.split('\n')[0]}` : String(err)
      const note = noteFor(err, wasInstrumented)
      if (note) write(note)
    } catch {}
  })
  process.on('exit', (code) => {
    try {
      const listening = process.getActiveResourcesInfo().some((r) => r === 'TCPServerWrap' || r === 'PipeServerWrap')
      const note = exitNote(code, { uncaught, listening })
      if (note) write(note)
    } catch {}
  })
}

module.exports = { install, noteFor, frames, exitNote }
