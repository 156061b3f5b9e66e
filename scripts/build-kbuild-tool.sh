#!/usr/bin/env bash
# Builds the `btf-ids` binary for a kernel build's RESOLVE_BTFIDS: the
# `kbuild` profile (release, LTO, one codegen unit), linked statically and
# not position-independent (no dynamic loader and no relocations to apply at
# start-up: a kernel build starts the tool once per module). Prints its path.
#
# Usage: scripts/build-kbuild-tool.sh        (CARGO_TARGET_DIR as usual)
#   make -C <kernel headers> M=<module> RESOLVE_BTFIDS=$(scripts/build-kbuild-tool.sh) ...
#
# The flags reach only the final link: with --target, cargo gives RUSTFLAGS
# to the target's crates and not to build scripts or proc macros (which
# cannot be static). Needs glibc's static libraries (libc6-dev).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}/kbuild-static
TRIPLE=$(rustc -vV | sed -n 's/^host: //p')
cd "$ROOT"
RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static -C relocation-model=static" \
    cargo build -q --profile kbuild -p btf-ids-tool --bin btf-ids \
    --target "$TRIPLE" --target-dir "$TARGET_DIR" >&2
echo "$TARGET_DIR/$TRIPLE/kbuild/btf-ids"
