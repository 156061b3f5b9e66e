//! Recovering lists, sets and set8s from the symbols of `.BTF_ids`, as
//! [`crate::symbols::table`] read and checked them.
//!
//! Sets carry their extent in the `__BTF_ID__set[8]__name` symbol's size. A
//! list's extent is not recorded anywhere, so lists are found through label
//! symbols: every symbol in the section that does not start with
//! `__BTF_ID__` starts a list (C: a local label `name`; our Rust macros: a
//! global hidden `__btf_ids_<NAME>_<suffix>`), which runs to the next label,
//! set or the end of the section. A 4-byte slot without an id symbol is an
//! unused slot (`BTF_ID_UNUSED`).

use crate::elf::{ElfInfo, SectionInfo, BTF_IDS_SECTION, BTF_ID_PREFIX};
use crate::symbols::names::IdKind;
use crate::symbols::table::{IdSym, Label, SetSym, Table};
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

/// Everything [`layout`] recovers, kept as references into the [`Table`]
/// sorted by offset (the table stays in symbol order, and is not copied),
/// so that the groups can be built one at a time ([`Plan::groups`]): every
/// step is a sort or a binary search, so the work is O(n log n) in the
/// symbols plus the slots listed, and a group's entries exist only while it
/// is looked at.
///
/// Sets that overlap (btf_ids.h never emits them; the kernel's
/// resolve_btfids sorts each one over the others) are listed once: a set
/// whose start lies inside an earlier set (by offset, then symbol order)
/// gets no entries and names that set in [`Group::overlaps`]. Every slot
/// is then listed at most once, and the output stays linear in the input.
pub struct Plan<'t, 'a> {
    elf: &'t ElfInfo<'a>,
    table: &'t Table<'a>,
    section: SectionInfo,
    ids: Vec<&'t IdSym<'a>>,
    /// Per entry of `ids`: a slot of a list or set names it (else it is an
    /// orphan).
    claimed: Vec<bool>,
    sets: Vec<&'t SetSym<'a>>,
    labels: Vec<&'t Label<'a>>,
    items: Vec<Item>,
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The section `inspect` and `check` lay out, once they know it has a
/// symbol table and no `__BTF_ID__` symbol elsewhere (which resolve, like
/// resolve_btfids, ignores unless `--strict`). Read its symbols with
/// [`Table::read`], then lay them out with [`Plan::new`].
pub fn report_section(elf: &ElfInfo<'_>) -> Result<SectionInfo, Error> {
    let Some(sec) = elf.btf_ids else {
        return Err(Error::bad_symbol(format!("no {BTF_IDS_SECTION} section")));
    };
    if !elf.has_symtab {
        return Err(Error::bad_symbol("no symbol table (SHT_SYMTAB)"));
    }
    if let Some(s) = elf.stray.first() {
        return Err(Error::bad_symbol(format!(
            "symbol index {}: {BTF_ID_PREFIX} symbol outside {BTF_IDS_SECTION}",
            s.index
        ))
        .symbol(&s.name));
    }
    Ok(sec)
}

impl<'t, 'a> Plan<'t, 'a> {
    /// Lays out `table`, the reading of `elf`'s `.BTF_ids` (see
    /// [`report_section`]). Errors: a label outside the section (a list
    /// cannot start there; resolve never looks at labels, so the table
    /// leaves that to us).
    pub fn new(elf: &'t ElfInfo<'a>, table: &'t Table<'a>) -> Result<Self, Error> {
        let sec = table.section();
        if let Some(l) = table.labels().iter().find(|l| !l.inside) {
            return Err(Error::bad_symbol(format!(
                "symbol value {:#x} outside {BTF_IDS_SECTION} ({:#x}+{:#x})",
                l.offset.wrapping_add(sec.address),
                sec.address,
                sec.size
            ))
            .symbol(&lossy(l.name)));
        }
        let mut ids: Vec<&'t IdSym<'a>> = table.ids().iter().collect();
        let mut sets: Vec<&'t SetSym<'a>> = table.sets().iter().collect();
        let mut labels: Vec<&'t Label<'a>> = table.labels().iter().collect();
        // Stable sorts: symbol order decides among equal offsets (and a
        // global label comes before local ones at its offset).
        ids.sort_by_key(|i| i.offset);
        labels.sort_by(|a, b| a.offset.cmp(&b.offset).then(b.global.cmp(&a.global)));
        sets.sort_by_key(|s| s.offset);

        let mut items: Vec<(u64, bool, Item)> = Vec::new();
        // Sets; one starting inside an earlier one (the one reaching
        // furthest covers its start) overlaps it.
        let mut reach: Option<(u64, usize)> = None;
        for (i, s) in sets.iter().enumerate() {
            let end = s.offset + s.size;
            let overlaps = match reach {
                Some((r, j)) if s.offset < r => Some(j),
                _ => None,
            };
            if reach.is_none_or(|(r, _)| end > r) {
                reach = Some((end, i));
            }
            items.push((s.offset, false, Item::Set { i, overlaps }));
        }
        // The union of the sets' extents, as sorted disjoint ranges: labels
        // inside a set are the set's own, not lists.
        let mut covered: Vec<(u64, u64)> = Vec::new();
        for s in &sets {
            match covered.last_mut() {
                Some(last) if s.offset <= last.1 => last.1 = last.1.max(s.offset + s.size),
                _ => covered.push((s.offset, s.offset + s.size)),
            }
        }
        let in_a_set = |off: u64| {
            let i = covered.partition_point(|r| r.0 <= off);
            i > 0 && off < covered[i - 1].1
        };
        // Where groups start, for list extents.
        let mut starts: Vec<u64> = sets.iter().map(|s| s.offset).collect();
        starts.extend(labels.iter().map(|l| l.offset));
        starts.sort_unstable();
        starts.dedup();
        let mut seen_label_at: Option<u64> = None;
        for (i, l) in labels.iter().enumerate() {
            if in_a_set(l.offset) || seen_label_at == Some(l.offset) {
                continue;
            }
            seen_label_at = Some(l.offset);
            let next = starts.partition_point(|&s| s <= l.offset);
            let end = starts.get(next).copied().unwrap_or(sec.size).min(sec.size);
            items.push((l.offset, true, Item::List { i, end }));
        }
        let mut plan = Plan {
            elf,
            table,
            section: sec,
            claimed: vec![false; ids.len()],
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
                let mut j = plan.ids.partition_point(|x| x.offset < first);
                while let Some(x) = plan.ids.get(j) {
                    if x.offset + unit > end {
                        break;
                    }
                    let first_here = j == 0 || plan.ids[j - 1].offset != x.offset;
                    if first_here && (x.offset - first) % unit == 0 {
                        plan.claimed[j] = true;
                    }
                    j += 1;
                }
            }
        }
        if let Some(j) = plan.claimed.iter().position(|&c| !c) {
            items.push((plan.ids[j].offset, false, Item::Orphans));
        }
        // Offset order; at one offset sets and orphans before the list.
        items.sort_by_key(|&(off, list, _)| (off, list));
        plan.items = items.into_iter().map(|(_, _, it)| it).collect();
        Ok(plan)
    }

