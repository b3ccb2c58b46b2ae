'use strict'
// Errors every command raises, with their exit codes, and argument parsing
// that turns parseArgs' complaints into usage errors.

const { parseArgs } = require('node:util')

class CliError extends Error {
  constructor(message) {
    super(message)
    this.name = 'CliError'
    this.exitCode = 1
  }
}

class UsageError extends CliError {
  constructor(message) {
    super(message)
    this.name = 'UsageError'
    this.exitCode = 2
  }
}

function parse(args, options) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true })
  } catch (err) {
    if (typeof err.code === 'string' && err.code.startsWith('ERR_PARSE_ARGS')) throw new UsageError(err.message)
    throw err
  }
}

module.exports = { CliError, UsageError, parse }
