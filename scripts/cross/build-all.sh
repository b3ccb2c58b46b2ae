#!/usr/bin/env bash
# Builds the native addon for every platform package in npm/ on one Debian x86_64 machine:
#   npm run build:all                          # every target, prerequisites installed first
#   scripts/cross/build-all.sh darwin-arm64    # some targets only (platform names, as in npm/)
#
# Route (docs/packaging.md says why):
#   linux-x64-gnu  rustup's toolchain (the project's usual compiler) + cargo-zigbuild, glibc floor 2.17.
#   every other    Debian's rustc-web (1.96) with its std sources (rust-web-src): rustup here has only
#                  the host's std, and std built from source must match the compiler exactly, so
#                  RUSTC_BOOTSTRAP=1 + -Zbuild-std. zig (PyPI `ziglang`) is the C compiler (SQLite) and
#                  linker for every target, through cargo-zigbuild.
# Output: .xbuild/dist/cov-als-native.<platform>.node, copied into npm/<platform>/ for `npm publish`,
# and one line per target (time, size) appended to .xbuild/dist/build-times.txt.
# Everything lives under $XBUILD_DIR (default .xbuild/, gitignored), never in target/.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
X=${XBUILD_DIR:-$ROOT/.xbuild}
OUT=$X/dist
BIN=cov-als-native     # napi.binaryName
LIB=cov_als_native     # cargo lib name: lib$LIB.so / lib$LIB.dylib / $LIB.dll
ZIGLANG_VERSION=0.17.1
ZIGBUILD_VERSION=0.24.1
ALL="linux-x64-gnu linux-arm64-gnu win32-x64-msvc linux-x64-musl darwin-arm64 darwin-x64 linux-arm64-musl"
PLATFORMS=${*:-$ALL}

log() { printf '== %s\n' "$*"; }

install_prerequisites() {
  # Debian's compiler and the std sources of exactly that compiler.
  if ! dpkg -s rustc-web cargo-web rust-web-src libstd-rust-web-dev >/dev/null 2>&1; then
    log "apt: rustc-web, cargo-web, rust-web-src"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rustc-web cargo-web rust-web-src libstd-rust-web-dev >/dev/null
  fi
  test -d /usr/lib/rustlib/src/rust/library/std || { echo "rust-web-src did not install std sources" >&2; exit 1; }
  # zig and cargo-zigbuild, pinned, in a venv of their own (both are binary wheels: nothing compiles).
  if [ ! -x "$X/venv/bin/cargo-zigbuild" ] || ! "$X/venv/bin/cargo-zigbuild" --version | grep -q " $ZIGBUILD_VERSION"; then
    log "pip: ziglang==$ZIGLANG_VERSION cargo-zigbuild==$ZIGBUILD_VERSION"
    python3 -m venv "$X/venv"
    "$X/venv/bin/pip" install -q "ziglang==$ZIGLANG_VERSION" "cargo-zigbuild==$ZIGBUILD_VERSION"
  fi
  # Windows: napi-build requires $LIBNODE_PATH/libnode.dll to exist and then links -lnode. With napi's
  # dyn-symbols feature the addon finds N-API in the host process at run time (as MSVC builds do), so
  # -lnode only has to resolve: an empty archive will do. rustc's windows-gnu target also asks for
  # -lssp_nonshared, which zig does not ship: another empty archive.
  local stubs=$X/win-stubs
  mkdir -p "$stubs"
  [ -f "$stubs/libnode.a" ] || "$X/venv/bin/python" -m ziglang ar rcs "$stubs/libnode.a"
  [ -f "$stubs/libssp_nonshared.a" ] || "$X/venv/bin/python" -m ziglang ar rcs "$stubs/libssp_nonshared.a"
  [ -f "$stubs/libnode.dll" ] || : >"$stubs/libnode.dll"
}

# cargo zigbuild with Debian's toolchain; rustup's proxies (~/.cargo/bin) kept off PATH so that
# cargo and rustc are Debian's 1.96 pair.
debian_zigbuild() {
  env PATH="$X/venv/bin:/usr/bin:/bin:/usr/sbin:/sbin" RUSTC=/usr/bin/rustc CARGO=/usr/bin/cargo \
    RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="$X/target" \
    cargo zigbuild --release --locked --lib -Zbuild-std=std,panic_abort "$@"
}

