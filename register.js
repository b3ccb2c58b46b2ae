'use strict'
// Preload: `node --require cov-als-native/register server.js` (or through
// NODE_OPTIONS). Does nothing unless coverage is enabled (COV_ALS=1, or
// COV_ALS_OUT_DIR, or `enabled` in cov-als.config.json), so a server that
// merely has the package installed behaves exactly as without it.

require('./lib/server/preload.js').start()