    /// The reading laid out, for what else a report needs of the symbols
    /// (the ids resolve would write), so that they are read once.
    pub fn table(&self) -> &'t Table<'a> {
        self.table
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
                let s = self.sets[i];
                let (hdr, unit) = s.shape();
                Some((s.offset + hdr, unit, s.offset + s.size))
            }
            Item::List { i, end } => Some((self.labels[i].offset, 4, end)),
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
        let mut j = self.ids.partition_point(|x| x.offset < first);
        let mut p = first;
        while p + unit <= end {
            while self.ids.get(j).is_some_and(|x| x.offset < p) {
                j += 1;
            }
            let flags = set8.then(|| self.rd(p + 4));
            let value = self.rd(p);
            let here = self.ids.get(j).filter(|x| x.offset == p && self.claimed[j]);
            out.push(match here {
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
                let s = self.sets[i];
                let li = self.labels.partition_point(|l| l.offset < s.offset);
                let label = self.labels.get(li).filter(|l| l.offset == s.offset);
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
                    offset: s.offset,
                    size: s.size,
                    count: Some(self.rd(s.offset)),
                    expected_count: Some(s.count()),
                    flags: s.flags_at().map(|at| self.rd(at)),
                    overlaps: overlaps.map(|j| lossy(self.sets[j].name)),
                    entries: self.entries(item, s.set8),
                }
            }
            Item::List { i, end } => {
                let l = self.labels[i];
                let name = lossy(l.name);
                Group {
                    kind: GroupKind::List,
                    name: name.clone(),
                    label: Some(name),
                    label_global: l.global,
                    set_symbol: None,
                    offset: l.offset,
                    size: end - l.offset,
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
                    .zip(&self.claimed)
                    .filter(|(_, &c)| !c)
                    .map(|(x, _)| Entry {
                        kind: x.kind.into(),
                        name: lossy(x.name),
                        symbol: Some(lossy(x.symbol)),
                        offset: x.offset,
                        value: self.rd(x.offset),
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
