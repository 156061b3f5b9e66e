//! The three commands as library functions: they take paths and options and
//! return a report (or an [`Error`]); `main.rs` only prints.

use crate::btf::{kind_name, Btf, NoVisitor, TypeVisitor};
use crate::elf::ElfInfo;
use crate::flags::{kf_names, set_flag_names};
use crate::ids::IdKind;
use crate::layout::{layout, EntryKind, Group, GroupKind, Layout};
use crate::map::Contents;
use crate::own_btf;
use crate::resolve::Collected;
use crate::Error;
use serde::Serialize;
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
pub fn btf_bytes_of(path: &Path) -> Result<Contents, Error> {
    let p = path.display().to_string();
    let data =
        crate::map::load(path).map_err(|e| Error::new(format!("cannot read: {e}")).file(&p))?;
    if data.starts_with(b"\x7fELF") {
        let elf = ElfInfo::parse(&data).map_err(|e| e.file(&p))?;
        match elf.btf {
            Some(s) => Ok(Contents::Owned(elf.section_bytes(s).to_vec())),
            None => Err(Error::new(format!(
                "FAILED: load BTF from {p}: No data available (no .BTF section)"
            ))
            .file(&p)),
        }
    } else {
        Ok(data)
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
#[derive(Debug, Clone, Serialize)]
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

/// One entry in the inspect report.
#[derive(Debug, Clone, Serialize)]
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

/// One list, set or set8 in the inspect report.
#[derive(Debug, Clone, Serialize)]
pub struct GroupReport {
    /// Kind, name, label, set symbol, offset, size, counts and set flags.
    #[serde(flatten)]
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

/// Totals.
#[derive(Debug, Clone, Default, Serialize)]
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

/// The `inspect` report; `--json` prints it (schema: docs/inspect-json.md).
#[derive(Debug, Clone, Serialize)]
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
/// the slots holding their ids. Give each non-zero slot the member symbol
/// whose kind and name match the BTF type of its value, then hand the rest
/// out in order.
fn assign_by_btf(
    btf: &Btf<'_>,
    entries: &[crate::layout::Entry],
) -> (Vec<crate::layout::Entry>, bool) {
    let mut pool: Vec<Option<(EntryKind, String, Option<String>)>> = entries
        .iter()
        .map(|e| Some((e.kind, e.name.clone(), e.symbol.clone())))
        .collect();
    let mut out: Vec<crate::layout::Entry> = entries.to_vec();
    let mut matched = vec![false; entries.len()];
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
        let ek: EntryKind = k.into();
        if let Some(slot) = pool.iter_mut().find(|p| {
            p.as_ref()
                .is_some_and(|(pk, pn, _)| *pk == ek && pn.as_bytes() == n)
        }) {
            let (pk, pn, ps) = slot
                .take()
                .unwrap_or((EntryKind::Unused, String::new(), None));
            out[i].kind = pk;
            out[i].name = pn;
            out[i].symbol = ps;
            matched[i] = true;
        }
    }
    let mut rest = pool.into_iter().flatten();
    let complete = entries
        .iter()
        .zip(&matched)
        .all(|(e, &m)| m || e.value == 0);
    for (i, m) in matched.iter().enumerate() {
        if !m {
            if let Some((pk, pn, ps)) = rest.next() {
                out[i].kind = pk;
                out[i].name = pn;
                out[i].symbol = ps;
            }
        }
    }
    (out, complete)
}

fn report_of(
    file: &Path,
    elf: &ElfInfo<'_>,
    lay: &Layout,
    btf: Option<&Btf<'_>>,
    btf_name: Option<String>,
    names_btf: Option<&Btf<'_>>,
) -> InspectReport {
    let mut summary = Summary::default();
    let mut groups = Vec::new();
    let expected = btf.map(|b| expected_ids(elf, b)).unwrap_or_default();
    for g in &lay.groups {
        match g.kind {
            GroupKind::List => summary.lists += 1,
            GroupKind::Set => summary.sets += 1,
            GroupKind::Set8 => summary.set8s += 1,
            GroupKind::Orphan => {}
        }
        let assigned;
        let mut order = "declared";
        let is_set = matches!(g.kind, GroupKind::Set | GroupKind::Set8);
        let src_entries = match (btf, names_btf) {
            (Some(b), _) if is_set => {
                assigned = assign_by_btf(b, &g.entries).0;
                order = "btf";
                &assigned
            }
            (None, Some(b)) if is_set => match assign_by_btf(b, &g.entries) {
                (a, true) => {
                    assigned = a;
                    order = "btf";
                    &assigned
                }
                _ => &g.entries,
            },
            _ => &g.entries,
        };
        let entries = src_entries
            .iter()
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
                    kind: e.kind,
                    name: e.name.clone(),
                    symbol: e.symbol.clone(),
                    offset: e.offset,
                    value: e.value,
                    resolved: e.kind != EntryKind::Unused && e.value != 0,
                    flags: e.flags,
                    flag_names: e.flags.map(kf_names).unwrap_or_default(),
                    btf: v,
                }
            })
            .collect();
        groups.push(GroupReport {
            group: Group {
                entries: Vec::new(),
                ..g.clone()
            },
            flag_names: g.flags.map(set_flag_names).unwrap_or_default(),
            names_from: order.to_string(),
            entries,
        });
    }
    InspectReport {
        schema: 1,
        file: file.display().to_string(),
        class: if elf.is_64 { 64 } else { 32 },
        endian: if elf.big_endian { "big" } else { "little" }.into(),
        section_offset: lay.section.file_offset,
        section_address: lay.section.address,
        section_size: lay.section.size,
        btf: btf_name,
        groups,
        summary,
    }
}

