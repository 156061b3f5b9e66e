#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine, when it is missing:
# Debian's 6.12 kernel of one version X, the newest for which the archive has
# all three of linux-kbuild-6.12.X+debN (the kernel's resolve_btfids, kbuild),
# linux-headers-6.12.X+debN-amd64 (Kbuild for modules, the BTF-only vmlinux;
# pulls in -common with the real btf_ids.h) and
# linux-image-6.12.X+debN-amd64-unsigned (the kernel QEMU boots, real
# modules); plus dwarves (pahole), bpftool, qemu-system-x86, cpio, gcc, make,
# and GNU as for the other architectures the macros' text is proven on
# (btf-ids-tool/tests/arch.rs, docs/ARCHITECTURES.md): binutils-<triple> of
# aarch64, riscv64, s390x, armhf and ppc64el, about 2.4 MB each.
# Also Rust's std for the host's musl target (rustup).
# Fails with a message naming what could not be had.
#
# Prints nothing when everything is there. scripts/kernel-env.sh finds the
# installed version again.
set -euo pipefail
here=$(dirname "$0")

CROSS_BINUTILS=(binutils-aarch64-linux-gnu binutils-riscv64-linux-gnu binutils-s390x-linux-gnu
                binutils-arm-linux-gnueabihf binutils-powerpc64le-linux-gnu)

SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "install-deps: not root and no sudo; install these Debian packages by hand:" \
         "linux-kbuild-6.12.X+deb12 linux-headers-6.12.X+deb12-amd64" \
         "linux-image-6.12.X+deb12-amd64-unsigned (one X) dwarves bpftool qemu-system-x86 cpio gcc make" \
         "${CROSS_BINUTILS[*]}" >&2
    exit 1
  fi
fi

have_tools() {
  command -v pahole >/dev/null && { command -v bpftool >/dev/null || [ -x /usr/sbin/bpftool ]; } &&
    command -v qemu-system-x86_64 >/dev/null && command -v cpio >/dev/null &&
    command -v gcc >/dev/null && command -v make >/dev/null &&
    for p in "${CROSS_BINUTILS[@]}"; do command -v "${p#binutils-}-as" >/dev/null || return 1; done
}

# Rust's std for the musl target: scripts/build-kbuild-tool.sh builds the
# binary a kernel build runs (and the module tests use) against it.
musl=$(uname -m)-unknown-linux-musl
if [ ! -d "$(rustc --print sysroot)/lib/rustlib/$musl/lib" ]; then
  echo "install-deps: rustup target add $musl"
  rustup target add "$musl" >/dev/null 2>&1 ||
    { echo "install-deps: 'rustup target add $musl' failed; the kbuild build of btf-ids needs it" >&2; exit 1; }
fi

if have_tools && "$here/kernel-env.sh" >/dev/null 2>&1; then
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq

# The newest X that kbuild, the amd64 headers and the unsigned image all have.
versions() { # versions of package names matching "^$1<X>$2$"
  apt-cache search --names-only "^$1" | awk '{print $1}' |
    sed -nE "s/^$1([0-9]+\.[0-9]+\.[0-9]+\+deb[0-9]+)$2\$/\1/p" | sort -u
}
x=$(comm -12 <(versions 'linux-kbuild-' '') <(versions 'linux-headers-' '-amd64') |
    comm -12 - <(versions 'linux-image-' '-amd64-unsigned') | grep '^6\.12\.' | sort -V | tail -n 1)
[ -n "$x" ] || {
  echo "install-deps: apt lists no 6.12 version with linux-kbuild, linux-headers-*-amd64 and" \
       "linux-image-*-amd64-unsigned all three" >&2
  exit 1
}

pkgs=("linux-kbuild-$x" "linux-headers-$x-amd64" "linux-headers-$x-common" "linux-image-$x-amd64-unsigned"
      dwarves bpftool qemu-system-x86 cpio gcc make "${CROSS_BINUTILS[@]}")
echo "install-deps: installing ${pkgs[*]}"
# The image's postinst wants an initramfs generator; the tests boot their own.
$SUDO apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null

have_tools || { echo "install-deps: pahole, bpftool, qemu-system-x86_64, cpio, gcc, make or a cross GNU as still missing after installing ${pkgs[*]}" >&2; exit 1; }
"$here/kernel-env.sh" >/dev/null || { echo "install-deps: the 6.12 kernel $x is still incomplete after installing it" >&2; exit 1; }
