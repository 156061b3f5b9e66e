//! `btf-ids inspect`: every list, set and set8 of `.BTF_ids` with its
//! entries, and with `--btf` a verdict on each id.

use super::btf_source::{with_btf, BtfBytes, BtfSource};
use crate::btf::{kind_name, Btf};
use crate::elf::ElfInfo;
use crate::flag_names::{kf_names, set_flag_names};
use crate::resolve::Collected;
use crate::symbols::layout::{report_section, EntryKind, Group, GroupKind, Plan};
use crate::symbols::names::IdKind;
use crate::symbols::Table;
use crate::{Error, ErrorKind};
use std::path::Path;

/// What `--btf` says about one entry.
#[derive(Debug, Clone)]
pub struct BtfVerdict {
    /// The value is a type of the entry's kind with the entry's name.
    pub ok: bool,
    /// The kind of the type the value names (`"void"` for 0, `"none"` past
    /// the last id).
    pub kind: String,
    /// Its name.
    pub name: String,
    /// The id resolve would write for the entry's kind and name with this
    /// BTF (the first of several), when the BTF has one.
    pub expected: Option<u32>,
}

json_fields!(BtfVerdict {
    ok,
    kind,
    name,
    expected
});

/// One entry in the inspect report.
#[derive(Debug, Clone)]
pub struct EntryReport {
    /// `struct`, `union`, `typedef`, `func` or `unused`.
    pub kind: EntryKind,
    /// Name (empty for unused).
    pub name: String,
    /// The `__BTF_ID__` symbol.
    pub symbol: Option<String>,
    /// Section offset.
    pub offset: u64,
    /// The id word.
    pub value: u32,
    /// Has a symbol and a non-zero value.
    pub resolved: bool,
    /// Set8 entry flags.
    pub flags: Option<u32>,
    /// Their KF_* names.
    pub flag_names: Vec<String>,
    /// With `--btf`.
    pub btf: Option<BtfVerdict>,
}

json_fields!(EntryReport {
    kind,
    name,
    symbol,
    offset,
    value,
    resolved,
    flags,
    flag_names,
    btf
});

/// One list, set or set8 in the inspect report.
#[derive(Debug, Clone)]
pub struct GroupReport {
    /// Kind, name, label, set symbol, offset, size, counts and set flags.
    pub group: Group,
    /// Their names.
    pub flag_names: Vec<String>,
    /// How set entries got their names: `declared` (symbol order, which
    /// no longer matches the values once the resolver sorted the set) or
    /// `btf` (each value matched to a member symbol through the BTF).
    pub names_from: String,
    /// Entries.
    pub entries: Vec<EntryReport>,
}

json_fields!(GroupReport { ..group, flag_names, names_from, entries });

/// Totals.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Lists.
    pub lists: usize,
    /// Sets.
    pub sets: usize,
    /// Set8s (kfunc sets included).
    pub set8s: usize,
    /// Entries with a symbol.
    pub ids: usize,
    /// Of those, zero.
    pub unresolved: usize,
    /// Slots without a symbol.
    pub unused: usize,
    /// Entries whose value does not match `--btf` (0 without `--btf`).
    pub btf_mismatches: usize,
}

json_fields!(Summary {
    lists,
    sets,
    set8s,
    ids,
    unresolved,
    unused,
    btf_mismatches
});

/// The `inspect` report; `--json` prints it (schema: docs/inspect-json.md).
#[derive(Debug, Clone)]
pub struct InspectReport {
    /// Schema version (1).
    pub schema: u32,
    /// The file.
    pub file: String,
    /// 32 or 64.
    pub class: u32,
    /// `little` or `big`.
    pub endian: String,
    /// File offset of `.BTF_ids`.
    pub section_offset: u64,
    /// `sh_addr`.
    pub section_address: u64,
    /// Size.
    pub section_size: u64,
    /// The BTF used for verdicts.
    pub btf: Option<String>,
    /// Groups in offset order.
    pub groups: Vec<GroupReport>,
    /// Totals.
    pub summary: Summary,
}

json_fields!(InspectReport {
    schema,
    file,
    class,
    endian,
    section_offset,
    section_address,
    section_size,
    btf,
    groups,
    summary
});

