#!/usr/bin/env bash
# Field trial: marko-simic/test-tic-tac-toe-game (Pranjali Bajpai's
# multiplayer tic-tac-toe: Express + socket.io 2, with a Playwright suite of 3
# two-player games) without and with cov-als-native. Not run by CI (CI cannot
# fetch the app):
#
#   FIELD_SRC=/path/to/clone-or-git-dir bash field/ttt/run.sh
#
# Writes $OUT/figures.txt (run, seconds, passed, failed), the logs, the
# suite's store, and $OUT/solo/index.txt (differing/non-zero counters per test).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$ROOT/field/common.sh"

# In-memory game state, new with every server start (each run starts its own).
reset() { :; }

start_trial ttt e85489d6cc4e8cb5f1eeefb5e348b01321133fc8
cd "$WORK"
npm ci --no-audit --no-fund >"$OUT/install.log" 2>&1
# This machine: the pinned @playwright/test 1.18 cannot drive Debian's current
# Chromium ("Unknown target type: browser_ui"), and the page loads jQuery and
# the socket.io client from CDNs: a current Playwright, jQuery from npm and the
# client the socket.io server serves itself.
npm install --no-save --no-audit --no-fund @playwright/test@1.65.2 jquery@1.11.0 >>"$OUT/install.log" 2>&1
cp node_modules/jquery/dist/jquery.min.js game/jquery.min.js
git apply "$HERE/field.patch"

timed_run without --workers="$WORKERS" --retries=0

install_cov_als "$WORK"
git apply "$HERE/cov-als.patch"
timed_run with --workers="$WORKERS" --retries=0
keep_parallel_store

cat >"$OUT/solo-ids.txt" <<'IDS'
game.spec.js › Tic Tac Toe › Cross should win
game.spec.js › Tic Tac Toe › Circle should win
game.spec.js › Tic Tac Toe › The game should be drawn
IDS
finish_trial
