#!/usr/bin/env bash
# Measures what the real-kernel path costs, from a fresh clone with empty
# target directories (package downloads not counted: run install-deps first):
# the cold build of the btf-ids command, of the three modules by Kbuild, of
# the static guest and of the runner, then the QEMU run RUNS times.
#   scripts/bench-vm.sh [RUNS]     (figures: docs/BENCHMARKS.md)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
scripts/install-deps.sh
eval "$(scripts/kernel-env.sh)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git clone -q . "$work/src"
cd "$work/src"
unset CARGO_TARGET_DIR
mods=$PWD/target/modules

secs() { # wall seconds of "$@", its output kept in $work/last.log
  local t0=$EPOCHREALTIME
  "$@" >"$work/last.log" 2>&1 || { cat "$work/last.log" >&2; return 1; }
  printf '%.1f' "$(python3 -c "print($EPOCHREALTIME - $t0)")"
}

tool=$(secs cargo build --release -p btf-ids-tool)
modules=$(secs scripts/build-modules.sh "$mods" examples/modules/rsk examples/modules/rsk-shim tests/doc-module)
guest=$(CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS="-C target-feature=+crt-static" \
  secs cargo build --release --target x86_64-unknown-linux-gnu -p btf-ids-vm-guest)
runner=$(secs cargo build --release -p btf-ids-vm)
total=$(python3 -c "print(round($tool + $modules + $guest + $runner, 1))")
echo "cold build, $(nproc) cores: btf-ids ${tool} s, 3 modules (Kbuild) ${modules} s," \
     "guest ${guest} s, runner ${runner} s; total ${total} s"

walls=()
for _ in $(seq "$runs"); do
  target/release/btf-ids-vm --kernel "$KERNEL_IMAGE" \
    --guest target/x86_64-unknown-linux-gnu/release/btf-ids-vm-guest "$mods"/*.ko >"$work/vm.log" 2>&1 ||
    { cat "$work/vm.log" >&2; exit 1; }
  walls+=("$(sed -nE 's/^btf-ids-vm: QEMU ran ([0-9.]+) s wall.*/\1/p' "$work/vm.log")")
  cases=$(sed -nE 's/^btf-ids-vm: ([0-9]+) passed, 0 failed$/\1/p' "$work/vm.log")
done
echo "QEMU run ($cases cases, 3 modules), $runs runs: ${walls[*]} s; median" \
     "$(printf '%s\n' "${walls[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}') s"