fn verdict(btf: &Btf<'_>, k: IdKind, name: &str, value: u32, expected: Option<u32>) -> BtfVerdict {
    // The id resolve_btfids would write (the first of several; 0: none).
    let expected = expected.filter(|&x| x != 0);
    match btf.type_header(value) {
        Some(t) => {
            let tname =
                String::from_utf8_lossy(btf.name_bytes(t.name_off).unwrap_or(b"")).into_owned();
            BtfVerdict {
                ok: t.kind == k.btf_kind() && tname == name && expected.is_none_or(|x| x == value),
                kind: kind_name(t.kind).to_string(),
                name: tname,
                expected,
            }
        }
        None => BtfVerdict {
            ok: false,
            kind: if value == 0 { "void" } else { "none" }.to_string(),
            name: String::new(),
            expected,
        },
    }
}

/// The id resolve would give each (kind, name) of the file, per `btf`,
/// from the reading the report lays out (none where resolve would refuse
/// the symbols).
fn expected_ids(
    table: &Table<'_>,
    btf: &Btf<'_>,
) -> std::collections::HashMap<(IdKind, String), u32> {
    let mut out = std::collections::HashMap::new();
    let Ok(mut col) = Collected::from_table(table) else {
        return out;
    };
    col.resolve(btf, false);
    for k in IdKind::ALL {
        for e in &col.names[k.index()] {
            out.insert((k, String::from_utf8_lossy(e.name).into_owned()), e.id);
        }
    }
    out
}

/// Sets are sorted by id after resolving, so their symbols no longer sit on
/// the slots holding their ids. Give each non-zero slot the first member
/// symbol not yet given whose kind and name match the BTF type of its
/// value, then hand the rest out in order. Linear: the symbols are found
/// through a table of (kind, name) to their slots, in order.
fn assign_by_btf(
    btf: &Btf<'_>,
    entries: &[crate::symbols::layout::Entry],
) -> (Vec<crate::symbols::layout::Entry>, bool) {
    use std::collections::HashMap;
    // (kind, name) -> the slots holding such a symbol, and how many of
    // them were given out.
    /// The slots holding a symbol of one (kind, name), and how many of
    /// them were given out.
    type Slots = (Vec<usize>, usize);
    let mut by_name: HashMap<(EntryKind, &[u8]), Slots> = HashMap::new();
    for (j, e) in entries.iter().enumerate() {
        if e.kind != EntryKind::Unused {
            by_name
                .entry((e.kind, e.name.as_bytes()))
                .or_default()
                .0
                .push(j);
        }
    }
    let mut taken = vec![false; entries.len()];
    // For each slot: the symbol (by its slot) it is given.
    let mut given: Vec<Option<usize>> = vec![None; entries.len()];
    for (i, e) in entries.iter().enumerate() {
        if e.value == 0 {
            continue;
        }
        let Some(t) = btf.type_header(e.value) else {
            continue;
        };
        let Some(k) = IdKind::from_btf_kind(t.kind) else {
            continue;
        };
        let n = btf.name_bytes(t.name_off).unwrap_or(b"");
        if let Some((slots, used)) = by_name.get_mut(&(k.into(), n)) {
            if let Some(&j) = slots.get(*used) {
                *used += 1;
                taken[j] = true;
                given[i] = Some(j);
            }
        }
    }
    let complete = entries
        .iter()
        .zip(&given)
        .all(|(e, g)| g.is_some() || e.value == 0);
    let mut rest = (0..entries.len()).filter(|&j| !taken[j]);
    for g in given.iter_mut() {
        if g.is_none() {
            *g = rest.next();
        }
    }
    let out = entries
        .iter()
        .zip(&given)
        .map(|(e, g)| {
            let mut o = e.clone();
            if let Some(j) = *g {
                let src = &entries[j];
                o.kind = src.kind;
                o.name = src.name.clone();
                o.symbol = src.symbol.clone();
            }
            o
        })
        .collect();
    (out, complete)
}

/// Builds the inspect report one group at a time (see [`ReportSink`]).
struct Reporter<'x, 'b> {
    btf: Option<&'x Btf<'b>>,
    names_btf: Option<&'x Btf<'b>>,
    /// The id resolve would give each (kind, name), with `btf`.
    expected: std::collections::HashMap<(IdKind, String), u32>,
    summary: Summary,
}

