//! Reading the parts of an ELF file that `.BTF_ids` work needs, through the
//! `object` crate (safe, bounds-checked parsing). Writing is separate (see
//! [`crate::output`]): we patch bytes at known file offsets and never let a
//! library re-lay-out the file.
//!
//! A file is read whole ([`ElfInfo::parse`]) or in parts ([`load`]): the
//! ELF header, program and section headers and section names, then only
//! the sections the work needs (`.BTF_ids`, the symbol and string tables
//! the `object` crate parses, `.BTF`), each with one `pread`. A vmlinux
//! with hundreds of MB of DWARF costs what its few MB of BTF and symbols
//! cost, and a module without `.BTF_ids` (most runs of a kernel build)
//! costs its headers.

use crate::input::Sparse;
use crate::Error;
use object::read::elf::{FileHeader, SectionHeader};
use object::read::{Object, ObjectSection, ObjectSymbol, ObjectSymbolTable, ReadRef};
use object::{FileKind, SectionKind, SymbolKind, SymbolSection};
use std::path::Path;

pub use btf_ids_abi::names::{has_btf_id_prefix, BTF_IDS_SECTION, BTF_ID_PREFIX, BTF_SECTION};

/// One section's placement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SectionInfo {
    /// Section header index.
    pub index: usize,
    /// Offset of the section data in the file.
    pub file_offset: u64,
    /// Size in bytes.
    pub size: u64,
    /// `sh_addr` (0 in relocatable objects).
    pub address: u64,
}

/// A symbol defined in `.BTF_ids`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sym<'a> {
    /// Index in the symbol table.
    pub index: usize,
    /// Name bytes.
    pub name: &'a [u8],
    /// `st_value`.
    pub value: u64,
    /// `st_size`.
    pub size: u64,
    /// Global (or weak) binding.
    pub global: bool,
    /// `STV_HIDDEN`.
    pub hidden: bool,
}

impl Sym<'_> {
    /// The name, lossily decoded for messages.
    pub fn name_str(&self) -> String {
        String::from_utf8_lossy(self.name).into_owned()
    }
}

/// A `__BTF_ID__` symbol defined somewhere other than `.BTF_ids`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StraySym {
    /// Index in the symbol table.
    pub index: usize,
    /// Name.
    pub name: String,
}

/// Where an [`ElfInfo`]'s bytes are.
#[derive(Clone, Copy)]
enum Src<'a> {
    Whole(&'a [u8]),
    Parts(&'a Sparse),
}

impl std::fmt::Debug for Src<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Src::Whole(d) => write!(f, "Whole({} bytes)", d.len()),
            Src::Parts(s) => write!(f, "Parts(of {} bytes)", s.file_len()),
        }
    }
}

/// What we read from an ELF file.
#[derive(Debug)]
pub struct ElfInfo<'a> {
    src: Src<'a>,
    /// The file's size.
    pub file_len: u64,
    /// ELFCLASS64.
    pub is_64: bool,
    /// ELFDATA2MSB.
    pub big_endian: bool,
    /// The `.BTF_ids` section.
    pub btf_ids: Option<SectionInfo>,
    /// The `.BTF` section.
    pub btf: Option<SectionInfo>,
    /// Whether the file has a `SHT_SYMTAB`.
    pub has_symtab: bool,
    /// Symbols defined in `.BTF_ids` (section symbols and unnamed ones left
    /// out), in symbol-table order.
    pub symbols: Vec<Sym<'a>>,
    /// `__BTF_ID__` symbols defined in another section.
    pub stray: Vec<StraySym>,
}

fn section_info<'d, R: ReadRef<'d>>(
    sec: &object::Section<'d, '_, R>,
) -> Result<SectionInfo, Error> {
    let name = sec.name().unwrap_or("?");
    let (file_offset, size) = match sec.file_range() {
        Some(r) => r,
        None if sec.size() == 0 => (0, 0),
        None => {
            return Err(Error::new(format!(
                "section {name} (index {}) has no file data",
                sec.index().0
            )))
        }
    };
    if sec.kind() == SectionKind::UninitializedData {
        return Err(Error::new(format!("section {name} is SHT_NOBITS")));
    }
    Ok(SectionInfo {
        index: sec.index().0,
        file_offset,
        size,
        address: sec.address(),
    })
}

