//! The one place that forms the names `resolve_btfids` reads.
//!
//! The kernel tool recognises `__BTF_ID__<kind>__<name>__<unique>` entry
//! symbols and `__BTF_ID__set__<name>` / `__BTF_ID__set8__<name>` set symbols.
//! It cuts an entry's `<unique>` at the last `_`, so every suffix formed here is
//! made of ASCII letters and digits only.
//!
//! C gets uniqueness from `__COUNTER__` and `__LINE__`. That is not enough for
//! Rust: fat LTO merges the module-level assembly of every crate into one
//! file, so a `.local` name must also be unique across crates. The suffix is
//! therefore a hash of the crate's identity followed by a per-crate counter.
//!
//! The counter is the one piece of process-wide state, and it stays because
//! nothing else a proc macro sees tells two invocations apart: identical
//! declarations in two modules have identical tokens, two expansions of one
//! `macro_rules!` (or two `include!`s of one file) share their call site's
//! location, and locations are stable only from Rust 1.88 (proc-macro2
//! shows them only with `span-locations`, which the kernel's build leaves
//! off). The one thing that does differ, the hygiene context in the `Debug`
//! text of `Span::call_site()`, was tried and measured (no compile-time
//! cost): it rests on text rustc does not promise, and since every macro
//! expansion in the crate advances it, one unrelated `format!` renamed most
//! of a crate's `.BTF_ids` symbols. The counter moves only with our own
//! invocations.

use std::sync::atomic::{AtomicU64, Ordering};

use btf_ids_abi::names::{EntryHead, SetName};
pub use btf_ids_abi::names::{IdKind as Kind, SetKind as SetLayout, BTF_IDS_SECTION as SECTION};

/// Number of blocks (lists, sets, entries) named so far in this crate.
///
/// rustc loads the proc-macro once per crate it compiles and expands macros
/// in a fixed order, so the numbering is deterministic for a given source.
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// An error if `ident` is not ASCII: every name the macros take goes into an
/// assembler symbol (a `__BTF_ID__` entry, a label, a kfunc's own symbol)
/// and is looked up in BTF, whose names are the kernel's C identifiers.
/// `role` says what the name is, as in "a kfunc's name".
pub fn non_ascii(ident: &proc_macro2::Ident, role: &str) -> Option<syn::Error> {
    let text = ident.to_string();
    let text = text.strip_prefix("r#").unwrap_or(&text);
    (!text.is_ascii()).then(|| {
        syn::Error::new(
            ident.span(),
            format!(
                "`{text}` is not an ASCII name: {role} becomes an assembler symbol and a BTF \
                 name, and both take C identifiers (ASCII letters, digits and `_`) only"
            ),
        )
    })
}

/// A suffix unique within the whole link: `<crate hash, 16 hex><counter>`.
pub fn unique_suffix() -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{:016x}n{}", crate_hash(), n)
}

/// `__BTF_ID__<kind>__<name>__<unique>`: one ID slot.
pub fn entry(kind: Kind, name: &str) -> String {
    format!("{}{}", entry_head(kind, name), unique_tail())
}

/// `__BTF_ID__<kind>__<name>`: an entry symbol without its unique tail, for
/// a `#[kfunc]` twin to complete (see [`unique_tail`]).
pub fn entry_head(kind: Kind, name: &str) -> String {
    EntryHead(kind, name).to_string()
}

/// `__<unique>`: the tail [`entry`] puts after the name.
pub fn unique_tail() -> String {
    format!("__{}", unique_suffix())
}

/// `__BTF_ID__set__<name>__<unique>` or `__BTF_ID__set8__...`.
///
/// C uses the bare set name. resolve_btfids takes everything after `set__` as
/// the name and insists each set name occurs once in the object, so the suffix
/// keeps two crates (or two modules) with a set of the same name apart.
pub fn set(layout: SetLayout, name: &str, suffix: &str) -> String {
    SetName {
        kind: layout,
        name,
        unique: Some(suffix),
    }
    .to_string()
}

/// The label the typed view reaches the data through.
///
/// C keeps this label `.local`; Rust declares it as an `extern` static, which
/// needs a symbol the linker can see, so it is global but hidden, under a name
/// no other crate forms.
pub fn hidden_label(name: &str, suffix: &str) -> String {
    format!("__btf_ids_{}_{}", name, suffix)
}

/// The cargo variables that name the crate being compiled.
const CARGO_VARS: [&str; 4] = [
    "CARGO_PKG_NAME",
    "CARGO_CRATE_NAME",
    "CARGO_PKG_VERSION",
    "CARGO_MANIFEST_DIR",
];