/// `btf-ids inspect`. BTF verdicts only when `src.btf` is given.
pub fn inspect(file: &Path, src: &BtfSource) -> Result<InspectReport, Error> {
    let data = read_file(file)?;
    inspect_data(file, &data, src)
}

/// [`inspect`] on file contents already in memory (`file` names it in
/// messages, and is where its own `.BTF` would come from).
pub fn inspect_data(file: &Path, data: &[u8], src: &BtfSource) -> Result<InspectReport, Error> {
    let f = file.display().to_string();
    let elf = ElfInfo::parse(data).map_err(|e| e.file(&f))?;
    let lay = layout(&elf).map_err(|e| e.file(&f))?;
    if src.btf.is_some() {
        let b = BtfBytes::load(src, file, &elf)?;
        let name = b.name().to_string();
        with_btf(&b, |btf| {
            Ok(report_of(file, &elf, &lay, Some(btf), Some(name), None))
        })
    } else {
        // Name set entries through the file's own BTF when it explains every
        // value (no verdicts without --btf).
        let own = elf.btf.and_then(|s| Btf::parse(elf.section_bytes(s)).ok());
        Ok(report_of(file, &elf, &lay, None, None, own.as_ref()))
    }
}

/// Human-readable inspect output.
pub fn inspect_text(r: &InspectReport) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{}: ELF{} {}-endian, .BTF_ids at file offset {:#x}, address {:#x}, {} bytes",
        r.file, r.class, r.endian, r.section_offset, r.section_address, r.section_size
    );
    for g in &r.groups {
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
    }
    let m = &r.summary;
    let _ = writeln!(
        s,
        "{} lists, {} sets, {} set8s; {} ids, {} unresolved, {} unused slots{}",
        m.lists,
        m.sets,
        m.set8s,
        m.ids,
        m.unresolved,
        m.unused,
        if r.btf.is_some() {
            format!(", {} wrong for the BTF", m.btf_mismatches)
        } else {
            String::new()
        }
    );
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
#[derive(Debug, Clone, Serialize)]
pub struct Ambiguous {
    /// Kind.
    pub kind: IdKind,
    /// Name.
    pub name: String,
    /// All ids found (the first is used).
    pub ids: Vec<u32>,
}

/// A name without an id.
#[derive(Debug, Clone, Serialize)]
pub struct Unresolved {
    /// Kind.
    pub kind: IdKind,
    /// Name.
    pub name: String,
}

/// A set after resolving.
#[derive(Debug, Clone, Serialize)]
pub struct SetReport {
    /// Name.
    pub name: String,
    /// Set8.
    pub set8: bool,
    /// Count written.
    pub count: u64,
}

/// The `resolve` report (`--json`).
#[derive(Debug, Clone, Default, Serialize)]
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
    #[serde(skip)]
    pub debug: Vec<String>,
}