/// The kind check of `section_info`, from a raw header: SHT_NOBITS
/// without SHF_TLS is `object`'s `UninitializedData`.
fn nobits_data(sh_type: u32, flags: u64) -> bool {
    sh_type == object::elf::SHT_NOBITS && flags & object::elf::SHF_TLS as u64 == 0
}

/// The error for an unparsable file, as [`ElfInfo::parse`] words it.
fn kind_error(head: &[u8], len: u64, e: Option<FileKind>) -> Error {
    match e {
        Some(k) => Error::new(format!("not an ELF file ({k:?})")).at(0),
        None => {
            let what = if len < 16 {
                format!("truncated file ({len} bytes)")
            } else {
                "not an ELF file (bad magic)".to_string()
            };
            let _ = head;
            Error::new(what).at(0)
        }
    }
}

impl<'a> ElfInfo<'a> {
    /// Parses `data` as an ELF file of either class and byte order.
    pub fn parse(data: &'a [u8]) -> Result<Self, Error> {
        Self::parse_full(data, Src::Whole(data), false)
    }

    /// Parses the parts of a file that [`load`] read, symbols and all (the
    /// same checks and errors as [`ElfInfo::parse`] on the whole file,
    /// provided the symbol tables were read).
    pub fn parse_parts(parts: &'a Sparse) -> Result<Self, Error> {
        Self::parse_full(parts, Src::Parts(parts), false)
    }

    /// [`ElfInfo::parse_parts`] keeping, of the symbols in `.BTF_ids`, only
    /// the `__BTF_ID__` ones (what `resolve` needs; a section with many
    /// list labels costs no memory for them).
    pub fn parse_parts_ids(parts: &'a Sparse) -> Result<Self, Error> {
        Self::parse_full(parts, Src::Parts(parts), true)
    }

