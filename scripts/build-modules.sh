#!/usr/bin/env bash
# Builds the Rust kfunc modules with the kernel's own Kbuild, exactly as
# docs/modules.md tells a user to: `make` in each module directory, which runs
# `make -C $KDIR M=<dir> PAHOLE_FLAGS=... RESOLVE_BTFIDS=btf-ids modules`.
#   scripts/build-modules.sh [OUT_DIR] [MODULE_DIR...]
# OUT_DIR (default target/modules) receives every <name>.ko; the module
# directories default to examples/modules/rsk and examples/modules/rsk-shim.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=${1:-$root/target/modules}
shift || true
dirs=("$@")
[ ${#dirs[@]} -gt 0 ] || dirs=(examples/modules/rsk examples/modules/rsk-shim)
eval "$(scripts/kernel-env.sh)"

# The binary a kernel build should run (the kbuild profile, musl, static),
# so the real-kernel tests go through the build users are told to use.
btf_ids=$(scripts/build-kbuild-tool.sh)

mkdir -p "$out"
for d in "${dirs[@]}"; do
  extra=()
  # One module is built without ENDBR and return thunks, so the tests show
  # that both builds load (QEMU's TCG does not enforce IBT).
  [ "$(basename "$d")" = rsk-shim ] && extra=(RUST_HARDENING=0)
  echo "build-modules: make -C $d KDIR=$KDIR BTF_IDS=$btf_ids ${extra[*]}"
  # Kbuild's own lines go to a log; pahole prints a page of notes about Rust
  # DWARF it does not model (variant parts, template parameters), harmless.
  log=$out/$(basename "$d").log
  # From clean, so the BTF step reruns with this btf-ids (cargo keeps its
  # own target directory, so the Rust side stays incremental).
  make -C "$d" KDIR="$KDIR" BTF_IDS="$btf_ids" clean >/dev/null
  if ! make -C "$d" KDIR="$KDIR" BTF_IDS="$btf_ids" "${extra[@]}" >"$log" 2>&1; then
    grep -v 'recode_dwarf\|tag not supported' "$log" >&2 || true
    echo "build-modules: building $d failed (whole log: $log)" >&2
    exit 1
  fi
  for ko in "$d"/*.ko; do
    cp "$ko" "$out/"
    echo "build-modules: $out/$(basename "$ko")"
  done
done
