#!/usr/bin/env node
'use strict'
// cov-als: reports for the per-test coverage files a cov-als-native server
// writes. `cov-als --help` for usage; the commands live in lib/cli/, the
// report model in lib/report/.

const { main } = require('../lib/cli/main.js')

// `flush` talks to servers: its exit code comes as a promise.
Promise.resolve(main(process.argv.slice(2))).then((code) => (process.exitCode = code))
