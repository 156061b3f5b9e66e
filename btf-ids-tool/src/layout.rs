//! Recovering lists, sets and set8s from the symbols of `.BTF_ids`.
//!
//! Sets carry their extent in the `__BTF_ID__set[8]__name` symbol's size. A
//! list's extent is not recorded anywhere, so lists are found through label
//! symbols: every symbol in the section that does not start with
//! `__BTF_ID__` starts a list (C: a local label `name`; our Rust macros: a
//! global hidden `__btf_ids_<NAME>_<suffix>`), which runs to the next label,
//! set or the end of the section. A 4-byte slot without an id symbol is an
//! unused slot (`BTF_ID_UNUSED`).

use crate::elf::{ElfInfo, SectionInfo};
use crate::ids::{parse_symbol, IdKind, Parsed};
use crate::Error;
use serde::Serialize;

/// What a group is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GroupKind {
    /// `BTF_ID_LIST`
    List,
    /// `BTF_SET_START/END`
    Set,
    /// `BTF_SET8_START/END` and `BTF_KFUNCS_START/END`
    Set8,
    /// Id symbols before any label.
    Orphan,
}

/// What an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    /// `struct`
    Struct,
    /// `union`
    Union,
    /// `typedef`
    Typedef,
    /// `func`
    Func,
    /// A slot without a symbol.
    Unused,
}

impl From<IdKind> for EntryKind {
    fn from(k: IdKind) -> Self {
        match k {
            IdKind::Struct => EntryKind::Struct,
            IdKind::Union => EntryKind::Union,
            IdKind::Typedef => EntryKind::Typedef,
            IdKind::Func => EntryKind::Func,
        }
    }
}

impl EntryKind {
    /// The id kind, `None` for unused slots.
    pub fn id_kind(self) -> Option<IdKind> {
        match self {
            EntryKind::Struct => Some(IdKind::Struct),
            EntryKind::Union => Some(IdKind::Union),
            EntryKind::Typedef => Some(IdKind::Typedef),
            EntryKind::Func => Some(IdKind::Func),
            EntryKind::Unused => None,
        }
    }
}

/// One 4-byte id slot (plus its flags word in a set8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Kind.
    pub kind: EntryKind,
    /// Name (empty for unused slots).
    pub name: String,
    /// The `__BTF_ID__` symbol.
    pub symbol: Option<String>,
    /// Offset in the section.
    pub offset: u64,
    /// The id word.
    pub value: u32,
    /// Set8 entry flags.
    pub flags: Option<u32>,
}

/// A list, set or set8. Serialized (without its entries) as the head of
/// inspect's JSON group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Group {
    /// Kind.
    pub kind: GroupKind,
    /// Label (list name) or set name.
    pub name: String,
    /// The label symbol, if any.
    pub label: Option<String>,
    /// Whether the label is global.
    pub label_global: bool,
    /// The `__BTF_ID__set[8]__` symbol for sets.
    pub set_symbol: Option<String>,
    /// Offset in the section.
    pub offset: u64,
    /// Extent in bytes.
    pub size: u64,
    /// The stored count word of a set.
    pub count: Option<u32>,
    /// The count the symbol size implies.
    pub expected_count: Option<u64>,
    /// The set8 header flags word.
    pub flags: Option<u32>,
    /// Entries.
    #[serde(skip)]
    pub entries: Vec<Entry>,
}

/// The recovered layout.
#[derive(Debug, Clone)]
pub struct Layout {
    /// Section.
    pub section: SectionInfo,
    /// Groups in offset order.
    pub groups: Vec<Group>,
}

struct IdSym {
    off: u64,
    kind: IdKind,
    name: String,
    symbol: String,
    used: bool,
}

