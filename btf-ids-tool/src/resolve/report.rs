//! What resolving gives: the patched `.BTF_ids` bytes, and the report of
//! `btf-ids resolve` (`--json`) with the messages resolve_btfids prints. A
//! function of what was read, with no I/O: `commands::resolve` reads the
//! file and the BTF before, and writes the result after.

use crate::elf::{ElfInfo, SectionInfo};
use crate::resolve::Collected;
use crate::symbols::names::IdKind;
use crate::Error;

/// A name with several ids.
#[derive(Debug, Clone)]
pub struct Ambiguous {
    /// Kind.
    pub kind: IdKind,
    /// Name.
    pub name: String,
    /// All ids found (the first is used).
    pub ids: Vec<u32>,
}

json_fields!(Ambiguous {
    kind: word,
    name,
    ids
});

/// A name without an id.
#[derive(Debug, Clone)]
pub struct Unresolved {
    /// Kind.
    pub kind: IdKind,
    /// Name.
    pub name: String,
}

json_fields!(Unresolved { kind: word, name });

/// A set after resolving.
#[derive(Debug, Clone)]
pub struct SetReport {
    /// Name.
    pub name: String,
    /// Set8.
    pub set8: bool,
    /// Count written.
    pub count: u64,
}

json_fields!(SetReport { name, set8, count });

/// The `resolve` report (`--json`).
#[derive(Debug, Clone, Default)]
pub struct ResolveReport {
    /// Input.
    pub file: String,
    /// Where the result went.
    pub output: String,
    /// The BTF used.
    pub btf: Option<String>,
    /// Nothing to do (no `.BTF_ids` or no symbol table).
    pub nothing_to_do: bool,
    /// Id symbols.
    pub id_symbols: usize,
    /// Distinct (kind, name) pairs.
    pub names: usize,
    /// Distinct names resolved.
    pub resolved: usize,
    /// Names left 0.
    pub unresolved: Vec<Unresolved>,
    /// Names with several ids.
    pub ambiguous: Vec<Ambiguous>,
    /// Sets.
    pub sets: Vec<SetReport>,
    /// Whether `.BTF_ids` bytes changed.
    pub changed: bool,
    /// `bpf_kfunc` / `bpf_fastcall` tags added.
    pub tags_added: usize,
    /// Whether `.BTF` bytes changed (kernel types, names, layout).
    pub btf_changed: bool,
    /// Kernel types pointed at the base's: (module id, base id).
    pub kernel_types: Vec<PointedType>,
    /// What was changed in `.BTF`, one line each.
    pub btf_edits: Vec<String>,
    /// The messages resolve_btfids would print, in its order.
    pub warnings: Vec<String>,
    /// `-v` debug lines.
    pub debug: Vec<String>,
}

json_fields!(ResolveReport {
    file,
    output,
    btf,
    nothing_to_do,
    id_symbols,
    names,
    resolved,
    unresolved,
    ambiguous,
    sets,
    changed,
    tags_added,
    btf_changed,
    kernel_types,
    btf_edits,
    warnings
});

/// A module-local type pointed at a base type.
#[derive(Debug, Clone)]
pub struct PointedType {
    /// Its id in the module's BTF (its name is cleared).
    pub module: u32,
    /// The base type every reference now names.
    pub base: u32,
}

json_fields!(PointedType { module, base });

/// Records what [`crate::btf::fix`] did in the report (and for `-v`).
pub(crate) fn note_fixes(rep: &mut ResolveReport, fixed: &crate::btf::fix::Fixed, verbose: u8) {
    rep.kernel_types = fixed
        .pointed
        .iter()
        .map(|&(module, base)| PointedType { module, base })
        .collect();
    rep.btf_edits = fixed.notes.clone();
    if verbose >= 1 {
        rep.debug.extend(fixed.notes.iter().cloned());
    }
}

/// How [`patch`] reports.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Patching {
    /// Add the likely cause under each unresolved kfunc (a module resolved
    /// over a base).
    pub(crate) hints: bool,
    /// `-v` count: the `patching addr` lines.
    pub(crate) verbose: u8,
    /// `--strict`: an unresolved or ambiguous name is an error.
    pub(crate) strict: bool,
}

/// The `adding symbol` lines of `-v`, in resolve_btfids' order.
pub(crate) fn note_names(col: &Collected<'_>, rep: &mut ResolveReport) {
    for k in IdKind::ALL {
        for e in &col.names[k.index()] {
            rep.debug
                .push(format!("adding symbol {}", String::from_utf8_lossy(e.name)));
        }
    }
}

/// Patches the ids `col` found (matched against BTF already) into a copy of
/// `elf`'s `.BTF_ids` section `sec`, and fills `rep`'s names, sets and
/// messages: `warnings` (what matching printed) first, then what patching
/// prints. Returns the new section bytes.
pub(crate) fn patch(
    elf: &ElfInfo<'_>,
    sec: SectionInfo,
    col: &Collected<'_>,
    mut warnings: Vec<String>,
    how: Patching,
    rep: &mut ResolveReport,
) -> Result<Vec<u8>, Error> {
    let mut ids = elf.section_bytes(sec).to_vec();
    let mut unres = col.patch(elf, &mut ids)?;
    if how.hints {
        let kfuncs = crate::resolve::hints::unresolved_kfuncs(elf, col, &ids);
        crate::resolve::hints::add_hints(&mut unres, &kfuncs, elf);
    }
    warnings.append(&mut unres);
    rep.warnings = warnings;
    rep.id_symbols = col.id_symbols();
    for k in IdKind::ALL {
        let entries: Vec<_> = if how.verbose >= 1 {
            col.patch_order(k)
        } else {
            col.names[k.index()].iter().collect()
        };
        for e in entries {
            rep.names += 1;
            if e.id == 0 {
                rep.unresolved.push(Unresolved {
                    kind: k,
                    name: String::from_utf8_lossy(e.name).into_owned(),
                });
            } else {
                rep.resolved += 1;
            }
            if !e.others.is_empty() {
                let mut v = vec![e.id];
                v.extend_from_slice(&e.others);
                rep.ambiguous.push(Ambiguous {
                    kind: k,
                    name: String::from_utf8_lossy(e.name).into_owned(),
                    ids: v,
                });
            }
            if how.verbose >= 1 {
                for a in e.addrs.iter() {
                    rep.debug.push(format!(
                        "patching addr {:5}: ID {:7} [{}]",
                        a,
                        e.id,
                        String::from_utf8_lossy(e.name)
                    ));
                }
            }
        }
    }
    for s in col.sets_order() {
        rep.sets.push(SetReport {
            name: String::from_utf8_lossy(s.name).into_owned(),
            set8: s.set8,
            count: s.count(),
        });
    }
    if how.strict && (!rep.unresolved.is_empty() || !rep.ambiguous.is_empty()) {
        let mut what: Vec<String> = rep
            .unresolved
            .iter()
            .map(|u| format!("unresolved {} {}", u.kind.word(), u.name))
            .collect();
        what.extend(
            rep.ambiguous
                .iter()
                .map(|a| format!("ambiguous {} {} {:?}", a.kind.word(), a.name, a.ids)),
        );
        return Err(Error::refused(format!("--strict: {}", what.join(", "))));
    }
    Ok(ids)
}
