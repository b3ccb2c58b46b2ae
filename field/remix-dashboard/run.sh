#!/usr/bin/env bash
# Field trial: sjdonado/remix-dashboard (Remix 2 on Vite 5, drizzle +
# better-sqlite3) under its own Playwright suite, in `remix vite:dev`, without
# and with cov-als-native. Not run by CI (CI cannot fetch the app):
#
#   FIELD_SRC=/path/to/clone-or-git-dir bash field/remix-dashboard/run.sh
#
# Writes $OUT/figures.txt (run, seconds, passed, failed), the logs, the
# parallel run's store, and $OUT/solo/index.txt (differing/non-zero counters per test).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$ROOT/field/common.sh"

# The suite's first project ("setup db") migrates and re-seeds
# sqlite/db.test.sqlite on every run, the solo runs included: nothing to reset.
reset() { :; }

start_trial remix-dashboard da9445646392626cea065442f7758230b3d8d1fa
cd "$WORK"
# Upstream locks with bun (bun.lockb): npm resolves the package.json ranges.
# better-sqlite3 builds from source against the system's Node headers (no
# prebuilt download from GitHub on this machine).
npm_config_nodedir=$([ -d /usr/include/node ] && echo /usr || true) npm install --no-audit --no-fund >"$OUT/install.log" 2>&1
npm ls @remix-run/dev vite @playwright/test better-sqlite3 drizzle-orm react >"$OUT/versions.txt" 2>&1 || true
# This machine: Debian's Chromium, npm instead of bun in webServer.command.
git apply "$HERE/field.patch"

timed_run without --workers="$WORKERS" --retries=0

# cov-als-native declares `vite >= 6` as an optional peer; this app has Vite 5,
# so npm refuses the install (ERESOLVE) unless told to ignore peers
# (docs/field-trials.md, remix-dashboard friction 1).
npm_config_legacy_peer_deps=true install_cov_als "$WORK"
git apply "$HERE/cov-als.patch"
timed_run with --workers="$WORKERS" --retries=0
keep_parallel_store

cat >"$OUT/solo-ids.txt" <<'IDS'
pages/assignments.spec.ts › Assignments page - Admin › Search Assignments › should filter by title
pages/assignments.spec.ts › Assignments page - Student › should not be visible and redirect to Home page
pages/assignments.spec.ts › Assignments page - Teacher › Show Assignment › should show only author assignments
pages/home.spec.ts › Home page - Admin › should go to assignment details page
pages/home.spec.ts › Home page should not be visible - Teacher › should redirect to Assignments page
pages/login.spec.ts › Login page › should login with valid credentials
pages/login.spec.ts › Login page › should not login with empty fields
pages/login.spec.ts › Login page › Logout › should successfully logout
pages/me.spec.ts › Me page - Admin › should update profile - username
pages/users.spec.ts › Users page - Admin › Create User › should create a new user
pages/users.spec.ts › Users page - Admin › List Users › should paginate users
pages/users.spec.ts › Users page - Admin › Search Users › should filter by username
IDS
finish_trial