/// A module-local type pointed at a base type.
#[derive(Debug, Clone, Serialize)]
pub struct PointedType {
    /// Its id in the module's BTF (its name is cleared).
    pub module: u32,
    /// The base type every reference now names.
    pub base: u32,
}

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
    let (data, meta) = read_input(file)?;
    let elf = ElfInfo::parse(&data).map_err(|e| e.file(&f))?;
    let out_path = opts.output.clone().unwrap_or_else(|| file.to_path_buf());
    // In place, only the changed bytes are written; -o writes a whole file.
    let write = |parts: Vec<(usize, &[u8])>| -> Result<(), Error> {
        match &opts.output {
            Some(out) => {
                crate::write::write_new(out, &own_btf::splice(&data, parts), &meta, opts.fsync)
            }
            None => {
                let patches: Vec<(u64, &[u8])> =
                    parts.into_iter().map(|(o, b)| (o as u64, b)).collect();
                crate::write::patch_in_place(file, &patches, data.len() as u64, opts.fsync)
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
            return Err(Error::new("Cannot find .BTF_ids or symbols sections (--strict)").file(&f));
        }
        if opts.verbose >= 1 {
            rep.debug
                .push("Cannot find .BTF_ids or symbols sections, nothing to do".into());
        }
        rep.nothing_to_do = true;
        // Still make a module's own BTF acceptable to the kernel, when it
        // may need it (split BTF with names C never has).
        let mut fixed_btf: Option<(usize, Vec<u8>)> = None;
        let own = elf.btf.map(|s| elf.section_bytes(s));
        if opts.src.btf.is_none()
            && opts.src.base.is_some()
            && own.is_some_and(own_btf::may_need_fixes)
        {
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
            return Err(Error::new("__BTF_ID__ symbol outside .BTF_ids")
                .symbol(&s.name)
                .file(&f));
        }
    }
    // Symbol errors come first, as in resolve_btfids.
    let bytes_res = BtfBytes::load(&opts.src, file, &elf);
    let mut col = Collected::collect(&elf, sec).map_err(|e| e.file(&f))?;
    let bytes = bytes_res.as_ref().map_err(Clone::clone)?;
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
    rep.btf = Some(bytes.name().to_string());
    let mut fixed_btf: Option<(usize, Vec<u8>)> = None;
    let mut warn = if opts.src.btf.is_none() && bytes.has_base() {
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
    } else {
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
    };
    rep.btf_changed = fixed_btf.is_some();
    let mut ids = elf.section_bytes(sec).to_vec();
    let mut unres = col.patch(&elf, &mut ids).map_err(|e| e.file(&f))?;
    if bytes.has_base() {
        let kfuncs = crate::hints::unresolved_kfuncs(&elf, &col, &ids);
        crate::hints::add_hints(&mut unres, &kfuncs, elf.data);
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
    let end = start + ids.len();
    rep.changed = ids[..] != data[start..end] || rep.btf_changed;
    let mut parts: Vec<(usize, &[u8])> = vec![(start, &ids[..])];
    if let Some((o, b)) = &fixed_btf {
        parts.push((*o, &b[..]));
    }
    let mut tagged: Option<Vec<u8>> = None;
    if opts.kfunc_tags {
        let img: Vec<u8> = own_btf::splice(&data, parts.clone()).concat();
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
            (Some(img), Some(out)) => crate::write::write_new(out, &[img], &meta, opts.fsync)?,
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
#[derive(Debug, Clone, Serialize)]
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
    let data = read_file(file)?;
    let elf = ElfInfo::parse(&data).map_err(|e| e.file(&f))?;
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
    let lay = layout(&elf).map_err(|e| e.file(&f))?;
    let (rep, btf_name) = if have_btf {
        let b = BtfBytes::load(src, file, &elf)?;
        let name = b.name().to_string();
        (
            with_btf(&b, |btf| {
                Ok(report_of(
                    file,
                    &elf,
                    &lay,
                    Some(btf),
                    Some(name.clone()),
                    None,
                ))
            })?,
            Some(name),
        )
    } else {
        (report_of(file, &elf, &lay, None, None, None), None)
    };
    let mut failures = own_failures;
    for g in &rep.groups {
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
    }
    Ok(CheckReport {
        file: f,
        btf: btf_name,
        ids: rep.summary.ids,
        failures,
    })
}

fn kind_str(k: GroupKind) -> &'static str {
    match k {
        GroupKind::List => "list",
        GroupKind::Set => "set",
        GroupKind::Set8 => "set8",
        GroupKind::Orphan => "ids",
    }
}
