//! The three commands as library functions: they take paths and options and
//! return a report (or an [`Error`]); `main.rs` only prints.

use crate::btf::{kind_name, Btf, NoVisitor, TypeVisitor};
use crate::elf::{ElfInfo, BTF_IDS_SECTION, BTF_ID_PREFIX};
use crate::flags::{kf_names, set_flag_names};
use crate::ids::IdKind;
use crate::layout::{EntryKind, Group, GroupKind, Plan};
use crate::map::Contents;
use crate::own_btf;
use crate::resolve::Collected;
use crate::Error;
use std::path::{Path, PathBuf};

/// Reads a regular file whole (anything else is refused at once).
pub fn read_file(path: &Path) -> Result<Vec<u8>, Error> {
    read_input(path).map(|(d, _)| d)
}

/// Reads a regular file whole, with its metadata.
pub fn read_input(path: &Path) -> Result<(Vec<u8>, std::fs::Metadata), Error> {
    crate::map::read_regular(path)
        .map_err(|e| Error::new(format!("cannot read: {e}")).file(&path.display().to_string()))
}

/// Raw BTF bytes from a file: an ELF's `.BTF` section, or the file itself
/// (raw BTF such as /sys/kernel/btf/vmlinux, mapped), as libbpf's
/// `btf__parse`.
///
/// Of an ELF file only the headers and `.BTF` are read (as libbpf does,
/// through libelf); kernel BTF in sysfs is mapped, any other file read
/// whole.
pub fn btf_bytes_of(path: &Path) -> Result<Contents, Error> {
    let p = path.display().to_string();
    let cannot = |e: std::io::Error| Error::new(format!("cannot read: {e}")).file(&p);
    if path.starts_with("/sys/kernel/btf/") {
        return crate::map::load(path).map_err(cannot);
    }
    let (mut parts, meta) = crate::map::Sparse::open(path).map_err(cannot)?;
    parts.add(0, 4).map_err(cannot)?;
    if parts.get(0, 4) != Some(b"\x7fELF") {
        let len = parts.file_len();
        parts.add(0, len).map_err(cannot)?;
        return Ok(Contents::Part(parts, 0, len));
    }
    let want = crate::elf::Want {
        btf_always: true,
        ..Default::default()
    };
    let loaded = crate::elf::load_parts(path, parts, meta, want)?;
    let sec = {
        let elf = loaded.elf().map_err(|e| e.file(&p))?;
        elf.btf
    };
    match sec {
        Some(s) => Ok(Contents::Part(loaded.parts, s.file_offset, s.size)),
        None => Err(Error::new(format!(
            "FAILED: load BTF from {p}: No data available (no .BTF section)"
        ))
        .file(&p)),
    }
}

/// BTF resolved against as it is read ([`crate::btf_scan`]): vmlinux's
/// own `.BTF` (Kbuild's `resolve_btfids vmlinux`) or a `--btf` file, when
/// there is no base and nothing else needs the BTF afterwards.
struct Streamed<'f> {
    file: StreamFile<'f>,
    start: u64,
    len: u64,
    name: String,
    /// `--btf FILE` (else the object's own `.BTF`).
    path: Option<PathBuf>,
}

enum StreamFile<'f> {
    /// The object, open already.
    Object(&'f std::fs::File),
    /// A `--btf` file.
    Own(crate::map::Sparse),
}

impl Streamed<'_> {
    fn file(&self) -> &std::fs::File {
        match &self.file {
            StreamFile::Object(f) => f,
            StreamFile::Own(s) => s.file(),
        }
    }

    /// The `--btf` file `path` (raw BTF or an ELF's `.BTF`), with the
    /// errors [`btf_bytes_of`] gives.
    fn open(path: &Path) -> Result<Streamed<'static>, Error> {
        let p = path.display().to_string();
        let cannot = |e: std::io::Error| Error::new(format!("cannot read: {e}")).file(&p);
        let (mut parts, meta) = crate::map::Sparse::open(path).map_err(cannot)?;
        parts.add(0, 4).map_err(cannot)?;
        let (start, len, parts) = if parts.get(0, 4) != Some(b"\x7fELF") {
            let len = parts.file_len();
            (0, len, parts)
        } else {
            let loaded = crate::elf::load_parts(path, parts, meta, crate::elf::Want::default())?;
            let sec = loaded.elf().map_err(|e| e.file(&p))?.btf;
            match sec {
                Some(s) => (s.file_offset, s.size, loaded.parts),
                None => {
                    return Err(Error::new(format!(
                        "FAILED: load BTF from {p}: No data available (no .BTF section)"
                    ))
                    .file(&p))
                }
            }
        };
        Ok(Streamed {
            file: StreamFile::Own(parts),
            start,
            len,
            name: p,
            path: Some(path.to_path_buf()),
        })
    }

    /// Matches `col`'s names as the blob is read; on a blob the rules
    /// refuse, the whole-blob parse's error.
    fn resolve(&self, col: &mut Collected<'_>) -> Result<Vec<String>, Error> {
        let blob = crate::btf_scan::FileBlob {
            file: self.file(),
            start: self.start,
            len: self.len,
        };
        let cannot = |e: std::io::Error| Error::new(format!("cannot read: {e}")).file(&self.name);
        let mut m = col.matcher();
        let scanned = crate::btf_scan::scan(&blob, &mut m).map_err(cannot)?;
        let found = m.finish();
        if let crate::btf_scan::Scanned::Valid(_) = scanned {
            return Ok(col.apply(found.sorted(), true));
        }
        // Refused: the whole parse says why (and, should it take the blob
        // after all, resolves with it).
        drop(found);
        let data = match &self.path {
            Some(p) => btf_bytes_of(p)?,
            None => {
                let mut v = vec![0u8; self.len as usize];
                use std::os::unix::fs::FileExt;
                self.file()
                    .read_exact_at(&mut v, self.start)
                    .map_err(cannot)?;
                Contents::Owned(v)
            }
        };
        let mut m = col.matcher();
        Btf::parse_visiting(&data, None, &mut m).map_err(|e| {
            Error::new(format!("FAILED: load BTF from {}: {e}", self.name)).file(&self.name)
        })?;
        let found = m.finish();
        Ok(col.apply(found, true))
    }
}

