#!/usr/bin/env bash
# The macros built without cargo, as a kernel tree's rust/Makefile builds its
# proc-macros: one plain `rustc` call per crate, `--crate-type proc-macro`
# for btf-ids-macros, `--extern` for each dependency, an edition flag, the
# features given as `--cfg`. syn, quote and proc-macro2 come at the kernel's
# versions (2.0.106, 1.0.40, 1.0.101) from cargo's registry sources and get
# rust/Makefile's cfgs (syn's features exactly as the kernel enables them).
# Then a user crate (tests/fixtures/arch-corpus: every macro form and
# #[kfunc]s) is compiled to an object the same way, and its `.BTF_ids` bytes
# and symbols must be those of cargo's build of the same crate.
#
# The macros name their symbols after the crate's identity: under cargo the
# CARGO_PKG_NAME, CARGO_CRATE_NAME, CARGO_PKG_VERSION and CARGO_MANIFEST_DIR
# variables; with none of them set, rustc's --crate-name, -C metadata and the
# crate root. The first user build sets cargo's four values (so its symbols
# must match cargo's byte for byte); the second sets none, as the kernel's
# Makefile does (same bytes; a suffix of its own, and another crate name
# gets another suffix).
#
# Run by scripts/test.sh; works under ${CARGO_TARGET_DIR:-target}/rustc-build.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

KERNEL_SYN=2.0.106
KERNEL_QUOTE=1.0.40
KERNEL_PROC_MACRO2=1.0.101
KERNEL_SYN_FEATURES="clone-impls derive full parsing printing proc-macro visit-mut"
RUSTC=${RUSTC:-rustc}

base=${CARGO_TARGET_DIR:-$root/target}
case $base in /*) ;; *) base=$root/$base ;; esac
work=$base/rustc-build
out=$work/out
rm -rf "$out"
mkdir -p "$out" "$work/fetch/src"

# The registry sources at the kernel's versions: a manifest that needs them,
# fetched, and `cargo metadata` says where cargo unpacked them.
cat >"$work/fetch/Cargo.toml" <<EOF
[package]
name = "rustc-build-fetch"
version = "0.0.0"
edition = "2021"
publish = false

[workspace]

[dependencies]
proc-macro2 = "=$KERNEL_PROC_MACRO2"
quote = "=$KERNEL_QUOTE"
syn = { version = "=$KERNEL_SYN", default-features = false }
EOF
: >"$work/fetch/src/lib.rs"
meta=$(cargo metadata --quiet --format-version 1 --manifest-path "$work/fetch/Cargo.toml")
src_of() { # src_of NAME VERSION: the unpacked crate's directory
  local dir
  dir=$(grep -o "\"manifest_path\":\"[^\"]*/$1-$2/Cargo.toml\"" <<<"$meta" | sed -n 1p |
        sed -e 's/^"manifest_path":"//' -e 's#/Cargo.toml"$##')
  [ -n "$dir" ] && [ -f "$dir/src/lib.rs" ] || { echo "rustc-build: no sources of $1 $2 in cargo's registry" >&2; exit 1; }
  echo "$dir"
}
uid_version=$(grep -o '"name":"unicode-ident","version":"[^"]*"' <<<"$meta" | sed -n 1p | sed 's/.*"version":"\([^"]*\)"/\1/')
[ -n "$uid_version" ] || { echo "rustc-build: proc-macro2 $KERNEL_PROC_MACRO2 resolved no unicode-ident" >&2; exit 1; }

cfgs() { for c in "$@"; do printf -- '--cfg\n%s\n' "$c"; done; }
rustc_version=$($RUSTC --version | sed -E 's/^rustc ([0-9]+)\.([0-9]+).*/\1 \2/')
read -r major minor <<<"$rustc_version"
span_cfgs=()
# rust/Makefile: proc_macro_span_file and proc_macro_span_location from 1.88.
if [ "$major" -gt 1 ] || [ "$minor" -ge 88 ]; then span_cfgs=(proc_macro_span_file proc_macro_span_location); fi

host_lib() { # host_lib CRATE_NAME EDITION ROOT ARGS...: a host rlib, as rustc_hostlibrary
  local name=$1 edition=$2 src=$3; shift 3
  echo "  RUSTC H $name"
  $RUSTC --edition="$edition" --crate-type rlib --crate-name "$name" -O --cap-lints=allow \
    -L "$out" --out-dir "$out" "$@" "$src"
}

echo "rustc-build: the kernel's crates"
host_lib unicode_ident 2021 "$(src_of unicode-ident "$uid_version")/src/lib.rs"
mapfile -t pm2_cfgs < <(cfgs 'feature="proc-macro"' wrap_proc_macro "${span_cfgs[@]}")
host_lib proc_macro2 2021 "$(src_of proc-macro2 $KERNEL_PROC_MACRO2)/src/lib.rs" "${pm2_cfgs[@]}" \
  --extern unicode_ident
mapfile -t quote_cfgs < <(cfgs 'feature="proc-macro"')
host_lib quote 2018 "$(src_of quote $KERNEL_QUOTE)/src/lib.rs" "${quote_cfgs[@]}" --extern proc_macro2
syn_feature_cfgs=()
for f in $KERNEL_SYN_FEATURES; do syn_feature_cfgs+=("feature=\"$f\""); done
mapfile -t syn_cfgs < <(cfgs "${syn_feature_cfgs[@]}")
host_lib syn 2021 "$(src_of syn $KERNEL_SYN)/src/lib.rs" "${syn_cfgs[@]}" --extern proc_macro2 --extern quote \
  --extern unicode_ident

