#!/usr/bin/env bash
# Field trial: marcintarapata/playwrightproject (a Next.js 16 App Router todo
# app in example-app/, its Playwright suite at the top) without and with
# cov-als-native. Not run by CI (CI cannot fetch the app):
#
#   FIELD_SRC=/path/to/clone-or-git-dir bash field/next-todo/run.sh
#
# Writes $OUT/figures.txt (run, seconds, passed, failed), the logs, the two
# runs' stores, and $OUT/solo/index.txt (differing/non-zero counters per test).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$ROOT/field/common.sh"

# The suite's users, as the app's seed creates them (the suite reads them from the environment).
export TEST_USER_EMAIL=test@example.com TEST_USER_PASSWORD='Test123!@#'
export ADMIN_USER_EMAIL=admin@example.com ADMIN_USER_PASSWORD='Admin123!@#'
reset() { (cd "$WORK/example-app" && rm -rf .next && npm run db:reset-and-seed >/dev/null 2>&1); }

start_trial next-todo 6611b2e4127532877827296cbd6f7e0bdf98fdd7
cd "$WORK"
npm install --no-audit --no-fund >"$OUT/install-root.log" 2>&1
# No lockfile upstream: today's better-auth wants a newer drizzle-orm; pin the versions of the commit's day.
(cd example-app && npm pkg set dependencies.better-auth=1.3.34 dependencies.drizzle-orm=0.44.7 &&
  npm_config_nodedir=$([ -d /usr/include/node ] && echo /usr || true) npm install --no-audit --no-fund >"$OUT/install-app.log" 2>&1)
# This machine: Debian's Chromium, no ffmpeg, the commented-out webServer
# enabled (next dev: the app does not build for production), seed hashes Better Auth can verify.
git apply "$HERE/field.patch"

reset
timed_run without --workers="$WORKERS" --retries=0

# cov-als-native in both packages: the specs' fixture file at the top, the preload in example-app.
install_cov_als "$WORK"
install_cov_als "$WORK/example-app"
git apply "$HERE/cov-als.patch"
reset
timed_run with --workers="$WORKERS" --retries=0
keep_parallel_store

cat >"$OUT/solo-ids.txt" <<'IDS'
e2e/auth/login.spec.ts › Login Functionality › should successfully login with valid credentials
e2e/auth/login.spec.ts › Login Functionality › should login successfully with admin credentials
e2e/auth/login.spec.ts › Login Functionality › should display error message with invalid email
e2e/auth/login.spec.ts › Login Functionality › should remember user when "Remember Me" is checked
smoke/criticalPath.spec.ts › Critical Path Smoke Tests › should complete login flow
smoke/criticalPath.spec.ts › Critical Path Smoke Tests › should load application homepage
e2e/auth/login.spec.ts › Login Functionality › should enable submit button when fields are filled
IDS
finish_trial
