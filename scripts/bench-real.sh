#!/usr/bin/env bash
# Benchmark: `btf-ids` against the kernel's resolve_btfids (Debian 6.12) where
# a kernel build spends it, side by side in one run (issue 11):
#
#   vmlinux        Debian's BTF-only vmlinux (linux-headers-6.12.X+debN-amd64),
#                  put back into what resolve_btfids was given (examples/
#                  restore.rs), resolved as Kbuild does: `TOOL vmlinux`;
#   vmlinux-debug  the same with 400 MB of DWARF-like sections added
#                  (objcopy --add-section), as a vmlinux with debug info;
#   vmlinux-debug-synced
#                  the same, with the copy written back (fsync) before the
#                  clock starts: the C tool's msync then has nothing to write
#                  (not in the default set);
#   modules        the resolve step over every module of the image package,
#                  decompressed: `TOOL -b vmlinux m.ko` for each of the 4,230
#                  (the 7 with .BTF_ids restored; the rest have nothing to do);
#   corpus         the 12,000-id synthetic corpus of tests/differential.rs
#                  against /sys/kernel/btf/vmlinux (scripts/bench-resolve.sh);
#   hostile        the crafted objects of tests/hostile.rs (1,000 overlapping
#                  sets, 300,000 labels, 20,000 set8s with 200,000 names),
#                  `resolve --btf vmlinux`.
#
# Usage: scripts/bench-real.sh [RUNS] [WHAT...]   (default 11 runs; all but
#        vmlinux-debug-synced)
#
# Tools: resolve_btfids (C), btf-ids as `cargo build --release` makes it, and
# btf-ids as scripts/build-kbuild-tool.sh makes it for a kernel build (LTO,
# musl, static, non-PIE; docs/BENCHMARKS.md says why); and two floors,
# scripts/floor.c linked statically with glibc and with musl (musl-tools,
# installed when missing). Runs alternate between the tools; each run works
# on fresh copies of its inputs, made before the clock starts as a linker
# makes its output: a new file, written, its pages still dirty. (Copying
# over the old file instead would make ext4 start writing it back at once,
# auto_da_alloc's rule for a file truncated and written again, and spare
# the C tool most of its final msync.)
# Each process is started by scripts/rusage.c, which reports its wait4(2)
# ru_maxrss (peak RSS) and wall time from fork to reaped: started from a
# Python or shell harness, a child's ru_maxrss would include the harness's
# own peak (Linux keeps the pre-exec address space's high-water mark).
# Figures: medians over the runs (for `modules`, of the sum over all
# modules); peak RSS: the largest of any run (any module).
set -euo pipefail
RUNS=${1:-11}
shift || true
WHAT=("$@")
[ ${#WHAT[@]} -eq 0 ] && WHAT=(vmlinux vmlinux-debug modules corpus hostile)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
cd "$ROOT"
eval "$(scripts/kernel-env.sh)"
WORK=$CARGO_TARGET_DIR/bench-real
mkdir -p "$WORK"

echo "== building" >&2
cargo build -q --release -p btf-ids-tool --bin btf-ids --example restore
DYN=$CARGO_TARGET_DIR/release/btf-ids
RESTORE=$CARGO_TARGET_DIR/release/examples/restore
STATIC=$(scripts/build-kbuild-tool.sh)
gcc -O2 -o "$WORK/rusage" scripts/rusage.c
RUSAGE=$WORK/rusage
gcc -O2 -static -o "$WORK/floor" scripts/floor.c
FLOOR=$WORK/floor
if ! command -v musl-gcc >/dev/null; then
    echo "== installing musl-tools (musl-gcc, for the musl floor)" >&2
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get install -y -qq --no-install-recommends musl-tools >/dev/null ||
        { echo "bench-real: cannot install musl-tools (musl-gcc); install it by hand" >&2; exit 1; }
fi
musl-gcc -O2 -static -o "$WORK/floor-musl" scripts/floor.c
C_TOOL=$RESOLVE_BTFIDS_C

want() { local w; for w in "${WHAT[@]}"; do [ "$w" = "$1" ] && return 0; done; return 1; }

# Inputs.
if want vmlinux || want vmlinux-debug || want vmlinux-debug-synced || want modules; then
    [ -f "$WORK/vmlinux.restored" ] || "$RESTORE" "$VMLINUX" "$WORK/vmlinux.restored"
fi
if { want vmlinux-debug || want vmlinux-debug-synced; } && [ ! -f "$WORK/vmlinux-debug.restored" ]; then
    echo "== vmlinux with 400 MB of debug sections" >&2
    args=()
    for s in info str line loclists; do
        head -c 100000000 /dev/urandom > "$WORK/debug_$s"
        args+=(--add-section ".debug_$s=$WORK/debug_$s")
    done
    objcopy "${args[@]}" "$WORK/vmlinux.restored" "$WORK/vmlinux-debug.restored"
    rm -f "$WORK"/debug_*
fi
MODDIR=/lib/modules/$KVER-amd64/kernel
if want modules && [ ! -f "$WORK/modules/.done" ]; then
    echo "== decompressing the modules of $MODDIR" >&2
    rm -rf "$WORK/modules" "$WORK/modules.pristine"
    mkdir -p "$WORK/modules"
    (cd "$MODDIR" && find . -name '*.ko.xz' | sort) | while read -r m; do
        mkdir -p "$WORK/modules/$(dirname "$m")"
        xz -dc "$MODDIR/$m" > "$WORK/modules/${m%.xz}"
    done
    # The modules resolving changes (those with .BTF_ids): put back into
    # what resolve_btfids was given; pristine copies to start each run from.
    mkdir -p "$WORK/modules.pristine"
    (cd "$WORK/modules" && find . -name '*.ko' | sort) | while read -r m; do
        if readelf -SW "$WORK/modules/$m" 2>/dev/null | grep ' \.BTF_ids ' >/dev/null; then
            "$RESTORE" "$WORK/modules/$m" "$WORK/modules/$m.r" "$VMLINUX" 2>/dev/null
            mv "$WORK/modules/$m.r" "$WORK/modules/$m"
            mkdir -p "$WORK/modules.pristine/$(dirname "$m")"
            cp "$WORK/modules/$m" "$WORK/modules.pristine/$m"
        fi
    done
    touch "$WORK/modules/.done"
fi
CORPUS=$CARGO_TARGET_DIR/tmp/diff-vmlinux/corpus.o
if want corpus; then
    cargo test -q -p btf-ids-tool --release --test differential vmlinux_corpus_matches_kernel_tool >/dev/null
fi
HOSTILE=$CARGO_TARGET_DIR/tmp/hostile
if want hostile; then
    cargo test -q -p btf-ids-tool --release --test hostile >/dev/null
fi

python3 - "$RUNS" "$RUSAGE" "$C_TOOL" "$DYN" "$STATIC" "$WORK" "$VMLINUX" "$CORPUS" "$HOSTILE" "$FLOOR" "$WORK/floor-musl" "${WHAT[@]}" <<'PY'
import os, shutil, statistics, struct, subprocess, sys
runs, rusage, ctool, dyn, static, work, vmlinux, corpus, hostile, floor, floor_musl = sys.argv[1:12]
runs = int(runs)
what = sys.argv[12:]
floors = [("floor.c (glibc)", floor), ("floor.c (musl)", floor_musl)]
tools = [("resolve_btfids (C)", ctool), ("btf-ids", dyn), ("btf-ids kbuild", static)]
tmp = os.path.join(work, "run")

def measure(cmds):
    """Runs the commands (lists of args) through the helper; returns
    (sum of wall us, max rss KiB, statuses)."""
    text = "".join("\t".join(c) + "\n" for c in cmds)
    out = subprocess.run([rusage, "-l"], input=text, capture_output=True, text=True, check=True).stdout
    rows = [l.split() for l in out.splitlines()]
    per = [r for r in rows if r[0] != "total"]
    return sum(int(r[2]) for r in per), max(int(r[1]) for r in per), [int(r[0]) for r in per]

results = []   # (bench, tool, median ms, min ms, max ms, peak rss MiB)

def sections(path):
    """{name: (file offset, size)} of a little-endian ELF64 file."""
    with open(path, "rb") as fh:
        head = fh.read(64)
        shoff, = struct.unpack_from("<Q", head, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", head, 0x3a)
        fh.seek(shoff)
        sh = fh.read(shnum * shentsize)
        sec = lambda i: struct.unpack_from("<IIQQQQ", sh, i * shentsize)
        fh.seek(sec(shstrndx)[4])
        names = fh.read(sec(shstrndx)[5])
    out = {}
    for i in range(shnum):
        name, _, _, _, off, size = sec(i)
        out[names[name:names.index(b"\0", name)].decode()] = (off, size)
    return out

def btf_ids(path):
    """The .BTF_ids bytes of a little-endian ELF64 file (None: none)."""
    s = sections(path).get(".BTF_ids")
    if s is None:
        return None
    with open(path, "rb") as fh:
        fh.seek(s[0])
        return fh.read(s[1])

def floor_reads(exe, f):
    """scripts/floor.c reading what a resolve of `f` reads, and splitting
    the BTF's string table into names."""
    s = sections(f)
    args = [f"{s[n][0]}:{s[n][1]}" for n in (".BTF_ids", ".symtab", ".strtab") if n in s]
    off, size = s[".BTF"]
    with open(f, "rb") as fh:
        fh.seek(off)
        hdr_len, type_off, type_len, str_off, str_len = struct.unpack("<5I", fh.read(24)[4:])
    args.append(f"{off}:{hdr_len + type_off + type_len}")
    args.append(f"{off + hdr_len + str_off}:{str_len}:s")
    return [exe, f] + args

def same_output(name, files, cmdline):
    """Runs each tool once on fresh copies; all must write the same .BTF_ids."""
    got = {}
    for t, exe in tools:
        fs = files()
        measure([cmdline(exe, f) for f in fs])
        got[t] = [btf_ids(f) for f in fs]
    first = got[tools[0][0]]
    for t, v in got.items():
        if v != first:
            sys.exit(f"{name}: {t} wrote other .BTF_ids bytes than {tools[0][0]}")

def bench(name, prepare, cmdline, floor_cmd=None, ok_status=(0,)):
    """prepare(): fresh inputs, returns the file list; cmdline(tool, f):
    argv; floor_cmd(floor, f): a floor's argv (a row for each)."""
    same_output(name, prepare, cmdline)
    rows = [(t, exe, False) for t, exe in tools] + ([(t, exe, True) for t, exe in floors] if floor_cmd else [])
    walls = {t: [] for t, _, _ in rows}
    rss = {t: 0 for t, _, _ in rows}
    for i in range(runs + 1):          # run 0 warms up the page cache
        for t, exe, is_floor in rows:
            files = prepare()
            argv = (lambda f: floor_cmd(exe, f)) if is_floor else (lambda f: cmdline(exe, f))
            w, r, st = measure([argv(f) for f in files])
            bad = [s for s in st if s not in ok_status]
            if bad:
                sys.exit(f"{name}: {t} exited {bad[:3]}")
            if i:
                walls[t].append(w / 1000)
                rss[t] = max(rss[t], r)
    for t, _, _ in rows:
        v = walls[t]
        results.append((name, t, statistics.median(v), min(v), max(v), rss[t] / 1024))
        print(f"{name:14} {t:20} median {statistics.median(v):9.2f} ms  min {min(v):9.2f}  max {max(v):9.2f}  peak RSS {rss[t]/1024:7.1f} MiB", file=sys.stderr)

def new_copy(src, dst):
    """`src` written to `dst` as a new file, as a linker writes its output
    (it removes the old one first): the pages stay dirty until the kernel's
    writeback gets to them, with no early writeback at close (ext4 starts
    one for a file truncated and written again)."""
    if os.path.lexists(dst):
        os.unlink(dst)
    shutil.copyfile(src, dst)

def fresh(src, name):
    os.makedirs(tmp, exist_ok=True)
    dst = os.path.join(tmp, name)
    new_copy(src, dst)
    return dst

if "vmlinux" in what:
    bench("vmlinux", lambda: [fresh(os.path.join(work, "vmlinux.restored"), "vmlinux")],
          lambda exe, f: [exe, f], floor_reads)
if "vmlinux-debug" in what:
    bench("vmlinux-debug", lambda: [fresh(os.path.join(work, "vmlinux-debug.restored"), "vmlinux-debug")],
          lambda exe, f: [exe, f], floor_reads)
if "vmlinux-debug-synced" in what:
    def synced():
        f = fresh(os.path.join(work, "vmlinux-debug.restored"), "vmlinux-debug")
        fd = os.open(f, os.O_RDONLY)
        os.fsync(fd)
        os.close(fd)
        return [f]
    bench("vmlinux-debug-synced", synced, lambda exe, f: [exe, f], floor_reads)
if "modules" in what:
    mods = os.path.join(work, "modules")
    pristine = os.path.join(work, "modules.pristine")
    allmods = sorted(os.path.join(d, f) for d, _, fs in os.walk(mods) for f in fs if f.endswith(".ko"))
    changed = sorted(os.path.join(d, f) for d, _, fs in os.walk(pristine) for f in fs if f.endswith(".ko"))
    def prep():
        for p in changed:
            new_copy(p, os.path.join(mods, os.path.relpath(p, pristine)))
        return allmods
    print(f"modules: {len(allmods)}, {len(changed)} with .BTF_ids", file=sys.stderr)
    bench("modules", prep, lambda exe, f: [exe, "-b", vmlinux, f], lambda exe, f: [exe])
if "corpus" in what:
    bench("corpus", lambda: [fresh(corpus, "corpus.o")],
          lambda exe, f: [exe, "--btf", "/sys/kernel/btf/vmlinux", f])
if "hostile" in what:
    for shape in ("overlap", "labels", "set8s"):
        bench(f"hostile-{shape}", lambda s=shape: [fresh(os.path.join(hostile, f"{s}.o"), f"{s}.o")],
              lambda exe, f: [exe, "--btf", vmlinux, f])

print()
print("| input | tool | median ms | min ms | max ms | peak RSS MiB | C / tool |")
print("|---|---|---:|---:|---:|---:|---:|")
c = {b: m for b, t, m, *_ in results if t == "resolve_btfids (C)"}
for b, t, m, lo, hi, r in results:
    ratio = "" if t == "resolve_btfids (C)" else f"{c[b] / m:.2f}x"
    print(f"| {b} | {t} | {m:.2f} | {lo:.2f} | {hi:.2f} | {r:.1f} | {ratio} |")
shutil.rmtree(tmp, ignore_errors=True)
PY
