#!/usr/bin/env bash
# The main job, from a newcomer's chair, on the real path first: build the
# Rust kfunc module examples/modules/rsk with the kernel's own Kbuild (pahole
# makes its BTF, `btf-ids` resolves it in place of resolve_btfids), inspect
# and check it against the BTF of Debian's 6.12 kernel, then boot that kernel
# under QEMU, load the module and have the real verifier judge BPF programs
# that call its kfuncs, printing each verdict.
#
# Then the host-side model (examples/task-kfuncs): a kernel-style crate given
# split BTF by hand, resolved, inspected, and judged by the userspace registry
# model and, where the running kernel allows, by the host's verifier.
#
# Where QEMU or the 6.12 kernel cannot be had it says what it left out and
# still shows the host side. Output goes to target/main-job/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$root/target/main-job
mkdir -p "$out"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

step "install what the job needs (Debian's 6.12 kernel, headers, kbuild, pahole, QEMU) when missing"
scripts/install-deps.sh

step "build the btf-ids command"
show cargo build --release --quiet -p btf-ids-tool
target=${CARGO_TARGET_DIR:-$root/target}
btf_ids=$target/release/btf-ids

if kenv=$(scripts/kernel-env.sh); then
  eval "$kenv"
  step "build examples/modules/rsk with Kbuild: cargo, ld -r, modpost, pahole, btf-ids -v as RESOLVE_BTFIDS"
  rm -rf "$out/modules"
  make -C examples/modules/rsk KDIR="$KDIR" BTF_IDS="$btf_ids" clean >/dev/null
  show make -C examples/modules/rsk KDIR="$KDIR" BTF_IDS="$btf_ids -v" >"$out/rsk-build.log" 2>&1 ||
    { cat "$out/rsk-build.log"; exit 1; }
  # Kbuild's lines and btf-ids' report; pahole's notes about Rust DWARF it
  # does not model are in the log. sed reads to the end: with pipefail, head
  # would let grep die of SIGPIPE once the log outgrows a pipe's buffer.
  grep -Ev 'recode_dwarf|tag not supported|sse2|phased out|116344|^ *\|? *$|^  = ' "$out/rsk-build.log" | sed -n '1,60p'
  mkdir -p "$out/modules" && cp examples/modules/rsk/rsk.ko "$out/modules/"

  step "inspect the resolved .BTF_ids of rsk.ko against its own BTF over vmlinux"
  show "$btf_ids" inspect --btf "$out/modules/rsk.ko" -b "$VMLINUX" "$out/modules/rsk.ko"

  step "check it as the kernel will: IDs, counts, sorting, BTF names, kernel types, base"
  show "$btf_ids" check -b "$VMLINUX" "$out/modules/rsk.ko"

  step "boot Debian's $KVER kernel under QEMU (TCG) with rsk.ko; the guest asks the real verifier"
  if command -v qemu-system-x86_64 >/dev/null && [ -r "$KERNEL_IMAGE" ]; then
    CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS="-C target-feature=+crt-static" \
      show cargo build --release --quiet --target x86_64-unknown-linux-gnu -p btf-ids-vm-guest
    show cargo build --release --quiet -p btf-ids-vm
    show "$target/release/btf-ids-vm" --kernel "$KERNEL_IMAGE" --only rsk/ \
      --guest "$target/x86_64-unknown-linux-gnu/release/btf-ids-vm-guest" "$out/modules/rsk.ko"
  else
    echo "left out: qemu-system-x86_64 or $KERNEL_IMAGE is missing (Debian packages qemu-system-x86," \
         "linux-image-$KVER-amd64-unsigned); the module was built, resolved and checked above"
  fi
else
  echo "left out: the real module path; Debian's 6.12 kernel packages are not installed (see above)"
fi

# The host-side model.
# BTF_IDS_VMLINUX=/nonexistent shows what the job does on a kernel without BTF.
vmlinux=${BTF_IDS_VMLINUX:-/sys/kernel/btf/vmlinux}
export BTF_IDS_VMLINUX=$vmlinux

step "the host-side model: build the task-kfuncs host program"
show cargo build --release --quiet -p task-kfuncs-host

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
  echo "(the module's opaque task_struct is pointed at vmlinux's, and Rust's type names and"
  echo " layouts are made ones the kernel accepts, before the IDs are resolved; -v lists each)"
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
