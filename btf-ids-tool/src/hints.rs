//! A second line under resolve_btfids' `unresolved symbol` warning when the
//! name is a kfunc of a `BTF_SET8_KFUNCS` set8 in a module (split BTF):
//! the likely cause is that the module's BTF has no FUNC for it, and the
//! kernel would then refuse the whole set (`register_btf_kfunc_id_set`
//! returns -22). The first line keeps the C tool's text.
//!
//! Seen causes (December 2026): Debian's kbuild runs `pahole -J
//! --btf_gen_floats -j --lang_exclude=rust`, so Rust compilation units get
//! no BTF at all; and pahole 1.24 skips a function that has an unnamed
//! parameter (a Rust `_`); and LLVM's MergeFunctions, which rustc runs by
//! default, turns a kfunc whose machine code equals another's into an alias
//! of it: the alias keeps its symbol but loses its DWARF, so pahole gives it
//! no FUNC.

use crate::elf::ElfInfo;
use crate::flags::BTF_SET8_KFUNCS;
use crate::ids::IdKind;
use crate::resolve::Collected;

/// The hint line for kfunc `name` of set8 `set`; `twin` is the function
/// whose code it shares (its address), when there is one.
pub fn hint(name: &str, set: &str, twin: Option<&str>) -> String {
    if let Some(twin) = twin {
        return format!(
            "      kfunc {name} (set8 '{set}', BTF_SET8_KFUNCS) has no BTF FUNC in the module's BTF: \
             it is at the address of {twin}, so LLVM merged the two identical functions and {name} \
             lost its DWARF; build with RUSTFLAGS=-Zmerge-functions=disabled (btf-ids-rust.mk does) \
             or make the bodies differ; as it is, register_btf_kfunc_id_set() fails with -22"
        );
    }
    format!(
        "      kfunc {name} (set8 '{set}', BTF_SET8_KFUNCS) has no BTF FUNC in the module's BTF: \
         Debian's kbuild runs pahole with --lang_exclude=rust, so Rust code gets none; build with \
         make PAHOLE_FLAGS=\"--btf_gen_floats -j\" (pahole 1.24 also skips a function with an unnamed `_` \
         parameter); as it is, register_btf_kfunc_id_set() fails with -22"
    )
}

/// The unresolved funcs of `col` that sit in a `BTF_SET8_KFUNCS` set8 of
/// `ids`, each with its set's name.
pub fn unresolved_kfuncs(
    elf: &ElfInfo<'_>,
    col: &Collected<'_>,
    ids: &[u8],
) -> Vec<(String, String)> {
    let kfunc_sets: Vec<_> = col
        .sets
        .iter()
        .filter(|s| {
            s.set8 && elf.read_u32(ids, s.addr as usize + 4).unwrap_or(0) & BTF_SET8_KFUNCS != 0
        })
        .collect();
    let mut out = Vec::new();
    for e in col.names[IdKind::Func.index()].iter().filter(|e| e.id == 0) {
        let set = kfunc_sets.iter().find(|s| {
            e.addrs
                .iter()
                .any(|&a| a >= s.addr + 8 && a < s.addr + s.size)
        });
        if let Some(s) = set {
            out.push((
                String::from_utf8_lossy(e.name).into_owned(),
                String::from_utf8_lossy(s.name).into_owned(),
            ));
        }
    }
    out
}

/// Another function symbol at the address of function `name` in the same
/// section (what a merged function's alias looks like), if any.
pub fn merged_with(data: &[u8], name: &str) -> Option<String> {
    use object::{Object, ObjectSymbol, SymbolKind};
    let file = object::File::parse(data).ok()?;
    let funcs: Vec<_> = file
        .symbols()
        .filter(|s| s.kind() == SymbolKind::Text && s.is_definition())
        .collect();
    let me = funcs
        .iter()
        .find(|s| s.name_bytes() == Ok(name.as_bytes()))?;
    funcs
        .iter()
        .find(|s| {
            s.index() != me.index() && s.section() == me.section() && s.address() == me.address()
        })
        .map(|s| String::from_utf8_lossy(s.name_bytes().unwrap_or(b"?")).into_owned())
}

/// Inserts the hints after the matching warnings (the last line warning
/// about the name: funcs come last in the C tool's order). `data` is the
/// ELF file, searched for merged twins.
pub fn add_hints(warnings: &mut Vec<String>, kfuncs: &[(String, String)], data: &[u8]) {
    for (name, set) in kfuncs {
        let line = format!("WARN: resolve_btfids: unresolved symbol {name}");
        if let Some(i) = warnings.iter().rposition(|w| *w == line) {
            let twin = merged_with(data, name);
            warnings.insert(i + 1, hint(name, set, twin.as_deref()));
        }
    }
}