/// Where BTF comes from.
#[derive(Debug, Clone, Default)]
pub struct BtfSource {
    /// `--btf FILE` (default: the ELF's own `.BTF`).
    pub btf: Option<PathBuf>,
    /// `-b/--btf_base FILE`.
    pub base: Option<PathBuf>,
}

/// BTF bytes: read or mapped from a file, or borrowed from the object.
pub enum BtfData<'d> {
    /// From a file.
    File(Contents),
    /// The object's own `.BTF` section.
    Borrowed(&'d [u8]),
}

impl std::ops::Deref for BtfData<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            BtfData::File(c) => c,
            BtfData::Borrowed(b) => b,
        }
    }
}

/// Loaded BTF bytes, parsed on demand by [`with_btf`].
pub struct BtfBytes<'d> {
    main: BtfData<'d>,
    main_name: String,
    base: Option<(Contents, String)>,
}

impl<'d> BtfBytes<'d> {
    /// Loads per `src`; `elf` is the object (for its own `.BTF`).
    pub fn load(src: &BtfSource, file: &Path, elf: &ElfInfo<'d>) -> Result<Self, Error> {
        let base = match &src.base {
            Some(b) => Some((
                btf_bytes_of(b).map_err(|e| {
                    Error::new(format!(
                        "FAILED: load base BTF from {}: {}",
                        b.display(),
                        e.msg
                    ))
                    .file(&b.display().to_string())
                })?,
                b.display().to_string(),
            )),
            None => None,
        };
        let (main, main_name) = match &src.btf {
            Some(p) => (BtfData::File(btf_bytes_of(p)?), p.display().to_string()),
            None => match elf.btf {
                Some(s) => (
                    BtfData::Borrowed(elf.section_bytes(s)),
                    file.display().to_string(),
                ),
                None => {
                    let f = file.display().to_string();
                    return Err(Error::new(format!(
                        "FAILED: load BTF from {f}: No data available (no .BTF section; use --btf)"
                    ))
                    .file(&f));
                }
            },
        };
        Ok(BtfBytes {
            main,
            main_name,
            base,
        })
    }

    /// Name of the BTF source.
    pub fn name(&self) -> &str {
        &self.main_name
    }

    /// Whether a base was given.
    pub fn has_base(&self) -> bool {
        self.base.is_some()
    }

    /// The main BTF bytes (split BTF when there is a base).
    pub fn main_bytes(&self) -> &[u8] {
        &self.main
    }