echo "rustc-build: btf-ids"
host_lib btf_ids_abi 2021 "$root/btf-ids-abi/src/lib.rs"
echo "  RUSTC P btf_ids_macros"
$RUSTC --edition=2021 --crate-type proc-macro --crate-name btf_ids_macros -O \
  --extern proc_macro --extern proc_macro2 --extern quote --extern syn --extern btf_ids_abi \
  -L "$out" --out-dir "$out" "$root/btf-ids-macros/src/lib.rs"
echo "  RUSTC L btf_ids_runtime"
$RUSTC --edition=2021 --crate-type rlib --crate-name btf_ids_runtime -O \
  --cfg 'feature="default"' --cfg 'feature="debug-info-btf"' \
  --extern btf_ids_abi --extern "btf_ids_macros=$out/libbtf_ids_macros.so" \
  -L "$out" --out-dir "$out" "$root/btf-ids-runtime/src/lib.rs"

# The user crate, three times without cargo and once with it.
fixture=$root/tests/fixtures/arch-corpus
user() { # user OBJECT CRATE_NAME ENV...: arch-corpus as one object, rustc run by env(1) with ENV
  local obj=$1 name=$2; shift 2
  env "$@" "$RUSTC" --edition=2021 --crate-type rlib --crate-name "$name" -C codegen-units=1 \
    --extern btf_ids_runtime -L "$out" --emit=obj="$obj" "$fixture/src/lib.rs"
}
unset_cargo=(-u CARGO_PKG_NAME -u CARGO_CRATE_NAME -u CARGO_PKG_VERSION -u CARGO_MANIFEST_DIR)
echo "  RUSTC L arch_corpus (cargo's identity variables set)"
user "$out/rustc-as-cargo.o" arch_corpus CARGO_PKG_NAME=arch-corpus CARGO_CRATE_NAME=arch_corpus \
  CARGO_PKG_VERSION=0.1.0 "CARGO_MANIFEST_DIR=$fixture"
echo "  RUSTC L arch_corpus, other_corpus (none set, as in a kernel tree)"
user "$out/rustc-plain.o" arch_corpus "${unset_cargo[@]}"
user "$out/rustc-plain-other.o" other_corpus "${unset_cargo[@]}"
echo "rustc-build: cargo's build of the same crate"
# The object goes beside cargo's build: cargo skips rustc when the crate is
# fresh, and the object of the build that made it is still there.
cargo_obj=$work/cargo-target/arch-corpus.o
export CARGO_TARGET_DIR=$work/cargo-target
[ -f "$cargo_obj" ] || (cd "$fixture" && cargo clean --quiet -p arch-corpus)
(cd "$fixture" && cargo rustc --quiet --lib -- -C codegen-units=1 --emit=obj="$cargo_obj")
cp "$cargo_obj" "$out/cargo.o"

# .BTF_ids as bytes, and its symbols (value, binding, type, size, name).
section() { objcopy -O binary --only-section=.BTF_ids "$1" "$1.BTF_ids" && od -An -tx1 -v "$1.BTF_ids"; }
symbols() { objdump -t "$1" | awk '$0 ~ /[ \t]\.BTF_ids[ \t]/ && $NF != ".BTF_ids"' | sort; }
fail() { echo "rustc-build: $*" >&2; exit 1; }

[ -n "$(symbols "$out/cargo.o")" ] || fail "cargo's object has no .BTF_ids symbols"
[ "$(section "$out/rustc-as-cargo.o")" = "$(section "$out/cargo.o")" ] ||
  fail ".BTF_ids bytes differ between the rustc build and cargo's ($out)"
diff <(symbols "$out/cargo.o") <(symbols "$out/rustc-as-cargo.o") >&2 ||
  fail ".BTF_ids symbols differ between the rustc build and cargo's ($out)"
[ "$(section "$out/rustc-plain.o")" = "$(section "$out/cargo.o")" ] ||
  fail ".BTF_ids bytes differ without cargo's variables ($out)"
suffix() { symbols "$1" | grep -o '__BTF_ID__set8__ARCH_KFUNCS__[0-9a-f]*n' | sed -n 1p; }
# Without cargo's variables the symbols are cargo's up to the crate hash.
hash=$(suffix "$out/cargo.o"); hash=${hash##*__}; plain=$(suffix "$out/rustc-plain.o"); plain=${plain##*__}
[ -n "$hash" ] && [ -n "$plain" ] && [ "$hash" != "$plain" ] || fail "no crate hash of its own without cargo's variables"
diff <(symbols "$out/cargo.o" | sed "s/$hash/HASH/g") <(symbols "$out/rustc-plain.o" | sed "s/$plain/HASH/g") >&2 ||
  fail ".BTF_ids symbols differ from cargo's beyond the crate hash without cargo's variables"
[ "$(suffix "$out/rustc-plain-other.o")" != "$(suffix "$out/rustc-plain.o")" ] ||
  fail "two crate names got the same symbols without cargo's variables"
echo "rustc-build: $(symbols "$out/cargo.o" | wc -l) .BTF_ids symbols and $(stat -c %s "$out/cargo.o.BTF_ids") bytes the same as cargo's"
