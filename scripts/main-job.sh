#!/usr/bin/env bash
# The main job, from a newcomer's chair: build the example kernel-style crate
# (examples/task-kfuncs), give it BTF, resolve it with `btf-ids resolve`,
# inspect and check the result, then judge BPF kfunc calls against its
# registry and, where the running kernel allows, against the verifier.
#
# Works without /sys/kernel/btf/vmlinux and without bpf(): it says what it
# left out, and still fails if an answer it could check was wrong. Output goes to target/main-job/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$root/target/main-job
mkdir -p "$out"
# BTF_IDS_VMLINUX=/nonexistent shows what the job does on a kernel without BTF.
vmlinux=${BTF_IDS_VMLINUX:-/sys/kernel/btf/vmlinux}
export BTF_IDS_VMLINUX=$vmlinux

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

step "install what the job needs (pahole, binutils) when missing"
scripts/install-deps.sh

step "build the btf-ids command and the host program"
show cargo build --release --quiet -p btf-ids-tool -p task-kfuncs-host
target=${CARGO_TARGET_DIR:-$root/target}
btf_ids=$target/release/btf-ids

step "build examples/task-kfuncs as a kernel module object (no_std staticlib, ld -r)"
CARGO_TARGET_DIR=$out/module-target show cargo build --release --quiet \
  --manifest-path examples/task-kfuncs/module/Cargo.toml
show ld -r --whole-archive "$out/module-target/release/libtask_kfuncs_module.a" -o "$out/task_kfuncs.o"

base_args=()
step "give it BTF with pahole"
if [ -r "$vmlinux" ]; then
  echo "split BTF over the running kernel's $vmlinux: kernel names get vmlinux IDs"
  show pahole -J --btf_base "$vmlinux" "$out/task_kfuncs.o" 2>"$out/pahole.log"
  base_args=(-b "$vmlinux")
else
  echo "left out: $vmlinux is missing; BTF of the module alone, so kernel names stay 0"
  show pahole -J "$out/task_kfuncs.o" 2>"$out/pahole.log"
fi

step "resolve the module object in place with btf-ids resolve"
if [ -r "$vmlinux" ]; then
  echo "(a module's own DWARF describes the opaque task_struct too, so the name has a"
  echo " second ID in the split BTF; like resolve_btfids, btf-ids warns and takes vmlinux's)"
fi
show "$btf_ids" resolve "${base_args[@]}" "$out/task_kfuncs.o"

step "inspect the resolved .BTF_ids"
show "$btf_ids" inspect --btf "$out/task_kfuncs.o" "${base_args[@]}" "$out/task_kfuncs.o"

step "check it: no zero IDs, counts, sorting, kinds"
if [ -r "$vmlinux" ]; then
  show "$btf_ids" check "${base_args[@]}" "$out/task_kfuncs.o"
else
  show "$btf_ids" check "$out/task_kfuncs.o" || echo "expected without vmlinux: kernel names stay unresolved"
fi

step "resolve the host program against the module's BTF, then run it"
show "$btf_ids" resolve --btf "$out/task_kfuncs.o" "${base_args[@]}" \
  -o "$out/task-kfuncs-host" "$target/release/task-kfuncs-host"
show "$out/task-kfuncs-host"
