#!/usr/bin/env bash
# Builds the `btf-ids` binary for a kernel build's RESOLVE_BTFIDS: the
# `kbuild` profile (release, LTO, one codegen unit), for the host's musl
# target, linked statically and not position-independent. Prints its path.
#
# Why musl: a kernel build starts the tool once per module (4,230 times for
# Debian's image), mostly to find nothing to do, so start-up is most of
# its time. glibc's start-up, static or dynamic, asks the CPU about its
# features and caches with dozens of CPUID instructions, and under a
# hypervisor each one traps: a quarter of a millisecond per process on
# the machines we measure on, more than the resolve itself
# (docs/BENCHMARKS.md, "resolve where a kernel build spends it"). musl's
# start-up runs none. Static and non-PIE: no dynamic loader and no
# relocations to apply either.
#
# Usage: scripts/build-kbuild-tool.sh        (CARGO_TARGET_DIR as usual)
#   make -C <kernel headers> M=<module> RESOLVE_BTFIDS=$(scripts/build-kbuild-tool.sh) ...
#
# Needs the target's std: `rustup target add <arch>-unknown-linux-musl`
# (scripts/install-deps.sh adds it). The flags reach only the target's
# crates: with --target, cargo does not give RUSTFLAGS to build scripts
# or proc macros.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TRIPLE=$(uname -m)-unknown-linux-musl
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}/kbuild-static
cd "$ROOT"
if [ ! -d "$(rustc --print sysroot)/lib/rustlib/$TRIPLE/lib" ]; then
  echo "build-kbuild-tool: Rust's std for $TRIPLE is not installed; run: rustup target add $TRIPLE" >&2
  exit 1
fi
RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static -C relocation-model=static" \
    cargo build -q --profile kbuild -p btf-ids-tool --bin btf-ids \
    --target "$TRIPLE" --target-dir "$TARGET_DIR" >&2
BIN=$TARGET_DIR/$TRIPLE/kbuild/btf-ids
# The C `main` hands argv over itself (std's own copy is empty under musl
# without Rust's runtime start-up): a build that lost it would print the
# help and exit 2 here.
want="btf-ids $(awk -F'"' '/^version = /{print $2; exit}' Cargo.toml)"
got=$("$BIN" --version) || { echo "build-kbuild-tool: $BIN --version failed" >&2; exit 1; }
[ "$got" = "$want" ] || { echo "build-kbuild-tool: $BIN --version printed '$got', not '$want'" >&2; exit 1; }
echo "$BIN"