    fn parse_full<R: ReadRef<'a>>(r: R, src: Src<'a>, ids_only: bool) -> Result<Self, Error> {
        let len = r.len().unwrap_or(0);
        let head = r.read_bytes_at(0, len.min(0x40)).unwrap_or(&[]);
        match FileKind::parse(r) {
            Ok(FileKind::Elf32) | Ok(FileKind::Elf64) => {}
            Ok(k) => return Err(kind_error(head, len, Some(k))),
            Err(_) => return Err(kind_error(head, len, None)),
        }
        let file = object::File::parse(r).map_err(|e| {
            Error::new(format!("malformed ELF: {e}")).at(header_offset_for(head, &e.to_string()))
        })?;
        let is_64 = file.is_64();
        let big_endian = !file.is_little_endian();
        let mut btf_ids = None;
        let mut btf = None;
        for sec in file.sections() {
            match sec.name_bytes() {
                Ok(n) if n == BTF_IDS_SECTION.as_bytes() => btf_ids = Some(section_info(&sec)?),
                Ok(n) if n == BTF_SECTION.as_bytes() => btf = Some(section_info(&sec)?),
                Ok(_) => {}
                Err(e) => {
                    return Err(Error::new(format!(
                        "section index {}: bad name: {e}",
                        sec.index().0
                    )))
                }
            }
        }
        if let Some(s) = btf_ids {
            check_range(len, s, BTF_IDS_SECTION)?;
        }
        if let Some(s) = btf {
            check_range(len, s, BTF_SECTION)?;
        }
        let has_symtab = file.symbol_table().is_some();
        let mut symbols = Vec::new();
        let mut stray = Vec::new();
        if let Some(table) = file.symbol_table() {
            symbols.reserve(table.symbols().size_hint().0);
            for sym in table.symbols() {
                let name = sym.name_bytes().map_err(|e| {
                    Error::new(format!("symbol index {}: bad name: {e}", sym.index().0))
                })?;
                if name.is_empty() || sym.kind() == SymbolKind::Section {
                    continue;
                }
                let in_ids = match (sym.section(), btf_ids) {
                    (SymbolSection::Section(i), Some(s)) => i.0 == s.index,
                    _ => false,
                };
                let id_sym = has_btf_id_prefix(name);
                if in_ids && ids_only && !id_sym {
                    continue;
                }
                if !in_ids {
                    if id_sym && sym.section() != SymbolSection::Undefined {
                        stray.push(StraySym {
                            index: sym.index().0,
                            name: String::from_utf8_lossy(name).into_owned(),
                        });
                    }
                    continue;
                }
                let hidden = match sym.flags() {
                    object::SymbolFlags::Elf { st_other, .. } => {
                        st_other & 3 == object::elf::STV_HIDDEN
                    }
                    _ => false,
                };
                symbols.push(Sym {
                    index: sym.index().0,
                    name,
                    value: sym.address(),
                    size: sym.size(),
                    global: sym.is_global(),
                    hidden,
                });
            }
        }
        Ok(ElfInfo {
            src,
            file_len: len,
            is_64,
            big_endian,
            btf_ids,
            btf,
            has_symtab,
            symbols,
            stray,
        })
    }

    /// The headers of the parts [`load`] read, without symbols (`symbols`
    /// and `stray` empty; `has_symtab`: there is a SHT_SYMTAB section with
    /// a symbol in it). The same checks and errors as [`ElfInfo::parse`]
    /// for the ELF header, program and section headers and section names.
    pub fn parse_headers(parts: &'a Sparse) -> Result<Self, Error> {
        let len = parts.file_len();
        let head = parts.get(0, len.min(0x40)).unwrap_or(&[]);
        match FileKind::parse(parts) {
            Ok(FileKind::Elf32) => {
                Self::headers_of::<object::elf::FileHeader32<object::Endianness>>(parts)
            }
            Ok(FileKind::Elf64) => {
                Self::headers_of::<object::elf::FileHeader64<object::Endianness>>(parts)
            }
            Ok(k) => Err(kind_error(head, len, Some(k))),
            Err(_) => Err(kind_error(head, len, None)),
        }
    }

    fn headers_of<Elf: FileHeader<Endian = object::Endianness>>(
        parts: &'a Sparse,
    ) -> Result<Self, Error> {
        let len = parts.file_len();
        let head = parts.get(0, len.min(0x40)).unwrap_or(&[]);
        let malformed = |e: object::read::Error| {
            Error::new(format!("malformed ELF: {e}")).at(header_offset_for(head, &e.to_string()))
        };
        let header = Elf::parse(parts).map_err(malformed)?;
        let endian = header.endian().map_err(malformed)?;
        header.program_headers(endian, parts).map_err(malformed)?;
        let sections = header.sections(endian, parts).map_err(malformed)?;
        let mut btf_ids = None;
        let mut btf = None;
        let mut has_symtab = false;
        let mut seen_symtab = false;
        for (i, sh) in sections.iter().enumerate() {
            let sh_type = sh.sh_type(endian);
            if sh_type == object::elf::SHT_SYMTAB && !seen_symtab {
                seen_symtab = true;
                let entry = if header.is_class_64() { 24 } else { 16 };
                has_symtab = sh.sh_size(endian).into() >= entry;
            }
            let name = sections
                .section_name(endian, sh)
                .map_err(|e| Error::new(format!("section index {i}: bad name: {e}")))?;
            let which = if name == BTF_IDS_SECTION.as_bytes() {
                &mut btf_ids
            } else if name == BTF_SECTION.as_bytes() {
                &mut btf
            } else {
                continue;
            };
            let n = String::from_utf8_lossy(name);
            let size: u64 = sh.sh_size(endian).into();
            let (file_offset, size) = match sh.file_range(endian) {
                Some(r) => r,
                None if size == 0 => (0, 0),
                None => {
                    return Err(Error::new(format!(
                        "section {n} (index {i}) has no file data"
                    )))
                }
            };
            if nobits_data(sh_type, sh.sh_flags(endian).into()) {
                return Err(Error::new(format!("section {n} is SHT_NOBITS")));
            }
            *which = Some(SectionInfo {
                index: i,
                file_offset,
                size,
                address: sh.sh_addr(endian).into(),
            });
        }
        if let Some(s) = btf_ids {
            check_range(len, s, BTF_IDS_SECTION)?;
        }
        if let Some(s) = btf {
            check_range(len, s, BTF_SECTION)?;
        }
        Ok(ElfInfo {
            src: Src::Parts(parts),
            file_len: len,
            is_64: header.is_class_64(),
            big_endian: header.is_big_endian(),
            btf_ids,
            btf,
            has_symtab,
            symbols: Vec::new(),
            stray: Vec::new(),
        })
    }

    /// The bytes of a section (`.BTF_ids` or `.BTF`; empty when they were
    /// not read).
    pub fn section_bytes(&self, s: SectionInfo) -> &'a [u8] {
        // Ranges were checked in `parse`.
        match self.src {
            Src::Whole(d) => &d[s.file_offset as usize..(s.file_offset + s.size) as usize],
            Src::Parts(p) => p.get(s.file_offset, s.size).unwrap_or(&[]),
        }
    }

    /// Runs `f` on the whole file as parsed by the `object` crate (`None`
    /// when it does not parse).
    pub fn with_object<T>(&self, f: impl FnOnce(&dyn ObjectView<'a>) -> T) -> Option<T> {
        match self.src {
            Src::Whole(d) => object::File::parse(d).ok().map(|o| f(&o)),
            Src::Parts(p) => object::File::parse(p).ok().map(|o| f(&o)),
        }
    }

    /// Reads a `u32` in the file's byte order.
    pub fn read_u32(&self, b: &[u8], off: usize) -> Option<u32> {
        let w: [u8; 4] = b.get(off..off.checked_add(4)?)?.try_into().ok()?;
        Some(if self.big_endian {
            u32::from_be_bytes(w)
        } else {
            u32::from_le_bytes(w)
        })
    }

    /// Writes a `u32` in the file's byte order.
    pub fn write_u32(&self, b: &mut [u8], off: usize, v: u32) -> bool {
        match off.checked_add(4).and_then(|e| b.get_mut(off..e)) {
            Some(w) => {
                w.copy_from_slice(&if self.big_endian {
                    v.to_be_bytes()
                } else {
                    v.to_le_bytes()
                });
                true
            }
            None => false,
        }
    }
}