    /// Parses the part that does not depend on anything else: the base if
    /// there is one, else the main BTF; [`BtfBytes::finish`] does the rest.
    pub fn parse_first(&self) -> Result<Btf<'_>, Error> {
        self.parse_first_visiting(&mut NoVisitor)
    }

    /// [`BtfBytes::parse_first`] with a visitor for each type (see
    /// [`Btf::parse_visiting`]).
    pub fn parse_first_visiting<'s>(
        &'s self,
        visitor: &mut impl TypeVisitor<'s>,
    ) -> Result<Btf<'s>, Error> {
        match &self.base {
            Some((data, name)) => Btf::parse_visiting(data, None, visitor).map_err(|e| {
                Error::new(format!("FAILED: load base BTF from {name}: {e}")).file(name)
            }),
            None => Btf::parse_visiting(&self.main, None, visitor).map_err(|e| self.main_err(e)),
        }
    }

    /// With a base, parses the split BTF over `first` (the base), showing
    /// its types to `visitor` as [`Btf::parse_visiting`] does; without one,
    /// nothing is left to parse (`None`).
    pub fn parse_rest_visiting<'s>(
        &'s self,
        first: &'s Btf<'s>,
        visitor: &mut impl TypeVisitor<'s>,
    ) -> Result<Option<Btf<'s>>, Error> {
        match self.base {
            Some(_) => Btf::parse_visiting(&self.main, Some(first), visitor)
                .map(Some)
                .map_err(|e| self.main_err(e)),
            None => Ok(None),
        }
    }

    /// Finishes what [`BtfBytes::parse_first`] started and runs `f`.
    pub fn finish<R>(
        &self,
        first: Btf<'_>,
        f: impl FnOnce(&Btf<'_>) -> Result<R, Error>,
    ) -> Result<R, Error> {
        match self.parse_rest_visiting(&first, &mut NoVisitor)? {
            Some(split) => f(&split),
            None => f(&first),
        }
    }

    /// Parses the base, if there is one.
    pub fn parse_base(&self) -> Result<Option<Btf<'_>>, Error> {
        match &self.base {
            Some(_) => self.parse_first().map(Some),
            None => Ok(None),
        }
    }

    /// The base's file name, if there is one.
    pub fn base_name(&self) -> Option<&str> {
        self.base.as_ref().map(|(_, n)| n.as_str())
    }

    fn main_err(&self, e: crate::btf::BtfError) -> Error {
        // Over a base, ids and offsets past the end mostly mean that the
        // split BTF was made over another base.
        let hint = match &self.base {
            Some((_, b)) => format!(" (was the split BTF made over another base than {b}?)"),
            None => String::new(),
        };
        Error::new(format!(
            "FAILED: load BTF from {}: {e}{hint}",
            self.main_name
        ))
        .file(&self.main_name)
    }
}

