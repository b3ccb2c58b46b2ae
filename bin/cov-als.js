#!/usr/bin/env node
'use strict'
// cov-als: reports for the per-test coverage files a cov-als-native server
// writes. `cov-als --help` for usage; the logic lives in lib/reports.js.

const { main } = require('../lib/reports.js')

process.exitCode = main(process.argv.slice(2))
