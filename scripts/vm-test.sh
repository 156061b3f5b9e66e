#!/usr/bin/env bash
# The real kernel as the judge: builds the Rust kfunc modules with Kbuild
# (scripts/build-modules.sh), checks them with `btf-ids check` against the
# BTF of the kernel they are for, builds the static guest /init, and boots
# Debian's 6.12 kernel under QEMU (TCG) with them. The guest loads each
# module, registers, loads and runs BPF programs that call the Rust kfuncs,
# and reports one verdict per case; btf-ids-vm fails naming every failed case.
#   scripts/vm-test.sh [btf-ids-vm options, e.g. --only rsk/add]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
target=${CARGO_TARGET_DIR:-$root/target}
mods=$target/modules
eval "$(scripts/kernel-env.sh)"

rm -rf "$mods"
echo "vm-test: kernel $KVER ($KERNEL_IMAGE), module BTF base $VMLINUX"
scripts/build-modules.sh "$mods" examples/modules/rsk examples/modules/rsk-shim tests/doc-module

cargo build --release --quiet -p btf-ids-tool
for ko in "$mods"/*.ko; do
  "$target/release/btf-ids" check -b "$VMLINUX" "$ko"
done

CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS="-C target-feature=+crt-static" \
  cargo build --release --quiet --target x86_64-unknown-linux-gnu -p btf-ids-vm-guest
cargo build --release --quiet -p btf-ids-vm
"$target/release/btf-ids-vm" --kernel "$KERNEL_IMAGE" \
  --guest "$target/x86_64-unknown-linux-gnu/release/btf-ids-vm-guest" "$@" "$mods"/*.ko