fn check_range(len: u64, s: SectionInfo, name: &str) -> Result<(), Error> {
    match s.file_offset.checked_add(s.size) {
        Some(end) if end <= len => Ok(()),
        _ => Err(Error::new(format!(
            "section {name} ({:#x}+{:#x}) runs past the end of the file ({len:#x} bytes)",
            s.file_offset, s.size,
        ))
        .at(s.file_offset)),
    }
}

/// The function symbols of an ELF file, as [`ElfInfo::with_object`] shows
/// them: (symbol index, name, section key, address), in symbol order, of
/// every defined STT_FUNC symbol.
pub trait ObjectView<'a> {
    /// The defined function symbols.
    fn functions(&self) -> Vec<(usize, &'a [u8], usize, u64)>;
}

impl<'a, R: ReadRef<'a>> ObjectView<'a> for object::File<'a, R> {
    fn functions(&self) -> Vec<(usize, &'a [u8], usize, u64)> {
        self.symbols()
            .filter(|s| s.kind() == SymbolKind::Text && s.is_definition())
            .map(|s| {
                let sec = match s.section() {
                    SymbolSection::Section(i) => i.0,
                    SymbolSection::Absolute => usize::MAX,
                    SymbolSection::Common => usize::MAX - 1,
                    _ => usize::MAX - 2,
                };
                (
                    s.index().0,
                    s.name_bytes().unwrap_or(b"?"),
                    sec,
                    s.address(),
                )
            })
            .collect()
    }
}