/// Parses `b` (base first) and runs `f` on the result.
pub fn with_btf<R>(
    b: &BtfBytes<'_>,
    f: impl FnOnce(&Btf<'_>) -> Result<R, Error>,
) -> Result<R, Error> {
    let first = b.parse_first()?;
    b.finish(first, f)
}

// ---------------------------------------------------------------- inspect

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

/// The id resolve would give each (kind, name) of the file, per `btf`.
fn expected_ids(
    elf: &ElfInfo<'_>,
    btf: &Btf<'_>,
) -> std::collections::HashMap<(IdKind, String), u32> {
    let mut out = std::collections::HashMap::new();
    let Some(sec) = elf.btf_ids else { return out };
    let Ok(mut col) = Collected::collect(elf, sec) else {
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
    entries: &[crate::layout::Entry],
) -> (Vec<crate::layout::Entry>, bool) {
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
    fn new(elf: &ElfInfo<'_>, btf: Option<&'x Btf<'b>>, names_btf: Option<&'x Btf<'b>>) -> Self {
        Reporter {
            btf,
            names_btf,
            expected: btf.map(|b| expected_ids(elf, b)).unwrap_or_default(),
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
trait ReportSink {
    fn head(&mut self, head: &InspectReport) -> std::io::Result<()>;
    fn group(&mut self, g: GroupReport) -> std::io::Result<()>;
    fn end(&mut self, summary: &Summary) -> std::io::Result<()>;
}

/// Runs the report of `plan` into `sink`.
fn run_report(
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
    let mut rep = Reporter::new(elf, btf, names_btf);
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

/// Writes the text of [`inspect_text`] as it comes.
struct TextOut<W: std::io::Write> {
    out: W,
    btf: bool,
}

impl<W: std::io::Write> ReportSink for TextOut<W> {
    fn head(&mut self, r: &InspectReport) -> std::io::Result<()> {
        self.btf = r.btf.is_some();
        self.out.write_all(text_head(r).as_bytes())
    }
    fn group(&mut self, g: GroupReport) -> std::io::Result<()> {
        self.out.write_all(text_group(&g).as_bytes())
    }
    fn end(&mut self, m: &Summary) -> std::io::Result<()> {
        self.out.write_all(text_end(m, self.btf).as_bytes())
    }
}

/// Writes what `serde_json::to_string_pretty` makes of the whole
/// [`InspectReport`], and a newline, as it comes.
struct JsonOut<W: std::io::Write> {
    out: W,
    groups: usize,
}

/// `s` with every line after the first indented by `n` spaces (and the
/// first too with `first`). JSON strings hold no raw newline.
fn indent(s: &[u8], n: usize, first: bool) -> Vec<u8> {
    let pad = b"        ";
    let mut v = Vec::with_capacity(s.len() + s.len() / 8);
    if first {
        v.extend_from_slice(&pad[..n]);
    }
    for &c in s {
        v.push(c);
        if c == b'\n' {
            v.extend_from_slice(&pad[..n]);
        }
    }
    v
}

impl<W: std::io::Write> ReportSink for JsonOut<W> {
    fn head(&mut self, r: &InspectReport) -> std::io::Result<()> {
        let mut s = serde_json::to_vec_pretty(r)?;
        // Cut at the groups: what follows is written as it comes.
        let key = b"\n  \"groups\": ";
        let at = s
            .windows(key.len())
            .rposition(|w| w == key)
            .ok_or_else(|| std::io::Error::other("inspect JSON: no groups field"))?;
        s.truncate(at + key.len());
        s.push(b'[');
        self.out.write_all(&s)
    }
    fn group(&mut self, g: GroupReport) -> std::io::Result<()> {
        self.out
            .write_all(if self.groups == 0 { b"\n" } else { b",\n" })?;
        self.groups += 1;
        self.out
            .write_all(&indent(&serde_json::to_vec_pretty(&g)?, 4, true))
    }
    fn end(&mut self, m: &Summary) -> std::io::Result<()> {
        if self.groups > 0 {
            self.out.write_all(b"\n  ")?;
        }
        self.out.write_all(b"],\n  \"summary\": ")?;
        self.out
            .write_all(&indent(&serde_json::to_vec_pretty(m)?, 2, false))?;
        self.out.write_all(b"\n}\n")
    }
}

fn io_error(file: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |e| Error::new(format!("cannot write the report: {e}")).file(&file.display().to_string())
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
    inspect_elf(file, &elf, src, sink)
}

fn inspect_elf(
    file: &Path,
    elf: &ElfInfo<'_>,
    src: &BtfSource,
    sink: &mut dyn ReportSink,
) -> Result<(), Error> {
    let f = file.display().to_string();
    let plan = Plan::new(elf).map_err(|e| e.file(&f))?;
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

/// What `inspect` and `check` read of a file: the headers, the symbol
/// tables, `.BTF_ids` and `.BTF`.
fn load_for_report(file: &Path) -> Result<crate::elf::Loaded, Error> {
    crate::elf::load(
        file,
        crate::elf::Want {
            symbols: true,
            btf: true,
            ..Default::default()
        },
    )
}

/// `btf-ids inspect`. BTF verdicts only when `src.btf` is given.
pub fn inspect(file: &Path, src: &BtfSource) -> Result<InspectReport, Error> {
    let loaded = load_for_report(file)?;
    let elf = loaded
        .elf()
        .map_err(|e| e.file(&file.display().to_string()))?;
    let mut c = Collect(None);
    inspect_elf(file, &elf, src, &mut c)?;
    c.0.ok_or_else(|| Error::new("no report"))
}

/// [`inspect`] on file contents already in memory (`file` names it in
/// messages, and is where its own `.BTF` would come from).
pub fn inspect_data(file: &Path, data: &[u8], src: &BtfSource) -> Result<InspectReport, Error> {
    let mut c = Collect(None);
    inspect_into(file, data, src, &mut c)?;
    c.0.ok_or_else(|| Error::new("no report"))
}

/// `btf-ids inspect` printed to `out` as it is made: the text of
/// [`inspect_text`], or with `json` the JSON of [`InspectReport`]
/// (`serde_json::to_string_pretty`, then a newline). Only one group is
/// held at a time, so memory stays small on sections with many groups.
pub fn inspect_to(
    file: &Path,
    src: &BtfSource,
    json: bool,
    out: &mut impl std::io::Write,
) -> Result<(), Error> {
    let loaded = load_for_report(file)?;
    let elf = loaded
        .elf()
        .map_err(|e| e.file(&file.display().to_string()))?;
    if json {
        inspect_elf(file, &elf, src, &mut JsonOut { out, groups: 0 })
    } else {
        inspect_elf(file, &elf, src, &mut TextOut { out, btf: false })
    }
}

fn text_head(r: &InspectReport) -> String {
    format!(
        "{}: ELF{} {}-endian, {BTF_IDS_SECTION} at file offset {:#x}, address {:#x}, {} bytes\n",
        r.file, r.class, r.endian, r.section_offset, r.section_address, r.section_size
    )
}

fn text_group(g: &GroupReport) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = write!(
        s,
        "{:<6} {} @{:#x} size {}",
        format!("{:?}", g.group.kind).to_lowercase(),
        g.group.name,
        g.group.offset,
        g.group.size
    );
    if let (Some(c), Some(e)) = (g.group.count, g.group.expected_count) {
        let _ = write!(s, " count {c} (size implies {e})");
    }
    if let Some(fl) = g.group.flags {
        let _ = write!(s, " flags {fl:#x} [{}]", g.flag_names.join("|"));
    }
    if let Some(l) = &g.group.label {
        if g.group.kind != GroupKind::List {
            let _ = write!(s, " label {l}");
        }
    }
    if let Some(o) = &g.group.overlaps {
        let _ = write!(s, " OVERLAPS set {o} (its slots are listed there)");
    }
    s.push('\n');
    for e in &g.entries {
        let kind = format!("{:?}", e.kind).to_lowercase();
        let _ = write!(
            s,
            "  @{:#06x} {:<8} {:<40} {:>8}",
            e.offset, kind, e.name, e.value
        );
        if let Some(fl) = e.flags {
            let _ = write!(s, " flags {fl:#x} [{}]", e.flag_names.join("|"));
        }
        if e.kind != EntryKind::Unused && e.value == 0 {
            s.push_str(" UNRESOLVED");
        }
        if let Some(v) = &e.btf {
            if v.ok {
                s.push_str(" ok");
            } else if e.value != 0 {
                let _ = write!(s, " WRONG (id {} is {} '{}'", e.value, v.kind, v.name);
                if let Some(x) = v.expected.filter(|&x| x != e.value) {
                    let _ = write!(s, "; expected {x}");
                }
                s.push(')');
            }
        }
        s.push('\n');
    }
    s
}

fn text_end(m: &Summary, btf: bool) -> String {
    format!(
        "{} lists, {} sets, {} set8s; {} ids, {} unresolved, {} unused slots{}\n",
        m.lists,
        m.sets,
        m.set8s,
        m.ids,
        m.unresolved,
        m.unused,
        if btf {
            format!(", {} wrong for the BTF", m.btf_mismatches)
        } else {
            String::new()
        }
    )
}

/// Human-readable inspect output.
pub fn inspect_text(r: &InspectReport) -> String {
    let mut s = text_head(r);
    for g in &r.groups {
        s.push_str(&text_group(g));
    }
    s.push_str(&text_end(&r.summary, r.btf.is_some()));
    s
}

// ---------------------------------------------------------------- resolve

/// Options of `btf-ids resolve`.
#[derive(Debug, Clone, Default)]
pub struct ResolveOptions {
    /// BTF source.
    pub src: BtfSource,
    /// `-v` count.
    pub verbose: u8,
    /// Unresolved or ambiguous names are errors; missing `.BTF_ids` too.
    pub strict: bool,
    /// Output file (default: in place).
    pub output: Option<PathBuf>,
    /// Also add `bpf_kfunc` / `bpf_fastcall` decl tags to `.BTF`.
    pub kfunc_tags: bool,
    /// `fdatasync` the output before the rename (and the directory after),
    /// so that it survives a power loss. Off by default, as for the C tool
    /// and the rest of a kernel build's tools: the rename alone already
    /// means no reader ever sees a half-written file.
    pub fsync: bool,
    /// Leave module-local opaque types alone instead of pointing them at
    /// the base's ([`crate::kernel_types`]).
    pub no_kernel_types: bool,
}

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

/// Records what [`crate::btf_fix`] did in the report (and for `-v`).
fn note_fixes(rep: &mut ResolveReport, fixed: &crate::btf_fix::Fixed, verbose: u8) {
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

/// `btf-ids resolve`. On success the output is written (atomically) unless
/// nothing changed in place.
pub fn resolve(file: &Path, opts: &ResolveOptions) -> Result<ResolveReport, Error> {
    let f = file.display().to_string();
    // A new file (-o) or a grown one (--kfunc-tags) needs every byte; in
    // place only the headers and the sections resolving reads (a module
    // with nothing to do: its headers, and its .BTF when it may need
    // repairs).
    let whole = opts.output.is_some() || opts.kfunc_tags;
    let own = opts.src.btf.is_none();
    let loaded = crate::elf::load(
        file,
        crate::elf::Want {
            symbols: false,
            // Without a base, vmlinux's own BTF is read in pieces as it is
            // resolved against (Streamed), never whole.
            btf: own && opts.src.base.is_some(),
            // With nothing to do, a module's own BTF is looked at only for
            // names C never has: its strings are enough to tell.
            btf_always: false,
            btf_strings: own && opts.src.base.is_some(),
            whole,
            ids_only: true,
        },
    )?;
    let mut elf = loaded.elf().map_err(|e| e.file(&f))?;
    let meta = &loaded.meta;
    let out_path = opts.output.clone().unwrap_or_else(|| file.to_path_buf());
    // In place, only the changed bytes are written; -o writes a whole file.
    let file_len = elf.file_len;
    let write = |parts: Vec<(usize, &[u8])>| -> Result<(), Error> {
        match &opts.output {
            Some(out) => {
                let data = loaded
                    .whole()
                    .ok_or_else(|| Error::new("internal: the file was not read whole").file(&f))?;
                crate::write::write_new(out, &own_btf::splice(data, parts), meta, opts.fsync)
            }
            None => {
                let patches: Vec<(u64, &[u8])> =
                    parts.into_iter().map(|(o, b)| (o as u64, b)).collect();
                crate::write::patch_in_place(file, &patches, file_len, opts.fsync)
            }
        }
    };
    let mut rep = ResolveReport {
        file: f.clone(),
        output: out_path.display().to_string(),
        ..Default::default()
    };
    let (Some(sec), true) = (elf.btf_ids, elf.has_symtab) else {
        if opts.strict {
            return Err(Error::new(format!(
                "Cannot find {BTF_IDS_SECTION} or symbols sections (--strict)"
            ))
            .file(&f));
        }
        if opts.verbose >= 1 {
            rep.debug.push(format!(
                "Cannot find {BTF_IDS_SECTION} or symbols sections, nothing to do"
            ));
        }
        rep.nothing_to_do = true;
        // Still make a module's own BTF acceptable to the kernel, when it
        // may need it (split BTF with names C never has): its strings say,
        // and only then is all of it read.
        let mut fixed_btf: Option<(usize, Vec<u8>)> = None;
        let may = elf.btf.is_some_and(|s| {
            loaded
                .btf_strings(s)
                .is_none_or(own_btf::strings_need_fixes)
        });
        if opts.src.btf.is_none() && opts.src.base.is_some() && may {
            // The symbol tables too: a file that is written must pass every
            // check a whole parse makes (`inspect` refuses a bad symbol
            // name, so a repair must not go ahead on one).
            let full = crate::elf::load(
                file,
                crate::elf::Want {
                    btf_always: true,
                    symbols: true,
                    ids_only: true,
                    ..Default::default()
                },
            )?;
            let elf = full.elf().map_err(|e| e.file(&f))?;
            let bytes = BtfBytes::load(&opts.src, file, &elf)?;
            let base = bytes.parse_base()?;
            if let Some((bsec, fixed)) = own_btf::fix_own(
                &f,
                &elf,
                base.as_ref(),
                bytes.base_name(),
                !opts.no_kernel_types,
            )? {
                note_fixes(&mut rep, &fixed, opts.verbose);
                fixed_btf = fixed.btf.map(|b| (bsec.file_offset as usize, b));
            }
        }
        rep.btf_changed = fixed_btf.is_some();
        rep.changed = rep.btf_changed;
        if opts.output.is_some() || rep.changed {
            write(fixed_btf.iter().map(|(o, b)| (*o, &b[..])).collect())?;
        }
        return Ok(rep);
    };
    if opts.strict {
        if let Some(s) = elf.stray.first() {
            return Err(
                Error::new(format!("{BTF_ID_PREFIX} symbol outside {BTF_IDS_SECTION}"))
                    .symbol(&s.name)
                    .file(&f),
            );
        }
    }
    // Symbol errors come first, as in resolve_btfids.
    let stream = opts.src.base.is_none()
        && !opts.kfunc_tags
        && opts
            .src
            .btf
            .as_ref()
            .is_none_or(|p| !p.starts_with("/sys/kernel/btf/"));
    let streamed_res = stream.then(|| match &opts.src.btf {
        Some(p) => Streamed::open(p),
        None => match elf.btf {
            Some(s) => Ok(Streamed {
                file: StreamFile::Object(loaded.parts.file()),
                start: s.file_offset,
                len: s.size,
                name: f.clone(),
                path: None,
            }),
            None => Err(Error::new(format!(
                "FAILED: load BTF from {f}: No data available (no .BTF section; use --btf)"
            ))
            .file(&f)),
        },
    });
    let bytes_res = (!stream).then(|| BtfBytes::load(&opts.src, file, &elf));
    let mut col = Collected::collect(&elf, sec).map_err(|e| e.file(&f))?;
    // The names are collected (they point into the string table, not at
    // the symbol list): the list's memory is free for what follows.
    elf.symbols = Vec::new();
    let streamed = match &streamed_res {
        Some(r) => Some(r.as_ref().map_err(Clone::clone)?),
        None => None,
    };
    let bytes = match &bytes_res {
        Some(r) => Some(r.as_ref().map_err(Clone::clone)?),
        None => None,
    };
    // A file resolved before would get its set8 flags moved: refuse it.
    if let Some(r) = crate::rerun::first_resolved(&elf, &col, elf.section_bytes(sec)) {
        return Err(crate::rerun::error(&r, sec.file_offset).file(&f));
    }
    if opts.verbose >= 1 {
        for k in IdKind::ALL {
            for e in &col.names[k.index()] {
                rep.debug
                    .push(format!("adding symbol {}", String::from_utf8_lossy(e.name)));
            }
        }
    }
    rep.btf = Some(match (streamed, bytes) {
        (Some(s), _) => s.name.clone(),
        (None, Some(b)) => b.name().to_string(),
        (None, None) => f.clone(),
    });
    let mut fixed_btf: Option<(usize, Vec<u8>)> = None;
    let has_base = bytes.is_some_and(|b| b.has_base());
    let mut warn = if let Some(s) = streamed {
        s.resolve(&mut col)?
    } else if let (Some(bytes), true) = (bytes, opts.src.btf.is_none() && has_base) {
        // A module's own split BTF: made acceptable to the kernel first,
        // then the names are looked up in the result. (vmlinux's BTF is the
        // kernel build's own and is taken as it is, on the fast path below.)
        let base = bytes.parse_base()?;
        let Some((bsec, fixed)) = own_btf::fix_own(
            &f,
            &elf,
            base.as_ref(),
            bytes.base_name(),
            !opts.no_kernel_types,
        )?
        else {
            return Err(Error::new("no .BTF section").file(&f));
        };
        note_fixes(&mut rep, &fixed, opts.verbose);
        let warn = {
            let own = fixed.btf.as_deref().unwrap_or(bytes.main_bytes());
            let btf = Btf::parse_split(own, base.as_ref()).map_err(|e| {
                own_btf::fix_error(
                    &crate::btf_fix::FixError::Parse(e),
                    &f,
                    bsec,
                    bytes.base_name(),
                )
            })?;
            col.resolve(&btf, true)
        };
        fixed_btf = fixed.btf.map(|b| (bsec.file_offset as usize, b));
        warn
    } else if let Some(bytes) = bytes {
        // Names are matched as the parse reaches each type (no second pass).
        let mut m = col.matcher();
        let first = bytes.parse_first_visiting(&mut m)?;
        if let Some(split) = bytes.parse_rest_visiting(&first, &mut m)? {
            crate::base_match::check(&split).map_err(|e| {
                Error::new(format!(
                    "split BTF {} was not made over {}: {e}",
                    bytes.name(),
                    bytes.base_name().unwrap_or("the base")
                ))
                .file(&f)
            })?;
        }
        let found = m.finish();
        col.apply(found, true)
    } else {
        return Err(Error::new("internal: no BTF to resolve against").file(&f));
    };
    rep.btf_changed = fixed_btf.is_some();
    let mut ids = elf.section_bytes(sec).to_vec();
    let mut unres = col.patch(&elf, &mut ids).map_err(|e| e.file(&f))?;
    if has_base {
        let kfuncs = crate::hints::unresolved_kfuncs(&elf, &col, &ids);
        crate::hints::add_hints(&mut unres, &kfuncs, &elf);
    }
    warn.append(&mut unres);
    rep.warnings = warn;
    rep.id_symbols = col.id_symbols();
    for k in IdKind::ALL {
        let entries: Vec<_> = if opts.verbose >= 1 {
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
            if opts.verbose >= 1 {
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
            count: s.size / if s.set8 { 8 } else { 4 } - 1,
        });
    }
    if opts.strict && (!rep.unresolved.is_empty() || !rep.ambiguous.is_empty()) {
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
        return Err(Error::new(format!("--strict: {}", what.join(", "))).file(&f));
    }
    let start = sec.file_offset as usize;
    rep.changed = ids[..] != *elf.section_bytes(sec) || rep.btf_changed;
    let mut parts: Vec<(usize, &[u8])> = vec![(start, &ids[..])];
    if let Some((o, b)) = &fixed_btf {
        parts.push((*o, &b[..]));
    }
    let mut tagged: Option<Vec<u8>> = None;
    if opts.kfunc_tags {
        let data = loaded
            .whole()
            .ok_or_else(|| Error::new("internal: the file was not read whole").file(&f))?;
        let img: Vec<u8> = own_btf::splice(data, parts.clone()).concat();
        let bytes =
            bytes.ok_or_else(|| Error::new("internal: --kfunc-tags without BTF").file(&f))?;
        let (new, added) =
            crate::btf_write::add_kfunc_tags(&img, bytes, &col).map_err(|e| e.file(&f))?;
        rep.tags_added = added;
        if let Some(n) = new {
            tagged = Some(n);
            rep.changed = true;
        }
    }
    if opts.output.is_some() || rep.changed {
        match (&tagged, &opts.output) {
            // A grown .BTF changes the file's size: it must be rewritten.
            (Some(img), Some(out)) => crate::write::write_new(out, &[img], meta, opts.fsync)?,
            (Some(img), None) => crate::write::replace(file, &[img], opts.fsync)?,
            (None, _) => write(parts)?,
        }
    }
    if opts.verbose >= 1 {
        rep.debug.push(format!("update ok for {f}"));
    }
    Ok(rep)
}

// ---------------------------------------------------------------- check

/// The `check` result.
#[derive(Debug, Clone)]
pub struct CheckReport {
    /// The file.
    pub file: String,
    /// BTF used for kind checks (none: those checks were skipped).
    pub btf: Option<String>,
    /// Ids checked.
    pub ids: usize,
    /// Every failure, one line each.
    pub failures: Vec<String>,
}

json_fields!(CheckReport {
    file,
    btf,
    ids,
    failures
});

/// `btf-ids check`: no zero ids outside unused slots, set counts match
/// sizes, sets sorted, and (with BTF from `--btf` or the file's `.BTF`)
/// every id names a type of the declared kind and name. The file's own
/// `.BTF` must also be acceptable to kernel 6.12 ([`crate::btf_fix`]): made
/// over the base given (else an error), no type the kernel would refuse, no
/// module-local opaque type shadowing a base type (unless
/// `no_kernel_types`). A file without `.BTF_ids` gets only those checks.
pub fn check(file: &Path, src: &BtfSource) -> Result<CheckReport, Error> {
    check_with(file, src, false)
}

/// [`check`], with the kernel-types check turned off on request.
pub fn check_with(
    file: &Path,
    src: &BtfSource,
    no_kernel_types: bool,
) -> Result<CheckReport, Error> {
    let f = file.display().to_string();
    let loaded = load_for_report(file)?;
    let elf = loaded.elf().map_err(|e| e.file(&f))?;
    let have_btf = src.btf.is_some() || elf.btf.is_some();
    let mut own_failures = Vec::new();
    if src.btf.is_none() && elf.btf.is_some() {
        let b = BtfBytes::load(src, file, &elf)?;
        let base = b.parse_base()?;
        own_failures =
            own_btf::check_own(&f, &elf, base.as_ref(), b.base_name(), !no_kernel_types)?;
    }
    if elf.btf_ids.is_none() && have_btf {
        let name = src
            .btf
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| f.clone());
        return Ok(CheckReport {
            file: f,
            btf: Some(name),
            ids: 0,
            failures: own_failures,
        });
    }
    let plan = Plan::new(&elf).map_err(|e| e.file(&f))?;
    let mut sink = CheckSink {
        failures: own_failures,
        ids: 0,
    };
    let btf_name = if have_btf {
        let b = BtfBytes::load(src, file, &elf)?;
        let name = b.name().to_string();
        with_btf(&b, |btf| {
            run_report(
                file,
                &elf,
                &plan,
                Some(btf),
                Some(name.clone()),
                None,
                &mut sink,
            )
            .map_err(io_error(file))
        })?;
        Some(name)
    } else {
        run_report(file, &elf, &plan, None, None, None, &mut sink).map_err(io_error(file))?;
        None
    };
    Ok(CheckReport {
        file: f,
        btf: btf_name,
        ids: sink.ids,
        failures: sink.failures,
    })
}

/// `check`'s failures, group by group.
struct CheckSink {
    failures: Vec<String>,
    ids: usize,
}

impl ReportSink for CheckSink {
    fn head(&mut self, _: &InspectReport) -> std::io::Result<()> {
        Ok(())
    }

    fn end(&mut self, m: &Summary) -> std::io::Result<()> {
        self.ids = m.ids;
        Ok(())
    }

    fn group(&mut self, g: GroupReport) -> std::io::Result<()> {
        let failures = &mut self.failures;
        if let (Some(c), Some(e)) = (g.group.count, g.group.expected_count) {
            if c as u64 != e {
                failures.push(format!(
                    "{} {}: count {} but its symbol size implies {}",
                    kind_str(g.group.kind),
                    g.group.name,
                    c,
                    e
                ));
            }
        }
        if let Some(o) = &g.group.overlaps {
            failures.push(format!(
                "{} {}: at {:#x}+{:#x}, overlaps set {o} (btf_ids.h never emits that; \
                 resolving sorts each set over the other's words)",
                kind_str(g.group.kind),
                g.group.name,
                g.group.offset,
                g.group.size
            ));
        }
        if matches!(g.group.kind, GroupKind::Set | GroupKind::Set8) {
            if let Some(w) = g
                .entries
                .windows(2)
                .find(|w| (w[0].value as i32) > (w[1].value as i32))
            {
                failures.push(format!(
                    "{} {}: not sorted ({} at {:#x} before {} at {:#x})",
                    kind_str(g.group.kind),
                    g.group.name,
                    w[0].value,
                    w[0].offset,
                    w[1].value,
                    w[1].offset
                ));
            }
        }
        for e in &g.entries {
            if e.kind == EntryKind::Unused {
                continue;
            }
            let kw = format!("{:?}", e.kind).to_lowercase();
            if e.value == 0 {
                failures.push(format!(
                    "{} {}: {} {} at {:#x} is 0 (unresolved)",
                    kind_str(g.group.kind),
                    g.group.name,
                    kw,
                    e.name,
                    e.offset
                ));
            } else if let Some(v) = &e.btf {
                if !v.ok {
                    failures.push(format!(
                        "{} {}: {} {} at {:#x} is {}, which is {} '{}'{}",
                        kind_str(g.group.kind),
                        g.group.name,
                        kw,
                        e.name,
                        e.offset,
                        e.value,
                        v.kind,
                        v.name,
                        match v.expected {
                            Some(x) if x != e.value => format!("; expected {x}"),
                            _ => String::new(),
                        }
                    ));
                }
            }
        }
        Ok(())
    }
}

fn kind_str(k: GroupKind) -> &'static str {
    match k {
        GroupKind::List => "list",
        GroupKind::Set => "set",
        GroupKind::Set8 => "set8",
        GroupKind::Orphan => "ids",
    }
}
