#!/usr/bin/env bash
# Field trial: ethaizone/demo-react-router (React Router 7 framework mode on
# Vite 6, PGlite) under its own Playwright suite, in `react-router dev`,
# without and with cov-als-native. Not run by CI (CI cannot fetch the app):
#
#   FIELD_SRC=/path/to/clone-or-git-dir bash field/rr-demo/run.sh
#
# Writes $OUT/figures.txt (run, seconds, passed, failed), the logs, the
# parallel run's store, and $OUT/solo/index.txt (differing/non-zero counters per test).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$ROOT/field/common.sh"

# The suite leaves no rows behind (it deletes the user it creates): nothing to reset.
reset() { :; }

start_trial rr-demo b5d0594019ffa2e7647be617097a934472db870b
cd "$WORK"
npm ci --no-audit --no-fund >"$OUT/install.log" 2>&1
# The database (PGlite in ./pgdata, DATABASE_URL in the committed .env): create the tables.
npx drizzle-kit push --force >"$OUT/db-push.log" 2>&1
# This machine: Debian's Chromium, no video (ffmpeg), and Playwright starting
# the dev server (upstream starts it with `concurrently` around `playwright test`).
git apply "$HERE/field.patch"

timed_run without --workers="$WORKERS" --retries=0

install_cov_als "$WORK"
git apply "$HERE/cov-als.patch"
timed_run with --workers="$WORKERS" --retries=0
keep_parallel_store

cat >"$OUT/solo-ids.txt" <<'IDS'
home.spec.ts › home page renders and has welcome content
users.spec.ts › Users CRUD › create and delete a user
IDS
finish_trial