/// What [`load`] is to read besides the headers.
#[derive(Debug, Clone, Copy, Default)]
pub struct Want {
    /// The symbol tables even without `.BTF_ids` (`inspect`, `check`);
    /// else only when there are `.BTF_ids` and a SHT_SYMTAB section (what
    /// `resolve` needs).
    pub symbols: bool,
    /// `.BTF` when the symbols are read.
    pub btf: bool,
    /// `.BTF` in any case.
    pub btf_always: bool,
    /// Without the symbols (nothing to do): only `.BTF`'s header and
    /// string section ([`Loaded::btf_strings`]).
    pub btf_strings: bool,
    /// Everything: the whole file, as one part.
    pub whole: bool,
    /// Of the symbols in `.BTF_ids`, keep only the `__BTF_ID__` ones.
    pub ids_only: bool,
}

/// A file read by [`load`].
pub struct Loaded {
    /// The parts read.
    pub parts: Sparse,
    /// The file's metadata when opened.
    pub meta: std::fs::Metadata,
    /// Whether the symbol tables were read.
    pub symbols: bool,
    /// Keep only the `__BTF_ID__` symbols ([`Want::ids_only`]).
    ids_only: bool,
}

impl Loaded {
    /// The parsed file: with symbols when they were read
    /// ([`ElfInfo::parse_parts`]), else the headers
    /// ([`ElfInfo::parse_headers`]).
    pub fn elf(&self) -> Result<ElfInfo<'_>, Error> {
        if self.symbols && self.ids_only {
            ElfInfo::parse_parts_ids(&self.parts)
        } else if self.symbols {
            ElfInfo::parse_parts(&self.parts)
        } else {
            ElfInfo::parse_headers(&self.parts)
        }
    }

    /// The whole file, when it was read whole.
    pub fn whole(&self) -> Option<&[u8]> {
        self.parts.get(0, self.parts.file_len())
    }
}

/// The file range of the string section of the BTF blob at `off` (`len`
/// bytes), from its header (read already); `None` when it does not fit.
fn btf_strings_range(parts: &Sparse, off: u64, len: u64) -> Option<(u64, u64)> {
    let h = parts.get(off, 24)?;
    let rd = |at: usize| -> u64 {
        let b = [h[at], h[at + 1], h[at + 2], h[at + 3]];
        match (h[0], h[1]) {
            (0xeb, 0x9f) => u32::from_be_bytes(b) as u64,
            _ => u32::from_le_bytes(b) as u64,
        }
    };
    let start = rd(4).checked_add(rd(16))?;
    let end = start.checked_add(rd(20))?;
    (end <= len).then_some((off + start, end - start))
}

impl Loaded {
    /// The string section of the `.BTF` at `sec` when [`Want::btf_strings`]
    /// read it (or the whole section was read).
    pub fn btf_strings(&self, sec: SectionInfo) -> Option<&[u8]> {
        let (o, n) = btf_strings_range(&self.parts, sec.file_offset, sec.size)?;
        self.parts.get(o, n)
    }
}

/// A section header as far as planning the reads needs it (not checked:
/// the parse that follows checks everything read).
#[derive(Clone, Copy)]
struct RawSec {
    name: u32,
    sh_type: u32,
    offset: u64,
    size: u64,
    link: u32,
}

/// Reads the regular file `path` for `want` (see the module docs): its ELF
/// header, program and section headers and section names, then the
/// sections needed. Not an ELF file, or `want.whole`: read whole.
pub fn load(path: &Path, want: Want) -> Result<Loaded, Error> {
    let p = path.display().to_string();
    let (parts, meta) =
        Sparse::open(path).map_err(|e| Error::new(format!("cannot read: {e}")).file(&p))?;
    load_parts(path, parts, meta, want)
}

