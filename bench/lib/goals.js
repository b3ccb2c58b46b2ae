'use strict'
// The goals of issue 26, each met or missed from the figures a bench run
// measured (bench/run.js prints this table last). A goal whose section did
// not run is "not measured".

const { median, pairRatios, fmt, mdTable } = require('./stats')

const MB = 1024 * 1024
const verdict = (ok) => (ok ? 'met' : '**missed**')

// Median CPU per request of variant a over variant b, paired by round.
function cpuRatio(server, scenario, a, b) {
  const runs = server && server.scenarios && server.scenarios[scenario]
  if (!runs || !runs[a] || !runs[b] || !runs[a].length) return null
  return median(
    pairRatios(
      runs[a].map((x) => x.cpuUsPerReq),
      runs[b].map((x) => x.cpuUsPerReq),
    ),
  )
}

function goals(results) {
  const rows = []
  const add = (goal, target, value, ok, shown) =>
    rows.push([goal, target, value === null || value === undefined ? 'not measured' : shown, value === null || value === undefined ? '' : verdict(ok)])
  for (const server of Object.keys(results)
    .filter((k) => /^server\d+$/.test(k))
    .map((k) => results[k])) {
    const node = server.node
    const react = cpuRatio(server, 'app+react', 'covals', 'istanbul')
    add(`1. hot path, ${node}: app+react CPU/request vs istanbul (arenas on)`, '≤0.95x', react, react <= 0.95, `${fmt(react)}x`)
    const app = cpuRatio(server, 'app', 'covals', 'plain')
    add(`1. hot path, ${node}: app CPU/request vs uninstrumented`, '≤1.05x', app, app <= 1.05, `${fmt(app)}x`)
  }
  if (!Object.keys(results).some((k) => /^server\d+$/.test(k))) add('1. hot path (Node 24, 26)', '≤0.95x istanbul, ≤1.05x plain', null)
  const reps = results.store && results.store.reports
  const merged = reps && reps.merged
  add(
    `2. merged HTML with per-line lists, ${(results.store && results.store.tests) || 2000} tests × 500 files`,
    '≤15 s',
    merged && merged.ms,
    merged && merged.ms <= 15000,
    merged && `${fmt(merged.ms / 1000)} s`,
  )
  const views = reps && reps.views
  add(
    '2. + per-test pages (`--per-test --per-test-reporters html`)',
    '≤30 s, ≤300 MB',
    views && views.ms,
    views && views.ms <= 30000 && views.total.bytes <= 300 * MB,
    views && `${fmt(views.ms / 1000)} s, ${fmt(views.total.bytes / MB)} MB`,
  )
  const full = reps && reps.full
  add(
    '2. `--per-test` with its default reporters (html, lcovonly, json-summary)',
    '≤30 s, ≤300 MB',
    full && full.ms,
    full && full.ms <= 30000 && full.total.bytes <= 300 * MB,
    full && `${fmt(full.ms / 1000)} s, ${fmt(full.total.bytes / MB)} MB`,
  )
  const mono = results.monorepo
  const scale = mono && `${mono.shards} × ${mono.tests} tests × ${mono.files} files`
  add(
    `3. \`cov-als merge\` of the shards${scale ? ` (${scale})` : ''}`,
    '≤60 s',
    mono && mono.mergeMs,
    mono && mono.mergeMs <= 60000,
    mono && `${fmt(mono.mergeMs / 1000)} s`,
  )
  add('3. merged store', '≤2 GB', mono && mono.mergedBytes, mono && mono.mergedBytes <= 2048 * MB, mono && `${fmt(mono.mergedBytes / MB)} MB`)
  add(
    '3. `which` on one line (slowest of 10)',
    '<200 ms',
    mono && mono.whichMs,
    mono && Math.max(...mono.whichMs) < 200,
    mono && `${fmt(Math.max(...mono.whichMs))} ms`,
  )
  add(
    '3. `impact` of a 10-file diff (slowest of 5)',
    '<1 s',
    mono && mono.impactMs,
    mono && Math.max(...mono.impactMs) < 1000,
    mono && `${fmt(Math.max(...mono.impactMs))} ms`,
  )
  const mem = results.flush && results.flush.mem
  const g = (xs) => xs && xs.length && median(xs.map((x) => x.growthKb / 1024))
  const ours = mem && g(mem.oursWarm || mem.ours)
  const ist = mem && g(mem.istanbulWarm || mem.istanbul)
  add(
    '4. peak memory of a full 500-file flush (a later flush) vs `JSON.stringify(__coverage__)`',
    '≤ stringify',
    mem && ours,
    mem && ours <= Math.max(ist, 0),
    mem && `${fmt(ours)} MB vs ${fmt(ist)} MB`,
  )
  return mdTable(['goal (issue 26)', 'target', 'measured', ''], rows)
}

module.exports = { goals }
