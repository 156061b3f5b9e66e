//! Recovering lists, sets and set8s from the symbols of `.BTF_ids`.
//!
//! Sets carry their extent in the `__BTF_ID__set[8]__name` symbol's size. A
//! list's extent is not recorded anywhere, so lists are found through label
//! symbols: every symbol in the section that does not start with
//! `__BTF_ID__` starts a list (C: a local label `name`; our Rust macros: a
//! global hidden `__btf_ids_<NAME>_<suffix>`), which runs to the next label,
//! set or the end of the section. A 4-byte slot without an id symbol is an
//! unused slot (`BTF_ID_UNUSED`).

use crate::elf::{has_btf_id_prefix, ElfInfo, SectionInfo, BTF_IDS_SECTION, BTF_ID_PREFIX};
use crate::symbols::names::{parse_symbol, IdKind, Parsed};
use crate::Error;

/// What a group is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

json_words!(GroupKind { List => "list", Set => "set", Set8 => "set8", Orphan => "orphan" });

/// What an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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

json_words!(EntryKind { Struct => "struct", Union => "union", Typedef => "typedef", Func => "func", Unused => "unused" });

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
#[derive(Debug, Clone, PartialEq, Eq)]
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
    /// Sets only: the name of an earlier set (by offset) whose extent holds
    /// this set's start. Such a set lists no entries: its slots are the
    /// other set's (see [`Plan`]).
    pub overlaps: Option<String>,
    /// Entries.
    pub entries: Vec<Entry>,
}

json_fields!(Group {
    kind,
    name,
    label,
    label_global,
    set_symbol,
    offset,
    size,
    count,
    expected_count,
    flags,
    overlaps
});

/// An id symbol of the section.
struct IdSym<'a> {
    off: u64,
    kind: IdKind,
    name: &'a [u8],
    symbol: &'a [u8],
    /// Named by a slot of a list or set (else it is an orphan).
    claimed: bool,
}

/// A set symbol.
struct SetSym<'a> {
    off: u64,
    size: u64,
    set8: bool,
    name: &'a [u8],
    symbol: &'a [u8],
}

impl SetSym<'_> {
    /// (header bytes, entry bytes).
    fn shape(&self) -> (u64, u64) {
        if self.set8 {
            (8, 8)
        } else {
            (4, 4)
        }
    }
}

/// A label (list) symbol.
struct Label<'a> {
    off: u64,
    name: &'a [u8],
    global: bool,
}

/// One group to be built, in output order.
#[derive(Debug, Clone, Copy)]
enum Item {
    /// `sets[i]`, which overlaps `sets[j]` when `overlaps` is `Some(j)`.
    Set { i: usize, overlaps: Option<usize> },
    /// The list of `labels[i]`, running to `end`.
    List { i: usize, end: u64 },
    /// The id symbols no group claimed.
    Orphans,
}