impl<'x, 'b> Reporter<'x, 'b> {
    fn new(table: &Table<'_>, btf: Option<&'x Btf<'b>>, names_btf: Option<&'x Btf<'b>>) -> Self {
        Reporter {
            btf,
            names_btf,
            expected: btf.map(|b| expected_ids(table, b)).unwrap_or_default(),
            summary: Summary::default(),
        }
    }

    fn group(&mut self, mut g: Group) -> GroupReport {
        let summary = &mut self.summary;
        match g.kind {
            GroupKind::List => summary.lists += 1,
            GroupKind::Set => summary.sets += 1,
            GroupKind::Set8 => summary.set8s += 1,
            GroupKind::Orphan => {}
        }
        let is_set = matches!(g.kind, GroupKind::Set | GroupKind::Set8);
        let declared = std::mem::take(&mut g.entries);
        let (src_entries, order) = match (self.btf, self.names_btf) {
            (Some(b), _) if is_set => (assign_by_btf(b, &declared).0, "btf"),
            (None, Some(b)) if is_set => match assign_by_btf(b, &declared) {
                (a, true) => (a, "btf"),
                _ => (declared, "declared"),
            },
            _ => (declared, "declared"),
        };
        let btf = self.btf;
        let expected = &self.expected;
        let entries = src_entries
            .into_iter()
            .map(|e| {
                let v = match (btf, e.kind.id_kind()) {
                    (Some(b), Some(k)) if e.value != 0 => Some(verdict(
                        b,
                        k,
                        &e.name,
                        e.value,
                        expected.get(&(k, e.name.clone())).copied(),
                    )),
                    _ => None,
                };
                if e.kind == EntryKind::Unused {
                    summary.unused += 1;
                } else {
                    summary.ids += 1;
                    if e.value == 0 {
                        summary.unresolved += 1;
                    }
                }
                if v.as_ref().is_some_and(|v| !v.ok) {
                    summary.btf_mismatches += 1;
                }
                EntryReport {
                    resolved: e.kind != EntryKind::Unused && e.value != 0,
                    flag_names: e.flags.map(kf_names).unwrap_or_default(),
                    kind: e.kind,
                    name: e.name,
                    symbol: e.symbol,
                    offset: e.offset,
                    value: e.value,
                    flags: e.flags,
                    btf: v,
                }
            })
            .collect();
        GroupReport {
            flag_names: g.flags.map(set_flag_names).unwrap_or_default(),
            group: g,
            names_from: order.to_string(),
            entries,
        }
    }
}

/// Where an inspect report goes, piece by piece: the head (an
/// [`InspectReport`] without groups), each group, the totals. Printing
/// as the groups are made keeps the memory needed to the largest group.
pub(crate) trait ReportSink {
    /// The report without groups, first.
    fn head(&mut self, head: &InspectReport) -> std::io::Result<()>;
    /// One group, as it is made.
    fn group(&mut self, g: GroupReport) -> std::io::Result<()>;
    /// The totals, last.
    fn end(&mut self, summary: &Summary) -> std::io::Result<()>;
}

/// Runs the report of `plan` into `sink`.
pub(crate) fn run_report(
    file: &Path,
    elf: &ElfInfo<'_>,
    plan: &Plan<'_, '_>,
    btf: Option<&Btf<'_>>,
    btf_name: Option<String>,
    names_btf: Option<&Btf<'_>>,
    sink: &mut dyn ReportSink,
) -> std::io::Result<()> {
    let sec = plan.section();
    sink.head(&InspectReport {
        schema: 1,
        file: file.display().to_string(),
        class: if elf.is_64 { 64 } else { 32 },
        endian: if elf.big_endian { "big" } else { "little" }.into(),
        section_offset: sec.file_offset,
        section_address: sec.address,
        section_size: sec.size,
        btf: btf_name,
        groups: Vec::new(),
        summary: Summary::default(),
    })?;
    let mut rep = Reporter::new(plan.table(), btf, names_btf);
    for g in plan.groups() {
        let g = rep.group(g);
        sink.group(g)?;
    }
    sink.end(&rep.summary)
}

