#!/usr/bin/env bash
# Benchmark: `btf-ids resolve` against the kernel's resolve_btfids (6.12) on
# the 10,000+ id corpus of the differential test, both resolving against
# /sys/kernel/btf/vmlinux, side by side in one run.
#
# Usage: scripts/bench-resolve.sh [RUNS]      (default 30 runs per tool)
#
# Each run works on a fresh copy of the unresolved object (copied before the
# clock starts). Each process is started by scripts/rusage.c, which reports
# wall time from fork to reaped and the child's ru_maxrss from wait4(2), the
# figure `/usr/bin/time -v` reports as "Maximum resident set size" (started
# from Python, a child's ru_maxrss would include Python's own peak, about
# 13 MiB). Runs alternate between the tools. scripts/bench-real.sh has this
# corpus among the inputs a kernel build resolves. `btf-ids`
# is measured twice: as it runs by default (temporary file renamed into
# place, like resolve_btfids no fsync) and with --fsync (fdatasync before
# the rename, fsync of the directory after), which the C tool has no
# counterpart for.
set -euo pipefail
RUNS=${1:-30}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
cd "$ROOT"
# Builds the release binary and leaves the corpus object behind.
cargo test -q -p btf-ids-tool --release --test differential vmlinux_corpus_matches_kernel_tool >/dev/null
OURS=$CARGO_TARGET_DIR/release/btf-ids
CORPUS=$CARGO_TARGET_DIR/tmp/diff-vmlinux/corpus.o
C_TOOL=$(ls /usr/lib/linux-kbuild-6.12.*/tools/bpf/resolve_btfids/resolve_btfids 2>/dev/null | tail -1)
mkdir -p "$CARGO_TARGET_DIR/tmp"
gcc -O2 -o "$CARGO_TARGET_DIR/tmp/rusage" scripts/rusage.c
RUSAGE=$CARGO_TARGET_DIR/tmp/rusage
if [ -z "$C_TOOL" ]; then
    echo "resolve_btfids not found: apt-get install linux-kbuild-6.12.<ver>" >&2
    exit 1
fi
python3 - "$RUNS" "$OURS" "$C_TOOL" "$CORPUS" "$RUSAGE" <<'PY'
import os, shutil, statistics, subprocess, sys, tempfile
runs, ours, ctool, corpus, rusage = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
btf = "/sys/kernel/btf/vmlinux"
tmp = tempfile.mkdtemp(prefix="bench-resolve-")
def one(argv, obj):
    shutil.copyfile(corpus, obj)
    out = subprocess.run([rusage, "--"] + argv + [obj], capture_output=True, text=True, check=True).stdout
    status, rss, wall_us, _ = (int(x) for x in out.split())
    if status != 0:
        sys.exit(f"{argv[0]} failed")
    return wall_us / 1e6, rss
cmds = {
    "resolve_btfids (C, 6.12)": [ctool, "--btf", btf],
    "btf-ids resolve": [ours, "resolve", "--btf", btf],
    "btf-ids resolve --fsync": [ours, "resolve", "--fsync", "--btf", btf],
}
res = {name: [] for name in cmds}
for name, argv in cmds.items():   # warm-up
    one(argv, os.path.join(tmp, "warm.o"))
for i in range(runs):
    for name, argv in cmds.items():
        res[name].append(one(argv, os.path.join(tmp, f"r{i}.o")))
        os.unlink(os.path.join(tmp, f"r{i}.o"))
print(f"corpus: {corpus} ({os.path.getsize(corpus)} bytes), BTF: {btf}, {runs} runs each")
print(f"{'tool':28} {'median ms':>10} {'mean ms':>9} {'min ms':>8} {'max ms':>8} {'peak RSS MiB':>13}")
med = {}
rss = {}
for name, v in res.items():
    ts = [t * 1000 for t, _ in v]
    med[name] = statistics.median(ts)
    rss[name] = max(r for _, r in v) / 1024
    print(f"{name:28} {med[name]:10.1f} {statistics.mean(ts):9.1f} {min(ts):8.1f} {max(ts):8.1f} {rss[name]:13.1f}")
c = med["resolve_btfids (C, 6.12)"]
for name in list(cmds)[1:]:
    print(f"wall-time ratio C / {name} (medians): {c / med[name]:.2f}x; "
          f"peak RSS {rss[name]:.1f} MiB vs C {rss['resolve_btfids (C, 6.12)']:.1f} MiB")
shutil.rmtree(tmp)
PY