/// Builds the layout. Errors: unparsable `__BTF_ID__` names, symbols
/// outside the section, `__BTF_ID__` symbols in other sections, sets whose
/// size is not a multiple of the entry size.
pub fn layout(elf: &ElfInfo<'_>) -> Result<Layout, Error> {
    let Some(sec) = elf.btf_ids else {
        return Err(Error::new("no .BTF_ids section"));
    };
    if !elf.has_symtab {
        return Err(Error::new("no symbol table (SHT_SYMTAB)"));
    }
    if let Some(s) = elf.stray.first() {
        return Err(Error::new(format!(
            "symbol index {}: __BTF_ID__ symbol outside .BTF_ids",
            s.index
        ))
        .symbol(&s.name));
    }
    let bytes = elf.section_bytes(sec);
    let mut ids: Vec<IdSym> = Vec::new();
    let mut sets: Vec<(u64, u64, bool, String, String)> = Vec::new();
    let mut labels: Vec<(u64, String, bool)> = Vec::new();
    for sym in &elf.symbols {
        let rel = sym.value.wrapping_sub(sec.address);
        let sname = sym.name_str();
        if sym.value < sec.address
            || rel > sec.size
            || (rel == sec.size && sym.name.starts_with(b"__BTF_ID__"))
        {
            return Err(Error::new(format!(
                "symbol value {:#x} outside .BTF_ids ({:#x}+{:#x})",
                sym.value, sec.address, sec.size
            ))
            .symbol(&sname));
        }
        match parse_symbol(sym.name) {
            Err(e) => return Err(Error::new(e.to_string()).symbol(&sname)),
            Ok(None) => labels.push((rel, sname, sym.global)),
            Ok(Some(Parsed::Id(kind, name))) => ids.push(IdSym {
                off: rel,
                kind,
                name: String::from_utf8_lossy(name).into_owned(),
                symbol: sname,
                used: false,
            }),
            Ok(Some(Parsed::Set { set8, name })) => {
                let unit = if set8 { 8 } else { 4 };
                if sym.size % unit != 0 || sym.size < unit {
                    return Err(Error::new(format!(
                        "set symbol size {} is not a positive multiple of {unit}",
                        sym.size
                    ))
                    .symbol(&sname));
                }
                if rel.checked_add(sym.size).is_none_or(|e| e > sec.size) {
                    return Err(Error::new(format!(
                        "set {:#x}+{:#x} runs past the end of .BTF_ids ({:#x})",
                        rel, sym.size, sec.size
                    ))
                    .symbol(&sname));
                }
                sets.push((
                    rel,
                    sym.size,
                    set8,
                    String::from_utf8_lossy(name).into_owned(),
                    sname,
                ));
            }
        }
    }
    ids.sort_by_key(|i| i.off);
    labels.sort_by(|a, b| a.0.cmp(&b.0).then(b.2.cmp(&a.2)));
    sets.sort_by_key(|s| s.0);

    let rd = |off: u64| elf.read_u32(bytes, off as usize).unwrap_or(0);
    let mut groups: Vec<Group> = Vec::new();
    // Starts of every group, for list extents.
    let mut starts: Vec<u64> = sets.iter().map(|s| s.0).collect();
    starts.extend(labels.iter().map(|l| l.0));
    starts.sort_unstable();
    starts.dedup();

    let take = |ids: &mut Vec<IdSym>, off: u64| -> Option<(IdKind, String, String)> {
        let i = ids.partition_point(|x| x.off < off);
        let e = ids.get_mut(i).filter(|x| x.off == off && !x.used)?;
        e.used = true;
        Some((e.kind, e.name.clone(), e.symbol.clone()))
    };
    let slot = |ids: &mut Vec<IdSym>, off: u64, flags: Option<u32>| -> Entry {
        // Several symbols may share a slot; take the first unused one.
        match take(ids, off) {
            Some((k, name, symbol)) => Entry {
                kind: k.into(),
                name,
                symbol: Some(symbol),
                offset: off,
                value: rd(off),
                flags,
            },
            None => Entry {
                kind: EntryKind::Unused,
                name: String::new(),
                symbol: None,
                offset: off,
                value: rd(off),
                flags,
            },
        }
    };

    for (off, size, set8, name, symbol) in &sets {
        let label = labels.iter().find(|l| l.0 == *off);
        let (hdr, unit) = if *set8 { (8, 8) } else { (4, 4) };
        let mut entries = Vec::new();
        let mut p = off + hdr;
        while p + unit <= off + size {
            let fl = if *set8 { Some(rd(p + 4)) } else { None };
            entries.push(slot(&mut ids, p, fl));
            p += unit;
        }
        groups.push(Group {
            kind: if *set8 {
                GroupKind::Set8
            } else {
                GroupKind::Set
            },
            name: name.clone(),
            label: label.map(|l| l.1.clone()),
            label_global: label.is_some_and(|l| l.2),
            set_symbol: Some(symbol.clone()),
            offset: *off,
            size: *size,
            count: Some(rd(*off)),
            expected_count: Some(size / unit - 1),
            flags: if *set8 { Some(rd(off + 4)) } else { None },
            entries,
        });
    }
    let set_ranges: Vec<(u64, u64)> = sets.iter().map(|s| (s.0, s.0 + s.1)).collect();
    let mut seen_label_at: Option<u64> = None;
    for (off, label, global) in &labels {
        if set_ranges.iter().any(|r| r.0 <= *off && *off < r.1) || seen_label_at == Some(*off) {
            continue;
        }
        seen_label_at = Some(*off);
        let end = starts
            .iter()
            .copied()
            .find(|&s| s > *off)
            .unwrap_or(sec.size)
            .min(sec.size);
        let mut entries = Vec::new();
        let mut p = *off;
        while p + 4 <= end {
            entries.push(slot(&mut ids, p, None));
            p += 4;
        }
        groups.push(Group {
            kind: GroupKind::List,
            name: label.clone(),
            label: Some(label.clone()),
            label_global: *global,
            set_symbol: None,
            offset: *off,
            size: end - off,
            count: None,
            expected_count: None,
            flags: None,
            entries,
        });
    }
    // Id symbols no group claimed.
    let mut orphans: Vec<Entry> = Vec::new();
    for id in ids.iter_mut().filter(|i| !i.used) {
        id.used = true;
        orphans.push(Entry {
            kind: id.kind.into(),
            name: id.name.clone(),
            symbol: Some(id.symbol.clone()),
            offset: id.off,
            value: rd(id.off),
            flags: None,
        });
    }
    if let (Some(first), Some(last)) = (orphans.first(), orphans.last()) {
        groups.push(Group {
            kind: GroupKind::Orphan,
            name: "(no label)".into(),
            label: None,
            label_global: false,
            set_symbol: None,
            offset: first.offset,
            size: last.offset + 4 - first.offset,
            count: None,
            expected_count: None,
            flags: None,
            entries: orphans,
        });
    }
    groups.sort_by_key(|g| (g.offset, g.kind == GroupKind::List));
    Ok(Layout {
        section: sec,
        groups,
    })
}
