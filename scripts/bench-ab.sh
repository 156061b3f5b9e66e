#!/usr/bin/env bash
# A/B of two builds of the tool on one input: they run in turn, RUNS times
# each, on a fresh copy of IN in tmpfs, through scripts/rusage.c (wait4's
# rusage: CPU time, wall time, peak RSS). Prints medians per build.
#
# Usage: scripts/bench-ab.sh RUNS IN "ARGS" BIN_A BIN_B
#   ARGS go before the file, e.g. "-b vmlinux" or "--btf /sys/kernel/btf/vmlinux".
# Build each side with scripts/build-kbuild-tool.sh (a worktree per commit).
set -euo pipefail
[ $# -eq 5 ] || { sed -n 2,8p "$0" >&2; exit 2; }
RUNS=$1 IN=$2 ARGS=$3 A=$4 B=$5
ROOT=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d "${TMPDIR_AB:-/dev/shm}/bench-ab.XXXX")
trap 'rm -rf "$T"' EXIT
gcc -O2 -o "$T/rusage" "$ROOT/scripts/rusage.c"
for _ in $(seq "$RUNS"); do
  for X in A B; do
    cp "$IN" "$T/f"
    # shellcheck disable=SC2086
    echo "$X $("$T/rusage" -- "${!X}" $ARGS "$T/f" 2>/dev/null)"
  done
done > "$T/log"
python3 - "$T/log" "$A" "$B" <<'PY'
import statistics as st
import sys

rows = [line.split() for line in open(sys.argv[1])]
for x, name in (("A", sys.argv[2]), ("B", sys.argv[3])):
    rss, wall, cpu = zip(*[map(int, r[2:5]) for r in rows if r[0] == x])
    print(f"{x} {name}: cpu {st.median(cpu):.0f} us, wall {st.median(wall):.0f} us, "
          f"peak RSS median {st.median(rss):.0f} KiB, max {max(rss)} KiB")
PY
