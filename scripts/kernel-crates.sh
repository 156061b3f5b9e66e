#!/usr/bin/env bash
# The macros against the crates a kernel tree vendors: Rust-for-Linux's rust/
# holds syn 2.0.106, quote 1.0.40 and proc-macro2 1.0.101, and its
# rust/Makefile builds syn with the features of KERNEL_SYN_FEATURES below
# (`extra-traits`, `fold` and `visit` are left out: "may be enabled if
# needed"). This script copies btf-ids-abi, btf-ids-macros,
# btf-ids-runtime and ui-tests into a scratch workspace that pins those
# versions and that feature set, checks with `cargo tree` that it got exactly
# them, and runs the macros' unit tests and the trybuild UI tests there
# (trybuild builds each case with the scratch workspace's Cargo.lock).
# `cargo test --workspace` covers the newest versions (the workspace as it is).
#
# Every other dependency keeps the version of the workspace's Cargo.lock.
# Run by scripts/test.sh; the scratch workspace lives under
# ${CARGO_TARGET_DIR:-target}/kernel-crates.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

KERNEL_SYN=2.0.106
KERNEL_QUOTE=1.0.40
KERNEL_PROC_MACRO2=1.0.101
# rust/Makefile's syn-cfgs, as "rust: syn: enable support in kbuild" (November
# 2025) adds them.
KERNEL_SYN_FEATURES="clone-impls derive full parsing printing proc-macro visit-mut"

base=${CARGO_TARGET_DIR:-$root/target}
case $base in /*) ;; *) base=$root/$base ;; esac
scratch=$base/kernel-crates
ws=$scratch/ws
mkdir -p "$ws"
# The copies and the lock are made anew (cargo then moves the three crates to
# the kernel's versions); the build (target/) is kept.
for crate in btf-ids-abi btf-ids-macros btf-ids-runtime ui-tests; do
  rm -rf "${ws:?}/$crate"
  mkdir -p "$ws/$crate"
  (cd "$root/$crate" && tar --exclude=./target -cf - .) | (cd "$ws/$crate" && tar -xf -)
done
cp "$root/Cargo.lock" "$ws/Cargo.lock"

features=$(printf '"%s", ' $KERNEL_SYN_FEATURES)
# [workspace.package] as the workspace has it.
package=$(awk '/^\[workspace\.package\]/{on=1; next} /^\[/{on=0} on' "$root/Cargo.toml")
cat >"$ws/Cargo.toml" <<EOF
# Made by scripts/kernel-crates.sh: the macros against the kernel's crates.
[workspace]
resolver = "2"
members = ["btf-ids-abi", "btf-ids-macros", "btf-ids-runtime", "ui-tests"]

[workspace.package]
$package

[workspace.dependencies]
btf-ids-abi = { path = "btf-ids-abi", version = "0.1.0" }
btf-ids-macros = { path = "btf-ids-macros", version = "0.1.0" }
btf-ids-runtime = { path = "btf-ids-runtime", version = "0.1.0" }
proc-macro2 = "=$KERNEL_PROC_MACRO2"
quote = "=$KERNEL_QUOTE"
syn = { version = "=$KERNEL_SYN", default-features = false, features = [${features%, }] }
EOF

export CARGO_TARGET_DIR=$scratch/target
cd "$ws"
# Versions and features as the kernel has them, nothing more.
tree=$(cargo tree --quiet -p btf-ids-macros -e normal --prefix none --format '{p} [{f}]')
want_syn="syn v$KERNEL_SYN [$(echo $KERNEL_SYN_FEATURES | tr ' ' ',')]"
for want in "$want_syn" "quote v$KERNEL_QUOTE [default,proc-macro]" \
            "proc-macro2 v$KERNEL_PROC_MACRO2 [default,proc-macro]"; do
  grep -qxF "$want" <<<"$tree" || {
    echo "kernel-crates: expected \`$want\` in the macros' dependencies, got:" >&2
    echo "$tree" >&2
    exit 1
  }
done
echo "kernel-crates: $want_syn, quote v$KERNEL_QUOTE, proc-macro2 v$KERNEL_PROC_MACRO2"
cargo test --quiet -p btf-ids-macros -p btf-ids-ui-tests
# trybuild took the same versions.
lock=$CARGO_TARGET_DIR/tests/trybuild/btf-ids-ui-tests/Cargo.lock
[ -f "$lock" ] && grep -A1 -x 'name = "syn"' "$lock" | grep -x "version = \"$KERNEL_SYN\"" >/dev/null || {
  echo "kernel-crates: trybuild's project did not use syn $KERNEL_SYN ($lock)" >&2
  exit 1
}
echo "kernel-crates: the macros' tests and the UI tests pass with the kernel's syn, quote and proc-macro2"
