# Shared steps of the field trials' run.sh scripts (sourced, not run).
# Each trial sets ROOT (this checkout) and calls start_trial, which sets
# WORK (where the app is extracted), OUT (where logs, stores and figures go),
# WORKERS and COV_DIR (the suite's store; a trial may point it elsewhere).

# `start_trial <name> <commit>`: the trial's directories (FIELD_WORK,
# FIELD_OUT and WORKERS override them), a fresh $OUT, and the app's <commit>
# extracted into $WORK.
start_trial() {
  local name=$1 commit=$2
  WORK=${FIELD_WORK:-/tmp/field/$name}
  OUT=${FIELD_OUT:-/tmp/field/$name-out}
  WORKERS=${WORKERS:-2}
  COV_DIR=$WORK/coverage/tests
  rm -rf "$OUT" && mkdir -p "$OUT"
  extract_app "$commit"
}

# Extract <commit> of the git repository $FIELD_SRC (a clone, or a bare git
# dir) into $WORK. CI cannot fetch the apps: FIELD_SRC must be given.
extract_app() {
  local commit=$1
  : "${FIELD_SRC:?set FIELD_SRC to a clone (or git dir) of the app repository named in README.md}"
  local gitdir=$FIELD_SRC
  [ -d "$FIELD_SRC/.git" ] && gitdir=$FIELD_SRC/.git
  rm -rf "$WORK" && mkdir -p "$WORK" "$OUT"
  git --git-dir="$gitdir" archive "$commit" | tar -x -C "$WORK"
}

# Install cov-als-native into the project in directory $1 the way a user
# does without a published package: npm pack of this checkout, then npm
# install of the tarball. The tarball's install script builds from source
# (napi CLI and cargo, absent in a user's project), so the install runs with
# --ignore-scripts and the checkout's built binary is copied next to index.js
# when the package has none (docs/field-trials.md, friction "install").
install_cov_als() {
  local dir=$1
  pack_cov_als
  (cd "$dir" && npm install --no-audit --no-fund --ignore-scripts -D "$OUT/pkg/cov-als-native.tgz" >"$OUT/install-cov-als.log" 2>&1)
  add_binary "$dir"
}

# npm pack of this checkout, once, as $OUT/pkg/cov-als-native.tgz.
pack_cov_als() {
  [ -f "$OUT/pkg/cov-als-native.tgz" ] && return
  mkdir -p "$OUT/pkg"
  local name
  name=$(cd "$ROOT" && npm pack --ignore-scripts --pack-destination "$OUT/pkg" 2>/dev/null | tail -1)
  mv "$OUT/pkg/$name" "$OUT/pkg/cov-als-native.tgz"
}

# The checkout's built binary next to the installed package's index.js in
# project $1, when no binary or platform package came with the install.
add_binary() {
  local dir=$1
  if ! ls "$dir"/node_modules/cov-als-native/*.node >/dev/null 2>&1 && ! ls "$dir"/node_modules/cov-als-native-linux-* >/dev/null 2>&1; then
    cp "$ROOT"/cov-als-native.*.node "$dir/node_modules/cov-als-native/"
  fi
}

# Run the suite once: `timed_run <name> <playwright args...>` writes
# $OUT/<name>.log and appends "<name> <seconds> <passed> <failed>" to $OUT/figures.txt.
timed_run() {
  local name=$1
  shift
  local start end
  start=$(date +%s.%N)
  npx playwright test "$@" >"$OUT/$name.log" 2>&1 || true
  end=$(date +%s.%N)
  local passed failed
  # (no "N failed" line when all pass: the grep finds nothing, which is no error here)
  passed=$(grep -aoE '^ +[0-9]+ passed' "$OUT/$name.log" | grep -oE '[0-9]+' | tail -1 || true)
  failed=$(grep -aoE '^ +[0-9]+ failed' "$OUT/$name.log" | grep -oE '[0-9]+' | tail -1 || true)
  echo "$name $(echo "$end - $start" | bc) ${passed:-0} ${failed:-0}" >>"$OUT/figures.txt"
}

# Tests of the store in $1 whose server half hit anything, and all tests:
# prints "<non-empty> <total>" (startup not counted).
server_halves() {
  node -e '
    const { execFileSync } = require("node:child_process")
    const { listTests } = require(require.resolve("cov-als-native/store", { paths: [process.cwd()] }))
    const dir = process.argv[1]
    const tests = listTests(dir).filter((t) => t !== "startup")
    let nonEmpty = 0
    for (const t of tests) {
      const map = JSON.parse(execFileSync("npx", ["cov-als", "export", dir, "--part", "server", "--touched", "--test", t], { encoding: "utf8", maxBuffer: 1 << 28 }))
      if (Object.values(map).some((fc) => Object.values(fc.s).some(Boolean))) nonEmpty++
    }
    console.log(nonEmpty, tests.length)
  ' "$1"
}

# After the parallel run with cov-als-native: its store kept as
# $OUT/store-parallel, and how many tests' server halves hit anything.
keep_parallel_store() {
  cp -r "$COV_DIR" "$OUT/store-parallel"
  echo "server-halves $(server_halves "$OUT/store-parallel")" >>"$OUT/figures.txt"
}

# The solo runs of the ids in $OUT/solo-ids.txt against $OUT/store-parallel
# (solo_runs), then every figure of the trial.
finish_trial() {
  solo_runs "$OUT/store-parallel" "$OUT/solo-ids.txt"
  cat "$OUT/figures.txt" "$OUT/solo/index.txt"
}

# Solo-vs-parallel: for each test id in file $2 (one a line), run that test
# alone (fresh server: Playwright's webServer), export its server half and
# compare it with the parallel run's store $1, counter by counter
# (field/compare-solo.js). `reset` (a function the trial defines) puts the
# app's data back before each run. SOLO_ARGS (optional, split on spaces):
# more playwright arguments, e.g. a project or the specs' folder. Results in
# $OUT/solo/.
solo_runs() {
  local par=$1 ids=$2 i=0
  local -a extra
  read -ra extra <<<"${SOLO_ARGS:-}"
  mkdir -p "$OUT/solo"
  while IFS= read -r id; do
    [ -z "$id" ] && continue
    i=$((i + 1))
    reset
    local title=${id##* › }
    npx playwright test "${extra[@]}" --workers=1 --retries=0 --grep "$(printf '%s' "$title" | sed 's/[][().*+?^$|"\\/]/\\&/g')" >"$OUT/solo/run-$i.log" 2>&1 || true
    rm -rf "$OUT/solo/store-$i" && cp -r "$COV_DIR" "$OUT/solo/store-$i"
    npx cov-als export "$par" --part server --test "$id" --out "$OUT/solo/par-$i.json"
    npx cov-als export "$OUT/solo/store-$i" --part server --test "$id" --out "$OUT/solo/solo-$i.json"
    node "$ROOT/field/compare-solo.js" "$OUT/solo/par-$i.json" "$OUT/solo/solo-$i.json" >"$OUT/solo/diff-$i.json"
    echo "$i $(node -e 'const d=require(process.argv[1]); console.log(d.differing + "/" + d.nonZero)' "$OUT/solo/diff-$i.json") $id" >>"$OUT/solo/index.txt"
  done <"$ids"
}
