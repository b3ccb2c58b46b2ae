'use strict'
// The one error the report model throws: bad input or an I/O problem. With
// badOption the caller's options are at fault (the CLI turns that into a usage
// error, exit 2); otherwise the data or the file system is (exit 1).

class ReportError extends Error {
  constructor(message, { badOption = false } = {}) {
    super(message)
    this.name = 'ReportError'
    this.badOption = badOption
  }
}

module.exports = { ReportError }
