'use strict'
// Path chores shared by the server side (lib/server/instrument-file.js) and the
// browser side (lib/runner/browser-coverage.js) of include/exclude.

const fs = require('node:fs')
const path = require('node:path')

/** `file` relative to `root` with `/` separators, or null when it is not below root. */
function relativeBelow(root, file) {
  const rel = path.relative(root, file)
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return null
  return rel.split(path.sep).join('/')
}

/** `isFile(path)`: whether a regular file is there, asked of the disk once per path. */
function cachedIsFile() {
  const known = new Map()
  return (file) => {
    if (!known.has(file)) {
      let yes = false
      try {
        yes = fs.statSync(file).isFile()
      } catch {}
      known.set(file, yes)
    }
    return known.get(file)
  }
}

module.exports = { relativeBelow, cachedIsFile }