/// Everything [`layout`] recovers, kept as sorted symbols, so that the
/// groups can be built one at a time ([`Plan::groups`]): every step is a
/// sort or a binary search, so the work is O(n log n) in the symbols plus
/// the slots listed, and a group's entries exist only while it is looked
/// at.
///
/// Sets that overlap (btf_ids.h never emits them; the kernel's
/// resolve_btfids sorts each one over the others) are listed once: a set
/// whose start lies inside an earlier set (by offset, then symbol order)
/// gets no entries and names that set in [`Group::overlaps`]. Every slot
/// is then listed at most once, and the output stays linear in the input.
pub struct Plan<'e, 'a> {
    elf: &'e ElfInfo<'a>,
    section: SectionInfo,
    ids: Vec<IdSym<'a>>,
    sets: Vec<SetSym<'a>>,
    labels: Vec<Label<'a>>,
    items: Vec<Item>,
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

impl<'e, 'a> Plan<'e, 'a> {
    /// Reads the symbols of `elf`'s `.BTF_ids`. Errors: unparsable
    /// `__BTF_ID__` names, symbols outside the section, `__BTF_ID__` symbols
    /// in other sections, sets whose size is not a multiple of the entry
    /// size.
    pub fn new(elf: &'e ElfInfo<'a>) -> Result<Self, Error> {
        let Some(sec) = elf.btf_ids else {
            return Err(Error::new(format!("no {BTF_IDS_SECTION} section")));
        };
        if !elf.has_symtab {
            return Err(Error::new("no symbol table (SHT_SYMTAB)"));
        }
        if let Some(s) = elf.stray.first() {
            return Err(Error::new(format!(
                "symbol index {}: {BTF_ID_PREFIX} symbol outside {BTF_IDS_SECTION}",
                s.index
            ))
            .symbol(&s.name));
        }
        let mut ids: Vec<IdSym<'a>> = Vec::new();
        let mut sets: Vec<SetSym<'a>> = Vec::new();
        let mut labels: Vec<Label<'a>> = Vec::new();
        for sym in &elf.symbols {
            let rel = sym.value.wrapping_sub(sec.address);
            if sym.value < sec.address
                || rel > sec.size
                || (rel == sec.size && has_btf_id_prefix(sym.name))
            {
                return Err(Error::new(format!(
                    "symbol value {:#x} outside {BTF_IDS_SECTION} ({:#x}+{:#x})",
                    sym.value, sec.address, sec.size
                ))
                .symbol(&sym.name_str()));
            }
            match parse_symbol(sym.name) {
                Err(e) => return Err(Error::new(e.to_string()).symbol(&sym.name_str())),
                Ok(None) => labels.push(Label {
                    off: rel,
                    name: sym.name,
                    global: sym.global,
                }),
                Ok(Some(Parsed::Id(kind, name))) => ids.push(IdSym {
                    off: rel,
                    kind,
                    name,
                    symbol: sym.name,
                    claimed: false,
                }),
                Ok(Some(Parsed::Set { set8, name })) => {
                    let unit = if set8 { 8 } else { 4 };
                    if sym.size % unit != 0 || sym.size < unit {
                        return Err(Error::new(format!(
                            "set symbol size {} is not a positive multiple of {unit}",
                            sym.size
                        ))
                        .symbol(&sym.name_str()));
                    }
                    if rel.checked_add(sym.size).is_none_or(|e| e > sec.size) {
                        return Err(Error::new(format!(
                            "set {:#x}+{:#x} runs past the end of {BTF_IDS_SECTION} ({:#x})",
                            rel, sym.size, sec.size
                        ))
                        .symbol(&sym.name_str()));
                    }
                    sets.push(SetSym {
                        off: rel,
                        size: sym.size,
                        set8,
                        name,
                        symbol: sym.name,
                    });
                }
            }
        }
        // Stable sorts: symbol order decides among equal offsets (and a
        // global label comes before local ones at its offset).
        ids.sort_by_key(|i| i.off);
        labels.sort_by(|a, b| a.off.cmp(&b.off).then(b.global.cmp(&a.global)));
        sets.sort_by_key(|s| s.off);

        let mut items: Vec<(u64, bool, Item)> = Vec::new();
        // Sets; one starting inside an earlier one (the one reaching
        // furthest covers its start) overlaps it.
        let mut reach: Option<(u64, usize)> = None;
        for (i, s) in sets.iter().enumerate() {
            let end = s.off + s.size;
            let overlaps = match reach {
                Some((r, j)) if s.off < r => Some(j),
                _ => None,
            };
            if reach.is_none_or(|(r, _)| end > r) {
                reach = Some((end, i));
            }
            items.push((s.off, false, Item::Set { i, overlaps }));
        }
        // The union of the sets' extents, as sorted disjoint ranges: labels
        // inside a set are the set's own, not lists.
        let mut covered: Vec<(u64, u64)> = Vec::new();
        for s in &sets {
            match covered.last_mut() {
                Some(last) if s.off <= last.1 => last.1 = last.1.max(s.off + s.size),
                _ => covered.push((s.off, s.off + s.size)),
            }
        }
        let in_a_set = |off: u64| {
            let i = covered.partition_point(|r| r.0 <= off);
            i > 0 && off < covered[i - 1].1
        };
        // Where groups start, for list extents.
        let mut starts: Vec<u64> = sets.iter().map(|s| s.off).collect();
        starts.extend(labels.iter().map(|l| l.off));
        starts.sort_unstable();
        starts.dedup();
        let mut seen_label_at: Option<u64> = None;
        for (i, l) in labels.iter().enumerate() {
            if in_a_set(l.off) || seen_label_at == Some(l.off) {
                continue;
            }
            seen_label_at = Some(l.off);
            let next = starts.partition_point(|&s| s <= l.off);
            let end = starts.get(next).copied().unwrap_or(sec.size).min(sec.size);
            items.push((l.off, true, Item::List { i, end }));
        }
        let mut plan = Plan {
            elf,
            section: sec,
            ids,
            sets,
            labels,
            items: Vec::new(),
        };
        // Claims: each slot names the first id symbol at its offset. The
        // groups with entries never share a slot (lists end where the next
        // group starts, overlapping sets list none), so what a group
        // claims does not depend on the order the groups are built in.
        for (_, _, item) in &items {
            if let Some((first, unit, end)) = plan.slots(*item) {
                let mut j = plan.ids.partition_point(|x| x.off < first);
                while let Some(x) = plan.ids.get(j) {
                    if x.off + unit > end {
                        break;
                    }
                    let first_here = j == 0 || plan.ids[j - 1].off != x.off;
                    if first_here && (x.off - first) % unit == 0 {
                        plan.ids[j].claimed = true;
                    }
                    j += 1;
                }
            }
        }
        if let Some(first) = plan.ids.iter().find(|x| !x.claimed) {
            items.push((first.off, false, Item::Orphans));
        }
        // Offset order; at one offset sets and orphans before the list.
        items.sort_by_key(|&(off, list, _)| (off, list));
        plan.items = items.into_iter().map(|(_, _, it)| it).collect();
        Ok(plan)
    }

