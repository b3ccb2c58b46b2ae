#!/usr/bin/env bash
# Field trial: ether/etherpad-lite (Express 5 + socket.io 4, TypeScript run by
# tsx, DirtyDB; its own Playwright suite of 93 pad tests) without and with
# cov-als-native. Not run by CI (CI cannot fetch the app):
#
#   FIELD_SRC=/path/to/clone-or-git-dir bash field/etherpad/run.sh
#
# Writes $OUT/figures.txt (run, seconds, passed, failed), the logs, the
# suite's store, and $OUT/solo/index.txt (differing/non-zero counters per test).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$ROOT/field/common.sh"

# Every test makes its own pad; a fresh DirtyDB file before each run all the same.
reset() { rm -f "$WORK/var/dirty.db"; }

start_trial etherpad b827f5b3d93bc79fc9014c7d9f8b900956b8af65
COV_DIR=$WORK/src/coverage/tests
SPECS=tests/frontend-new/specs
# A pnpm workspace (upstream installs with pnpm): pnpm from the npm registry.
# The server runs `pnpm` at start (its plugin check), so it must be on PATH.
npm install --no-audit --no-fund --prefix "$OUT/tools" pnpm@10.34.8 >"$OUT/install.log" 2>&1
export PATH=$OUT/tools/node_modules/.bin:$PATH
cd "$WORK"
# The server's package and the root only (the admin and ui packages are built
# front ends the pad tests do not use); no install scripts (esbuild's only
# checks its binary, @scarf/scarf's sends telemetry).
pnpm install --frozen-lockfile --ignore-scripts --filter ep_etherpad-lite... --filter etherpad >>"$OUT/install.log" 2>&1
cp src/tests/settings.json settings.json # as upstream's frontend-tests workflow
git apply "$HERE/field.patch"
cd src

reset
timed_run without "$SPECS" --project=chromium --workers="$WORKERS" --retries=0

# The user's install, with pnpm: the packed checkout, then the built binary
# (field/common.sh, friction "install").
pack_cov_als
pnpm add -D "$OUT/pkg/cov-als-native.tgz" --ignore-scripts >"$OUT/install-cov-als.log" 2>&1
add_binary "$WORK/src"
(cd "$WORK" && git apply "$HERE/cov-als.patch")
reset
timed_run with "$SPECS" --project=chromium --workers="$WORKERS" --retries=0
keep_parallel_store

cat >"$OUT/solo-ids.txt" <<'IDS'
specs/bold.spec.ts › bold button › makes text bold on click
specs/chat.spec.ts › opens chat, sends a message, makes sure it exists on the page and hides chat
specs/change_user_name.spec.ts › Remembers the username after a refresh
specs/collab_client.spec.ts › Messages in the COLLABROOM › bug #4978 regression test
specs/timeslider_follow.spec.ts › timeslider follow › content as it's added to timeslider
specs/embed_value.spec.ts › embed links › when read only option is set › the share link shows a read only url
specs/language.spec.ts › Language select and change › makes text german
specs/clear_authorship_color.spec.ts › makes text clear authorship colors and checks it can't be undone
IDS
SOLO_ARGS="$SPECS --project=chromium" finish_trial