build_one() {
  local platform=$1 triple artifact dir start
  case $platform in
    linux-x64-gnu) triple=x86_64-unknown-linux-gnu ;;
    linux-arm64-gnu) triple=aarch64-unknown-linux-gnu ;;
    linux-x64-musl) triple=x86_64-unknown-linux-musl ;;
    linux-arm64-musl) triple=aarch64-unknown-linux-musl ;;
    darwin-x64) triple=x86_64-apple-darwin ;;
    darwin-arm64) triple=aarch64-apple-darwin ;;
    win32-x64-msvc) triple=x86_64-pc-windows-gnu ;;
    *) echo "unknown platform $platform (one of: $ALL)" >&2; return 2 ;;
  esac
  case $triple in
    *-linux-*) artifact=lib$LIB.so ;;
    *-apple-*) artifact=lib$LIB.dylib ;;
    *-windows-*) artifact=$LIB.dll ;;
  esac
  dir=$X/target/$triple/release
  start=$SECONDS
  log "$platform ($triple): log in $OUT/log-$platform.txt"
  if ! (
    cd "$ROOT"
    case $platform in
      linux-x64-gnu)
        # The host: rustup's own std, no build-std. `.2.17` makes zig link against glibc 2.17's
        # symbols (a plain build here would need glibc 2.34).
        dir=$X/target-host/$triple/release
        env PATH="$X/venv/bin:$PATH" CARGO_TARGET_DIR="$X/target-host" \
          cargo zigbuild --release --locked --lib --target "$triple.2.17" ;;
      linux-arm64-gnu) debian_zigbuild --target "$triple.2.17" ;;
      # A cdylib on musl must link the C runtime dynamically (Node's own).
      *-musl)
        export "CARGO_TARGET_$(echo "$triple" | tr 'a-z-' 'A-Z_')_RUSTFLAGS=-C target-feature=-crt-static"
        debian_zigbuild --target "$triple" ;;
      # zig would otherwise mark the binaries as needing the newest macOS.
      darwin-x64) MACOSX_DEPLOYMENT_TARGET=10.15 debian_zigbuild --target "$triple" ;;
      darwin-arm64) MACOSX_DEPLOYMENT_TARGET=11.0 debian_zigbuild --target "$triple" ;;
      # Built as windows-gnu (MSVC's SDK cannot be fetched here) against the UCRT; official Node for
      # Windows is an MSVC build and loads *.win32-x64-msvc.node, which this DLL serves as.
      # The stubs' directory goes to every crate's link (dependencies that are also built as DLLs
      # want -lssp_nonshared too), LIBNODE_PATH to napi-build.
      win32-x64-msvc)
        export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUSTFLAGS="-L native=$X/win-stubs"
        LIBNODE_PATH="$X/win-stubs" debian_zigbuild --target "$triple" --features napi/dyn-symbols ;;
    esac
  ) >"$OUT/log-$platform.txt" 2>&1; then
    printf '%-18s FAIL %5ss\n' "$platform" $((SECONDS - start)) | tee -a "$OUT/build-times.txt"
    tail -15 "$OUT/log-$platform.txt" >&2
    return 1
  fi
  [ "$platform" = linux-x64-gnu ] && dir=$X/target-host/$triple/release
  cp "$dir/$artifact" "$OUT/$BIN.$platform.node"
  cp "$dir/$artifact" "$ROOT/npm/$platform/$BIN.$platform.node"
  printf '%-18s ok   %5ss  %s bytes\n' "$platform" $((SECONDS - start)) "$(stat -c %s "$OUT/$BIN.$platform.node")" |
    tee -a "$OUT/build-times.txt"
}

mkdir -p "$OUT"
install_prerequisites
echo "# $(date -u +%FT%TZ) $(/usr/bin/rustc --version | cut -d' ' -f1-2), zig $("$X/venv/bin/python" -m ziglang version), $("$X/venv/bin/cargo-zigbuild" --version)" >>"$OUT/build-times.txt"
failed=0
# One target at a time: the machine has two cores.
for p in $PLATFORMS; do build_one "$p" || failed=$((failed + 1)); done
[ "$failed" -eq 0 ] || { echo "$failed target(s) failed" >&2; exit 1; }
