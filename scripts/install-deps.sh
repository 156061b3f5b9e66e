#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine, when it is missing:
# the newest linux-headers-6.12.*-common (the real btf_ids.h),
# linux-kbuild-6.12.* (the kernel's resolve_btfids), dwarves (pahole) and
# bpftool. Fails with a message naming what could not be had.
set -euo pipefail

SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "install-deps: not root and no sudo; install these Debian packages by hand:" \
         "linux-headers-6.12.*-common linux-kbuild-6.12.* dwarves bpftool" >&2
    exit 1
  fi
fi

have_headers() { compgen -G "/usr/src/linux-headers-6.12*-common/include/linux/btf_ids.h" >/dev/null; }
have_kbuild()  { compgen -G "/usr/lib/linux-kbuild-6.12*/tools/bpf/resolve_btfids/resolve_btfids" >/dev/null; }
have_pahole()  { command -v pahole >/dev/null; }
have_bpftool() { command -v bpftool >/dev/null || [ -x /usr/sbin/bpftool ]; }

if have_headers && have_kbuild && have_pahole && have_bpftool && command -v gcc >/dev/null; then
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq

newest() { # newest package whose name matches the regex $1
  apt-cache search --names-only "$1" | awk '{print $1}' | grep -E "$1" | sort -V | tail -n 1
}

pkgs=()
if ! have_headers; then
  p=$(newest '^linux-headers-6\.12\.[0-9]+\+deb[0-9]+-common$')
  [ -n "$p" ] || { echo "install-deps: apt lists no linux-headers-6.12.*-common package" >&2; exit 1; }
  pkgs+=("$p")
fi
if ! have_kbuild; then
  p=$(newest '^linux-kbuild-6\.12\.[0-9]+\+deb[0-9]+$')
  [ -n "$p" ] || { echo "install-deps: apt lists no linux-kbuild-6.12.* package" >&2; exit 1; }
  pkgs+=("$p")
fi
have_pahole || pkgs+=(dwarves)
have_bpftool || pkgs+=(bpftool)
command -v gcc >/dev/null || pkgs+=(gcc)

echo "install-deps: installing ${pkgs[*]}"
$SUDO apt-get install -y -qq "${pkgs[@]}" >/dev/null

for check in have_headers have_kbuild have_pahole have_bpftool; do
  $check || { echo "install-deps: $check still fails after installing ${pkgs[*]}" >&2; exit 1; }
done
