#!/usr/bin/env bash
# Compile-time benchmark: the same BTF ID declarations as a Rust library crate
# (btf_id_list! / btf_set! / btf_set8!) and as C with the kernel's btf_ids.h.
#
#   scripts/bench-compile.sh [ENTRIES...]      default: 1000 12000
#
# For each entry count it generates, under $BENCH_DIR (default
# /tmp/btf-ids-bench-compile), one Rust crate and one C file holding the same
# lists, sets and set8s (about 25/32/43 % of the entries; lists of 1-16 IDs,
# sets of 4-64, set8s of 8-128 with KF_* flags on five entries in eight),
# named from /sys/kernel/btf/vmlinux when it is readable and with synthetic C
# identifiers otherwise. It then times, $RUNS times each (default 7),
# alternating the two so machine noise hits both:
#   rust: `touch src/lib.rs && cargo build --release --offline` of that crate,
#         once its dependencies are built, so only the crate itself is compiled
#         (cargo's own start-up, ~0.1 s, is included);
#   gcc:  `gcc -O2 -c -nostdinc -I <linux-headers-6.12.*-common>/include`.
# A third column builds the same crate with
#   [profile.release.build-override] opt-level = 3
# since cargo's release profile builds proc macros (ours and syn) unoptimised.
# It also times an empty crate and an empty C file (0 entries), the fixed cost
# of each compiler, and prints medians and the rust/gcc ratio.
#
# Environment: RUNS, BENCH_DIR, CARGO_TARGET_DIR (default $BENCH_DIR/target),
# HDR (the linux-headers-*-common directory).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${RUNS:-7}
BENCH_DIR=${BENCH_DIR:-/tmp/btf-ids-bench-compile}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$BENCH_DIR/target}
if [[ -z ${HDR:-} ]]; then
    HDR=$(ls -d /usr/src/linux-headers-6.12.*-common 2>/dev/null | sort -V | tail -n 1)