/// [`load`] on a file opened already (`parts` may hold parts read).
pub fn load_parts(
    path: &Path,
    mut parts: Sparse,
    meta: std::fs::Metadata,
    want: Want,
) -> Result<Loaded, Error> {
    let p = path.display().to_string();
    let io = |e: std::io::Error| Error::new(format!("cannot read: {e}")).file(&p);
    let len = parts.file_len();
    if want.whole {
        parts.add(0, len).map_err(io)?;
        return Ok(Loaded {
            parts,
            meta,
            symbols: true,
            ids_only: want.ids_only,
        });
    }
    parts.add(0, 0x40).map_err(io)?;
    let head = parts.get(0, len.min(0x40)).unwrap_or(&[]).to_vec();
    let elf = head.len() >= 0x34 && head.starts_with(b"\x7fELF") && matches!(head[4], 1 | 2);
    if !elf {
        // Not ELF (or too short to say): the whole parse gives the error.
        parts.add(0, len).map_err(io)?;
        return Ok(Loaded {
            parts,
            meta,
            symbols: true,
            ids_only: want.ids_only,
        });
    }
    let is64 = head[4] == 2;
    let be = head[5] == 2;
    let rd = |b: &[u8], off: usize, n: usize| -> u64 {
        let Some(b) = b.get(off..off + n) else {
            return 0;
        };
        let mut v = 0u64;
        for i in 0..n {
            v = (v << 8) | b[if be { i } else { n - 1 - i }] as u64;
        }
        v
    };
    let (phoff, shoff, phentsize, phnum, shentsize, shnum, shstrndx) = if is64 {
        (
            rd(&head, 0x20, 8),
            rd(&head, 0x28, 8),
            rd(&head, 0x36, 2),
            rd(&head, 0x38, 2),
            rd(&head, 0x3a, 2),
            rd(&head, 0x3c, 2),
            rd(&head, 0x3e, 2),
        )
    } else {
        (
            rd(&head, 0x1c, 4),
            rd(&head, 0x20, 4),
            rd(&head, 0x2a, 2),
            rd(&head, 0x2c, 2),
            rd(&head, 0x2e, 2),
            rd(&head, 0x30, 2),
            rd(&head, 0x32, 2),
        )
    };
    let shent = if is64 { 64 } else { 40 };
    // Section 0 holds the real counts when they do not fit the header.
    let mut shnum = shnum;
    let mut shstrndx = shstrndx;
    let mut phnum = phnum;
    let raw = |parts: &Sparse, i: u64| -> Option<RawSec> {
        let b = parts.get(shoff.checked_add(i.checked_mul(shentsize)?)?, shent)?;
        Some(if is64 {
            RawSec {
                name: rd(b, 0, 4) as u32,
                sh_type: rd(b, 4, 4) as u32,
                offset: rd(b, 0x18, 8),
                size: rd(b, 0x20, 8),
                link: rd(b, 0x28, 4) as u32,
            }
        } else {
            RawSec {
                name: rd(b, 0, 4) as u32,
                sh_type: rd(b, 4, 4) as u32,
                offset: rd(b, 0x10, 4),
                size: rd(b, 0x14, 4),
                link: rd(b, 0x18, 4) as u32,
            }
        })
    };
    if shoff != 0 && (shnum == 0 || shstrndx == 0xffff || phnum == 0xffff) {
        parts.add(shoff, shent).map_err(io)?;
        if let Some(s0) = raw(&parts, 0) {
            if shnum == 0 {
                shnum = s0.size;
            }
            if shstrndx == 0xffff {
                shstrndx = s0.link as u64;
            }
        }
        if phnum == 0xffff {
            if let Some(b) = parts.get(shoff, shent) {
                phnum = rd(b, if is64 { 0x2c } else { 0x1c }, 4);
            }
        }
    }
    if phoff != 0 {
        parts
            .add(phoff, phnum.saturating_mul(phentsize))
            .map_err(io)?;
    }
    if shoff != 0 {
        parts
            .add(shoff, shnum.saturating_mul(shentsize))
            .map_err(io)?;
    }
    let secs: Vec<RawSec> = (0..shnum.min(len / shentsize.max(1) + 1))
        .map_while(|i| raw(&parts, i))
        .collect();
    let data_of = |s: &RawSec| (s.sh_type != object::elf::SHT_NOBITS).then_some((s.offset, s.size));
    if let Some(strtab) = secs.get(shstrndx as usize) {
        if let Some((o, n)) = data_of(strtab) {
            parts.add(o, n).map_err(io)?;
        }
    }
    let names = secs
        .get(shstrndx as usize)
        .and_then(data_of)
        .and_then(|(o, n)| parts.get(o, n.min(len.saturating_sub(o))))
        .unwrap_or(&[])
        .to_vec();
    let named = |s: &RawSec, want: &[u8]| -> bool {
        names
            .get(s.name as usize..)
            .is_some_and(|t| t.starts_with(want) && t.get(want.len()) == Some(&0))
    };
    let ids = secs
        .iter()
        .find(|s| named(s, BTF_IDS_SECTION.as_bytes()))
        .copied();
    let btf = secs
        .iter()
        .find(|s| named(s, BTF_SECTION.as_bytes()))
        .copied();
    let first_of = |t: u32| secs.iter().enumerate().find(|(_, s)| s.sh_type == t);
    let symtab = first_of(object::elf::SHT_SYMTAB);
    let symbols = want.symbols || (ids.is_some() && symtab.is_some());
    let mut ranges: Vec<(u64, u64)> = Vec::new();
    if symbols {
        for t in [object::elf::SHT_SYMTAB, object::elf::SHT_DYNSYM] {
            if let Some((i, s)) = first_of(t) {
                ranges.extend(data_of(s));
                ranges.extend(secs.get(s.link as usize).and_then(data_of));
                for x in &secs {
                    if x.sh_type == object::elf::SHT_SYMTAB_SHNDX && x.link as usize == i {
                        ranges.extend(data_of(x));
                    }
                }
            }
        }
        ranges.extend(ids.as_ref().and_then(data_of));
    }
    if (symbols && want.btf) || want.btf_always {
        ranges.extend(btf.as_ref().and_then(data_of));
    } else if want.btf_strings && !symbols {
        if let Some((o, n)) = btf.as_ref().and_then(data_of) {
            parts.add(o, n.min(24)).map_err(io)?;
            if let Some((so, sn)) = btf_strings_range(&parts, o, n) {
                ranges.push((so, sn));
            }
        }
    }
    ranges.sort_unstable();
    for (o, n) in ranges {
        parts.add(o, n).map_err(io)?;
    }
    Ok(Loaded {
        parts,
        meta,
        symbols,
        ids_only: want.ids_only,
    })
}

/// The file offset an ELF parse error most likely concerns: the section or
/// program header table offset from the ELF header when the message is
/// about those tables, else 0 (the ELF header itself).
fn header_offset_for(data: &[u8], msg: &str) -> u64 {
    let is64 = data.get(4) == Some(&2);
    let be = data.get(5) == Some(&2);
    let rd = |off: usize, n: usize| -> Option<u64> {
        let b = data.get(off..off + n)?;
        let mut v = 0u64;
        for i in 0..n {
            v = (v << 8) | b[if be { i } else { n - 1 - i }] as u64;
        }
        Some(v)
    };
    let (phoff, shoff) = if is64 {
        (rd(0x20, 8), rd(0x28, 8))
    } else {
        (rd(0x1c, 4), rd(0x20, 4))
    };
    let m = msg.to_ascii_lowercase();
    if m.contains("program header") {
        phoff.unwrap_or(0)
    } else if m.contains("section") || m.contains("symbol") || m.contains("string") {
        shoff.unwrap_or(0)
    } else {
        0
    }
}
