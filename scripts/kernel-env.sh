#!/usr/bin/env bash
# Prints, as shell assignments, where Debian's 6.12 kernel of one version
# lives on this machine: the newest X for which kbuild, the amd64 headers and
# the unsigned image are all installed (scripts/install-deps.sh installs them).
#   eval "$(scripts/kernel-env.sh)"
# KVER    6.12.X+debN            KDIR  /usr/src/linux-headers-$KVER-amd64
# VMLINUX $KDIR/vmlinux (BTF-only: the BTF base of that kernel's modules)
# KERNEL_IMAGE /boot/vmlinuz-$KVER-amd64   RESOLVE_BTFIDS_C the kernel's tool
# Exits 1, saying what is missing, when no version is complete.
set -euo pipefail
best=""
for kb in /usr/lib/linux-kbuild-6.12.*; do
  [ -x "$kb/tools/bpf/resolve_btfids/resolve_btfids" ] || continue
  x=${kb#/usr/lib/linux-kbuild-}
  [ -r "/usr/src/linux-headers-$x-amd64/vmlinux" ] || continue
  [ -r "/boot/vmlinuz-$x-amd64" ] || continue
  best=$(printf '%s\n%s\n' "$best" "$x" | sed '/^$/d' | sort -V | tail -n 1)
done
if [ -z "$best" ]; then
  echo "kernel-env: no Debian 6.12 kernel with linux-kbuild-6.12.X+debN, linux-headers-6.12.X+debN-amd64" \
       "and linux-image-6.12.X+debN-amd64-unsigned of the same X is installed (scripts/install-deps.sh)" >&2
  exit 1
fi
cat <<EOT
KVER=$best
KDIR=/usr/src/linux-headers-$best-amd64
VMLINUX=/usr/src/linux-headers-$best-amd64/vmlinux
KERNEL_IMAGE=/boot/vmlinuz-$best-amd64
RESOLVE_BTFIDS_C=/usr/lib/linux-kbuild-$best/tools/bpf/resolve_btfids/resolve_btfids
EOT
