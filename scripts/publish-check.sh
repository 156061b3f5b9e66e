#!/usr/bin/env bash
# `cargo publish --workspace --dry-run`: every crate meant for crates.io is
# packaged and verified (built from its package, its workspace dependencies
# taken from the packages made just before), with no warning but cargo's
# "aborting upload due to dry run", and its packaged manifest carries a
# description, documentation, readme, keywords and categories. Crates not
# meant to be published say `publish = false`. Needs the crates.io index.
set -euo pipefail
cd "$(dirname "$0")/.."

PUBLISHED="btf-ids-abi btf-ids-macros btf-ids-runtime btf-ids-kernel btf-ids-tool"

# Cargo verifies each crate against the packages made just before, through a
# local registry under the target directory, and unpacks them into
# $CARGO_HOME/registry/src/<hash of that registry's path>/. It does not unpack
# a name and version it finds there already, so a tree at the same path
# (CI's checkout is always at one path) would be verified against the
# sources of an earlier run. Our crates never come from crates.io, so every
# unpacked copy of them is stale: remove them all first.
cargo_home=${CARGO_HOME:-$HOME/.cargo}
for crate in $PUBLISHED btf-ids-flags; do
  rm -rf -- "$cargo_home"/registry/src/*/"$crate"-*
done

# --allow-dirty: it is a dry run, and a developer's tree may have changes.
out=$(cargo publish --workspace --dry-run --allow-dirty 2>&1) || {
  echo "$out" >&2
  echo "publish-check: cargo publish --workspace --dry-run failed" >&2
  exit 1
}
warnings=$(grep -E '^(warning|error)' <<<"$out" | grep -vx 'warning: aborting upload due to dry run' || true)
if [ -n "$warnings" ]; then
  echo "$out" >&2
  echo "publish-check: cargo warned:" >&2
  echo "$warnings" >&2
  exit 1
fi
packaged=$(sed -nE 's/^ *Packaging ([^ ]+) v.*/\1/p' <<<"$out" | sort | tr '\n' ' ')
want=$(tr ' ' '\n' <<<"$PUBLISHED" | sort | tr '\n' ' ')
[ "$packaged" = "$want" ] || {
  echo "publish-check: packaged [$packaged], expected [$want]; a crate not meant for crates.io needs publish = false" >&2
  exit 1
}
target=${CARGO_TARGET_DIR:-target}
for crate in $PUBLISHED; do
  manifest=$(ls -d "$target"/package/"$crate"-*/Cargo.toml | sed -n 1p)
  for field in description documentation readme keywords categories license repository; do
    grep -qE "^$field = .+" "$manifest" || {
      echo "publish-check: $crate's package has no $field ($manifest)" >&2
      exit 1
    }
  done
done
echo "publish-check: packaged and verified $PUBLISHED, no warning"