/// FNV-1a over the crate's identity: as cargo reports it to rustc, or, when
/// none of cargo's variables is set, as rustc's own command line gives it.
///
/// Called for every entry, so the hash is kept with the identity it was
/// computed from and only recomputed when that changes (as it may where one
/// process expands macros for several crates, like rust-analyzer's).
fn crate_hash() -> u64 {
    thread_local! {
        static CACHE: std::cell::RefCell<(String, u64)> = const {
            std::cell::RefCell::new((String::new(), 0))
        };
    }
    let identity = cargo_identity().unwrap_or_else(rustc_identity);
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.0 != identity {
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for &b in identity.as_bytes() {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
            *cache = (identity, h);
        }
        cache.1
    })
}

/// The bytes hashed under cargo: each of [`CARGO_VARS`]' name and value,
/// each ended by a NUL; `None` when none of them is set.
fn cargo_identity() -> Option<String> {
    let values: Vec<Option<String>> = CARGO_VARS.iter().map(|v| std::env::var(v).ok()).collect();
    if values.iter().all(Option::is_none) {
        return None;
    }
    let mut identity = String::new();
    for (var, value) in CARGO_VARS.iter().zip(values) {
        identity.push_str(var);
        identity.push('\0');
        identity.push_str(&value.unwrap_or_default());
        identity.push('\0');
    }
    Some(identity)
}

/// The bytes hashed without cargo (a kernel tree's rust/Makefile runs rustc
/// itself and sets none of cargo's variables): the `--crate-name`,
/// `-C metadata` and crate root (`*.rs`) arguments of the rustc process the
/// macro runs in, each ended by a NUL. Without this every crate would get the
/// same hash, and two crates' blocks of the same name the same symbols.
fn rustc_identity() -> String {
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    rustc_identity_of(&args)
}

fn rustc_identity_of(args: &[String]) -> String {
    let mut identity = String::from("rustc\0");
    let mut push = |what: &str, value: &str| {
        identity.push_str(what);
        identity.push('\0');
        identity.push_str(value);
        identity.push('\0');
    };
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_str();
        let next = args.get(i + 1).map(String::as_str);
        if let Some(name) = arg.strip_prefix("--crate-name=") {
            push("crate-name", name);
        } else if arg == "--crate-name" {
            push("crate-name", next.unwrap_or_default());
            i += 1;
        } else if let Some(metadata) = arg.strip_prefix("-Cmetadata=") {
            push("metadata", metadata);
        } else if let Some(metadata) = next
            .and_then(|n| n.strip_prefix("metadata="))
            .filter(|_| arg == "-C")
        {
            push("metadata", metadata);
            i += 1;
        } else if arg.ends_with(".rs") && !arg.starts_with('-') {
            push("root", arg);
        }
        i += 1;
    }
    identity
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crate_hash_is_fnv1a_of_the_cargo_identity() {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for var in CARGO_VARS {
            let value = std::env::var(var).unwrap_or_default();
            for b in var.bytes().chain([0]).chain(value.bytes()).chain([0]) {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
        assert_eq!(crate_hash(), h);
        assert_eq!(crate_hash(), h);
    }

    #[test]
    fn without_cargo_the_rustc_command_line_names_the_crate() {
        let args = |a: &str| -> Vec<String> { a.split(' ').map(str::to_owned).collect() };
        let a = rustc_identity_of(&args(
            "--edition=2021 --crate-type rlib --crate-name rsk -C metadata=ab -Copt-level=2 rsk/lib.rs",
        ));
        assert_eq!(
            a,
            "rustc\0crate-name\0rsk\0metadata\0ab\0root\0rsk/lib.rs\0"
        );
        let b = rustc_identity_of(&args("--crate-name=rsk -Cmetadata=ab rsk/lib.rs"));
        assert_eq!(a, b);
        let other = rustc_identity_of(&args("--crate-name other -C metadata=ab rsk/lib.rs"));
        assert_ne!(a, other);
    }

    #[test]
    fn suffixes_hold_no_underscore_and_differ() {
        let a = unique_suffix();
        let b = unique_suffix();
        assert_ne!(a, b);
        assert!(!a.contains('_') && a.chars().all(|c| c.is_ascii_alphanumeric()));
    }

    #[test]
    fn entry_name_cuts_back_to_the_type_name() {
        let sym = entry(Kind::Struct, "foo__bar");
        assert_eq!(
            btf_ids_abi::names::parse(sym.as_bytes()),
            Ok(Some(btf_ids_abi::names::BtfIdName::Entry {
                kind: Kind::Struct,
                name: b"foo__bar"
            }))
        );
    }
}