    /// The section.
    pub fn section(&self) -> SectionInfo {
        self.section
    }

    /// The slots of an item: (first slot offset, stride, end of the slots'
    /// extent); `None` for an item without slots of its own.
    fn slots(&self, item: Item) -> Option<(u64, u64, u64)> {
        match item {
            Item::Set { i, overlaps: None } => {
                let s = &self.sets[i];
                let (hdr, unit) = s.shape();
                Some((s.off + hdr, unit, s.off + s.size))
            }
            Item::List { i, end } => Some((self.labels[i].off, 4, end)),
            _ => None,
        }
    }

    fn rd(&self, off: u64) -> u32 {
        let bytes = self.elf.section_bytes(self.section);
        self.elf.read_u32(bytes, off as usize).unwrap_or(0)
    }

    /// The entries of an item's slots.
    fn entries(&self, item: Item, set8: bool) -> Vec<Entry> {
        let Some((first, unit, end)) = self.slots(item) else {
            return Vec::new();
        };
        let mut out = Vec::with_capacity(((end.saturating_sub(first)) / unit) as usize);
        let mut j = self.ids.partition_point(|x| x.off < first);
        let mut p = first;
        while p + unit <= end {
            while self.ids.get(j).is_some_and(|x| x.off < p) {
                j += 1;
            }
            let flags = set8.then(|| self.rd(p + 4));
            let value = self.rd(p);
            out.push(match self.ids.get(j).filter(|x| x.off == p && x.claimed) {
                Some(x) => Entry {
                    kind: x.kind.into(),
                    name: lossy(x.name),
                    symbol: Some(lossy(x.symbol)),
                    offset: p,
                    value,
                    flags,
                },
                None => Entry {
                    kind: EntryKind::Unused,
                    name: String::new(),
                    symbol: None,
                    offset: p,
                    value,
                    flags,
                },
            });
            p += unit;
        }
        out
    }

    fn group(&self, item: Item) -> Group {
        match item {
            Item::Set { i, overlaps } => {
                let s = &self.sets[i];
                let (_, unit) = s.shape();
                let li = self.labels.partition_point(|l| l.off < s.off);
                let label = self.labels.get(li).filter(|l| l.off == s.off);
                Group {
                    kind: if s.set8 {
                        GroupKind::Set8
                    } else {
                        GroupKind::Set
                    },
                    name: lossy(s.name),
                    label: label.map(|l| lossy(l.name)),
                    label_global: label.is_some_and(|l| l.global),
                    set_symbol: Some(lossy(s.symbol)),
                    offset: s.off,
                    size: s.size,
                    count: Some(self.rd(s.off)),
                    expected_count: Some(s.size / unit - 1),
                    flags: if s.set8 {
                        Some(self.rd(s.off + 4))
                    } else {
                        None
                    },
                    overlaps: overlaps.map(|j| lossy(self.sets[j].name)),
                    entries: self.entries(item, s.set8),
                }
            }
            Item::List { i, end } => {
                let l = &self.labels[i];
                let name = lossy(l.name);
                Group {
                    kind: GroupKind::List,
                    name: name.clone(),
                    label: Some(name),
                    label_global: l.global,
                    set_symbol: None,
                    offset: l.off,
                    size: end - l.off,
                    count: None,
                    expected_count: None,
                    flags: None,
                    overlaps: None,
                    entries: self.entries(item, false),
                }
            }
            Item::Orphans => {
                let entries: Vec<Entry> = self
                    .ids
                    .iter()
                    .filter(|x| !x.claimed)
                    .map(|x| Entry {
                        kind: x.kind.into(),
                        name: lossy(x.name),
                        symbol: Some(lossy(x.symbol)),
                        offset: x.off,
                        value: self.rd(x.off),
                        flags: None,
                    })
                    .collect();
                let (first, last) = match (entries.first(), entries.last()) {
                    (Some(f), Some(l)) => (f.offset, l.offset),
                    _ => (0, 0),
                };
                Group {
                    kind: GroupKind::Orphan,
                    name: "(no label)".into(),
                    label: None,
                    label_global: false,
                    set_symbol: None,
                    offset: first,
                    size: last + 4 - first,
                    count: None,
                    expected_count: None,
                    flags: None,
                    overlaps: None,
                    entries,
                }
            }
        }
    }

    /// The groups in offset order, each built when it is reached.
    pub fn groups(&self) -> impl Iterator<Item = Group> + '_ {
        self.items.iter().map(|&it| self.group(it))
    }
}
