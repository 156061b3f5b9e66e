#!/usr/bin/env bash
# The test command: installs what the tests need, then runs every test and
# every check. CI (.ci/run) calls exactly this.
#
# BTF_IDS_SKIP_KERNEL_TESTS=1 leaves out the tests that load programs into
# the running kernel (they need root and an open bpf()); they say so loudly.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings
cargo test --workspace
# The macros against the kernel's vendored syn, quote and proc-macro2 and its
# syn features (cargo test above has the newest), then built without cargo,
# one rustc per crate, as a kernel tree's rust/Makefile builds proc-macros.
scripts/kernel-crates.sh
scripts/rustc-build.sh
# cargo publish --workspace --dry-run: every published crate packages and
# builds from its package, without a warning.
scripts/publish-check.sh
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps
# The real kernel as the judge: the Rust kfunc modules built by Kbuild,
# loaded into Debian's 6.12 kernel under QEMU, every case run.
scripts/vm-test.sh
# The README's main job must work too.
scripts/main-job.sh
echo "test.sh: all tests and checks passed"