/// Collects the whole report.
struct Collect(Option<InspectReport>);

impl ReportSink for Collect {
    fn head(&mut self, head: &InspectReport) -> std::io::Result<()> {
        self.0 = Some(head.clone());
        Ok(())
    }
    fn group(&mut self, g: GroupReport) -> std::io::Result<()> {
        if let Some(r) = &mut self.0 {
            r.groups.push(g);
        }
        Ok(())
    }
    fn end(&mut self, summary: &Summary) -> std::io::Result<()> {
        if let Some(r) = &mut self.0 {
            r.summary = summary.clone();
        }
        Ok(())
    }
}

pub(crate) fn io_error(file: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |e| Error::new(ErrorKind::Report(e.to_string())).file(&file.display().to_string())
}

/// The inspect report of `data` into `sink`.
fn inspect_into(
    file: &Path,
    data: &[u8],
    src: &BtfSource,
    sink: &mut dyn ReportSink,
) -> Result<(), Error> {
    let f = file.display().to_string();
    let elf = ElfInfo::parse(data).map_err(|e| e.file(&f))?;
    inspect_elf(file, elf, src, sink)
}

fn inspect_elf(
    file: &Path,
    mut elf: ElfInfo<'_>,
    src: &BtfSource,
    sink: &mut dyn ReportSink,
) -> Result<(), Error> {
    let f = file.display().to_string();
    let table = read_table(&mut elf).map_err(|e| e.file(&f))?;
    let elf = &elf;
    let plan = Plan::new(elf, &table).map_err(|e| e.file(&f))?;
    if src.btf.is_some() {
        let b = BtfBytes::load(src, file, elf)?;
        let name = b.name().to_string();
        with_btf(&b, |btf| {
            run_report(file, elf, &plan, Some(btf), Some(name), None, sink).map_err(io_error(file))
        })
    } else {
        // Name set entries through the file's own BTF when it explains every
        // value (no verdicts without --btf).
        let own = elf.btf.and_then(|s| Btf::parse(elf.section_bytes(s)).ok());
        run_report(file, elf, &plan, None, None, own.as_ref(), sink).map_err(io_error(file))
    }
}

/// The one reading of `elf`'s `.BTF_ids` symbols that `inspect` and
/// `check` lay out and (with BTF) resolve, after the checks only they make
/// ([`report_section`]). The table points into the string table, not at
/// `elf.symbols`, and nothing after it reads the list: like resolve, this
/// frees it (on a section of 300,000 labels, 15 MB).
pub(crate) fn read_table<'a>(elf: &mut ElfInfo<'a>) -> Result<Table<'a>, Error> {
    let sec = report_section(elf)?;
    let table = Table::read(elf, sec)?;
    elf.symbols = Vec::new();
    Ok(table)
}

/// What `inspect` and `check` read of a file: the headers, the symbol
/// tables, `.BTF_ids` and `.BTF`.
pub(crate) fn load_for_report(file: &Path) -> Result<crate::elf::Loaded, Error> {
    crate::elf::load(
        file,
        crate::elf::Want {
            symbols: true,
            btf: true,
            ..Default::default()
        },
    )
}

/// `btf-ids inspect` on file contents already in memory (`file` names it in
/// messages, and is where its own `.BTF` would come from).
pub fn inspect_data(file: &Path, data: &[u8], src: &BtfSource) -> Result<InspectReport, Error> {
    let mut c = Collect(None);
    inspect_into(file, data, src, &mut c)?;
    c.0.ok_or_else(|| Error::new(ErrorKind::Report("no report was made".into())))
}

/// `btf-ids inspect` into `sink` as it is made (text or JSON, see
/// [`crate::render`]). Only one group is held at a time, so memory stays
/// small on sections with many groups.
pub(crate) fn inspect_to(
    file: &Path,
    src: &BtfSource,
    sink: &mut dyn ReportSink,
) -> Result<(), Error> {
    let loaded = load_for_report(file)?;
    let elf = loaded
        .elf()
        .map_err(|e| e.file(&file.display().to_string()))?;
    inspect_elf(file, elf, src, sink)
}
