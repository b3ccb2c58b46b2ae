'use strict'
// `cov-als flush <url...>`: flush tests from running servers (several
// instances, downstream services) into their run stores, for harnesses
// other than the Playwright fixture. The only command that talks to servers.

const { flushServer, parseServerURLs, serversFromEnv, controlPathOf, SERVER_URLS_ENV, TOKEN_ENV } = require('../control.js')
const { CliError, UsageError, parse } = require('./errors.js')

const HELP = `Usage: cov-als flush [<url...>] [options]

Flushes tests from every listed server (default: COV_ALS_SERVER_URLS, or
COV_ALS_SERVER_URL; URLs may also be comma-separated): each server writes
them to its run store (its COV_ALS_OUT_DIR), where "cov-als report" merges
the processes by test id. Without --test, every test a server has pending
(GET <control path>/tests: startup, unflushed tests), as Playwright's global
teardown does. A server that does not answer is named in a warning. The
control path is COV_ALS_CONTROL_PATH (default /__cov), as the servers read it.

Options:
  -t, --test <id>     Flush this test (repeatable; default: all pending)
      --token <t>     Sent as x-cov-token (default COV_ALS_TOKEN)
      --strict        Exit 1 when a server does not answer or a flush fails
      --json          [{ server, flushed, files, failed, error }]
  -h, --help          Show this help

Exit status: 0 success (warnings allowed without --strict), 1 a failure
under --strict, 2 bad usage.
`

async function run(args, io, env = process.env) {
  const { values, positionals } = parse(args, {
    test: { type: 'string', short: 't', multiple: true },
    token: { type: 'string' },
    strict: { type: 'boolean' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  })
  if (values.help) {
    io.stdout.write(HELP)
    return 0
  }
  let servers
  try {
    servers = parseServerURLs(positionals.length ? positionals.join(',') : serversFromEnv(env)?.value, 'server URL')
  } catch (err) {
    throw new UsageError(err.message.replace(/^cov-als-native: /, ''))
  }
  if (servers.length === 0) throw new UsageError(`flush needs at least one server URL (or ${SERVER_URLS_ENV})`)
  for (const s of servers) {
    if (!URL.canParse(s) || !/^https?:$/.test(new URL(s).protocol)) throw new UsageError(`not an http(s) URL: ${JSON.stringify(s)}`)
  }
  const token = values.token ?? env[TOKEN_ENV] ?? ''
  const results = await Promise.all(servers.map((s) => flushServer(s, { token, testIds: values.test, controlPath: controlPathOf(env) })))
  let problems = 0
  for (const r of results) {
    if (r.error) io.warn(`${r.server} did not answer (${r.error}); nothing flushed from it`)
    for (const f of r.failed) io.warn(`flush of "${f.testId}" from ${r.server} failed: ${f.error}`)
    problems += (r.error ? 1 : 0) + r.failed.length
  }
  if (values.json) io.stdout.write(JSON.stringify(results, null, 2) + '\n')
  else {
    for (const r of results.filter((x) => !x.error)) {
      io.stdout.write(`${r.server}: flushed ${r.flushed.length} test(s)${r.files.length ? ` into ${r.files.join(', ')}` : ''}\n`)
    }
  }
  if (values.strict && problems) throw new CliError(`${problems} problem(s) flushing from ${servers.length} server(s) (--strict)`)
  return 0
}

module.exports = { HELP, run }
