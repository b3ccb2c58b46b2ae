'use strict'
// Minimal glob matching for include/exclude patterns (Node 20 has no stable
// path.matchesGlob): `**` any depth, `*` and `?` within a segment, `{a,b}`.

function toRegExp(glob) {
  let re = ''
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]
    if (c === '*' && glob[i + 1] === '*') {
      // `**/` matches zero or more whole segments; a trailing `**` anything.
      if (glob[i + 2] === '/') {
        re += '(?:[^/]*/)*'
        i += 2
      } else {
        re += '.*'
        i += 1
      }
    } else if (c === '*') re += '[^/]*'
    else if (c === '?') re += '[^/]'
    else if (c === '{') {
      const end = glob.indexOf('}', i)
      if (end < 0) re += '\\{'
      else {
        re += `(?:${glob
          .slice(i + 1, end)
          .split(',')
          .map(escape)
          .join('|')})`
        i = end
      }
    } else re += escape(c)
  }
  return new RegExp(`^${re}$`)
}

function escape(s) {
  return s.replace(/[.+^${}()|[\]\\]/g, '\\$&')
}

/** A predicate over paths relative to `root` (with `/` separators). */
function matcher(include, exclude) {
  const inc = include.map(toRegExp)
  const exc = exclude.map(toRegExp)
  return (relPath) => inc.some((r) => r.test(relPath)) && !exc.some((r) => r.test(relPath))
}

module.exports = { matcher, toRegExp }