fi
[[ -f $HDR/include/linux/btf_ids.h ]] || {
    echo "bench-compile: no linux-headers-6.12.*-common (set HDR)" >&2
    exit 1
}
COUNTS=("$@")
[[ ${#COUNTS[@]} -gt 0 ]] || COUNTS=(1000 12000)
mkdir -p "$BENCH_DIR"

# The C prelude that lets btf_ids.h compile outside a kernel tree: it claims
# the headers btf_ids.h includes by their include guards and gives the few
# definitions it uses, plus the KF_* lines of the real linux/btf.h.
PRELUDE=$BENCH_DIR/prelude.h
{
    echo '#define CONFIG_DEBUG_INFO_BTF 1'
    echo '#define _LINUX_TYPES_H'
    echo '#define __LINUX_COMPILER_H'
    echo '#define __LINUX_COMPILER_ATTRIBUTES_H'
    echo '#define __LINUX_STRINGIFY_H'
    echo 'typedef unsigned int u32;'
    echo '#define ___PASTE(a, b) a##b'
    echo '#define __PASTE(a, b) ___PASTE(a, b)'
    echo '#define __stringify_1(x...) #x'
    echo '#define __stringify(x...) __stringify_1(x)'
    echo '#define __maybe_unused __attribute__((__unused__))'
    grep '^#define KF_' "$HDR/include/linux/btf.h"
} >"$PRELUDE"

python3 - "$ROOT" "$BENCH_DIR" "$PRELUDE" "$HDR" "$RUNS" "${COUNTS[@]}" <<'PY'
import os, re, shutil, statistics, subprocess, sys, time

root, bench_dir, prelude, hdr, runs = sys.argv[1:6]
runs = int(runs)
counts = [int(c) for c in sys.argv[6:]]
target = os.environ["CARGO_TARGET_DIR"]

RUST_KEYWORDS = set("""as async await break const continue crate dyn else enum
extern false fn for if impl in let loop match mod move mut pub ref return self
Self static struct super trait true type union unsafe use where while abstract
become box do final macro override priv try typeof unsized virtual yield gen
typedef func unused""".split())
IDENT = re.compile(rb"^[A-Za-z_][A-Za-z0-9_]{2,47}$")

def names(n):
    """n distinct C identifiers: vmlinux BTF strings, then synthetic ones."""
    pool, seen = [], set()
    try:
        data = open("/sys/kernel/btf/vmlinux", "rb").read()
        # The string section: NUL-separated names, the tail of the file.
        for s in data.split(b"\0"):
            if IDENT.match(s):
                t = s.decode()
                if t not in seen and t not in RUST_KEYWORDS and not t.startswith("__BTF_ID"):
                    seen.add(t)
                    pool.append(t)
    except OSError:
        pass
    source = "vmlinux BTF" if len(pool) >= n else "synthetic"
    if n == 0:
        return [], source
    if len(pool) >= n:
        step = len(pool) // n
        return [pool[i * step] for i in range(n)], source
    words = ["bpf", "task", "file", "sock", "map", "prog", "cgroup", "iter", "ctx", "rcu"]
    return [f"{words[i % 10]}_{words[(i // 10) % 10]}_obj{i}" for i in range(n)], source

KINDS = ["struct", "func", "func", "typedef", "union", "func", "struct", "func"]
# Set8 entry flags; about a third of the kernel's BTF_ID_FLAGS lines give none.
FLAGS = ["KF_ACQUIRE | KF_RET_NULL", "KF_RELEASE", "", "KF_TRUSTED_ARGS | KF_SLEEPABLE",
         "", "KF_RCU", "KF_ITER_NEW | KF_ITER_NEXT", ""]
SIZES = {"list": [1, 3, 6, 10, 16], "set": [4, 8, 16, 32, 64], "set8": [8, 16, 32, 64, 128]}

def blocks(n):
    """Split n entries over lists, sets and set8s (~25/32/43 %)."""
    out, left, i = [], n, 0
    order = ["list", "set", "list", "set8", "list", "set", "list",
             "list", "set8", "list", "set", "list", "list"]
    while left > 0:
        kind = order[i % len(order)]
        size = min(SIZES[kind][(i // len(order)) % 5], left)
        out.append((kind, size))
        left -= size
        i += 1
    return out

def generate(n):
    ids, source = names(n)
    rs = ["//! Generated by scripts/bench-compile.sh.",
          "#![allow(dead_code, unused_imports)]",
          "use btf_ids_runtime::flags::*;",
          "use btf_ids_runtime::{btf_id_list, btf_set, btf_set8};", ""]
    c = [f'#include "{prelude}"', "#include <linux/btf_ids.h>", ""]
    k = 0
    for b, (kind, size) in enumerate(blocks(n) if n else []):
        name = f"{kind}_{b}"
        ents_rs = []
        if kind == "list":
            c.append(f"BTF_ID_LIST({name})")
        elif kind == "set":
            c.append(f"BTF_SET_START({name})")
        else:
            c.append(f"BTF_SET8_START({name})")
        for _ in range(size):
            knd = KINDS[k % len(KINDS)]
            if kind == "list" and k % 23 == 22:
                ents_rs.append("unused")
                c.append("BTF_ID_UNUSED")
            elif kind == "set8":
                fl = FLAGS[k % len(FLAGS)]
                ents_rs.append(f"func {ids[k]}({fl})" if fl else f"func {ids[k]}")
                c.append(f"BTF_ID_FLAGS(func, {ids[k]}, {fl})" if fl else f"BTF_ID_FLAGS(func, {ids[k]})")
            else:
                ents_rs.append(f"{knd} {ids[k]}")
                c.append(f"BTF_ID({knd}, {ids[k]})")
            k += 1
        if kind == "set":
            c.append(f"BTF_SET_END({name})")
        elif kind == "set8":
            c.append(f"BTF_SET8_END({name})")
        mac = {"list": "btf_id_list", "set": "btf_set", "set8": "btf_set8"}[kind]
        body = ",\n    ".join(ents_rs)
        rs.append(f"{mac}! {{\n    pub static {name.upper()} = [\n    {body}\n    ];\n}}")
    # Two crates of the same source: cargo's default release profile, which
    # builds proc macros at opt-level 0, and one that optimises them.
    for variant, profile in (("", ""), ("-opt", OPT_PROFILE)):
        d = os.path.join(bench_dir, f"n{n}{variant}")
        os.makedirs(os.path.join(d, "src"), exist_ok=True)
        with open(os.path.join(d, "Cargo.toml"), "w") as f:
            f.write(f"""[package]
name = "btf-ids-compile-n{n}{variant}"
version = "0.1.0"
edition = "2021"
publish = false

[lib]
path = "src/lib.rs"

[dependencies]
btf-ids-runtime = {{ path = "{root}/btf-ids-runtime" }}

[workspace]
{profile}""")
        shutil.copy(os.path.join(root, "Cargo.lock"), os.path.join(d, "Cargo.lock"))
        with open(os.path.join(d, "src", "lib.rs"), "w") as f:
            f.write("\n".join(rs) + "\n")
    d = os.path.join(bench_dir, f"n{n}")
    with open(os.path.join(d, "decls.c"), "w") as f:
        f.write("\n".join(c) + "\n")
    return d, source, len(blocks(n)) if n else 0

OPT_PROFILE = """
[profile.release.build-override]
opt-level = 3
"""

def rust_cmd(d):
    return ["cargo", "build", "--release", "--offline", "--quiet",
            "--manifest-path", os.path.join(d, "Cargo.toml")]

def c_cmd(d):
    return ["gcc", "-O2", "-c", "-nostdinc", "-I", os.path.join(hdr, "include"),
            os.path.join(d, "decls.c"), "-o", os.path.join(d, "decls.o")]

def timed(cmd, before=None):
    if before:
        before()
    t = time.perf_counter()
    subprocess.run(cmd, check=True)
    return time.perf_counter() - t

def check_objects(d, n):
    """Both sides emitted the same number of __BTF_ID__ entry symbols."""
    def count(path):
        out = subprocess.run(["nm", path], capture_output=True, text=True, check=True).stdout
        return sum(1 for l in out.splitlines() if re.search(r"__BTF_ID__(struct|union|typedef|func)__", l))
    rlib = [os.path.join(target, "release", "deps", f)
            for f in os.listdir(os.path.join(target, "release", "deps"))
            if f.startswith(f"libbtf_ids_compile_n{n}-") and f.endswith(".rlib")]
    newest = max(rlib, key=os.path.getmtime)
    return count(newest), count(os.path.join(d, "decls.o"))

def info(cmd):
    return subprocess.run(cmd, capture_output=True, text=True).stdout.splitlines()[0]

print(f"machine: {os.cpu_count()} cores (nproc {info(['nproc'])}), {info(['rustc', '--version'])}, {info(['gcc', '--version'])}")
print(f"header: {hdr}/include/linux/btf_ids.h; {runs} runs each, medians")
rows = []
for n in [0] + counts:
    d, source, nblocks = generate(n)
    dopt = d + "-opt"
    touch = lambda: os.utime(os.path.join(d, "src", "lib.rs"))
    touch_opt = lambda: os.utime(os.path.join(dopt, "src", "lib.rs"))
    subprocess.run(rust_cmd(d), check=True)  # dependencies, once
    subprocess.run(rust_cmd(dopt), check=True)
    subprocess.run(c_cmd(d), check=True)
    if n:
        r, g = check_objects(d, n)
        share = {k: sum(sz for kk, sz in blocks(n) if kk == k) for k in SIZES}
        print(f"n={n}: {nblocks} blocks ({share['list']} entries in lists, {share['set']} in sets, "
              f"{share['set8']} in set8s), names from {source}; "
              f"__BTF_ID__ entry symbols: rust {r}, gcc {g}")
    rt, ot, ct = [], [], []
    for _ in range(runs):
        rt.append(timed(rust_cmd(d), touch))
        ot.append(timed(rust_cmd(dopt), touch_opt))
        ct.append(timed(c_cmd(d)))
    rm, om, cm = statistics.median(rt), statistics.median(ot), statistics.median(ct)
    rows.append((n, rm, om, cm, min(rt), min(ct)))
print()
print("| entries | rust | gcc | rust / gcc | rust, macros at opt-level 3 | that / gcc | rust min | gcc min |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|")
for n, rm, om, cm, rmin, cmin in rows:
    print(f"| {n:,} | {rm:.3f} s | {cm:.3f} s | {rm / cm:.2f}x | {om:.3f} s | {om / cm:.2f}x "
          f"| {rmin:.3f} s | {cmin:.3f} s |")
base_r, base_o, base_c = rows[0][1], rows[0][2], rows[0][3]
print()
print("Above the 0-entry baseline (the cost of the declarations alone):")
for n, rm, om, cm, _, _ in rows[1:]:
    print(f"  {n:,} entries: rust +{rm - base_r:.3f} s, rust (macros -O3) +{om - base_o:.3f} s, "
          f"gcc +{cm - base_c:.3f} s")
PY
