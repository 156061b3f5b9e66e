//! Reading the parts of an ELF file that `.BTF_ids` work needs, through the
//! `object` crate (safe, bounds-checked parsing, typed ELF structs). Writing
//! is separate: [`patch`] changes header fields of an image, and
//! [`crate::output`] writes files; we patch bytes at known file offsets and
//! never let a library re-lay-out the file.
//!
//! A file is read whole ([`ElfInfo::parse`]) or in parts ([`load()`], in
//! `load.rs`): the ELF header, program and section headers and section
//! names, then only the sections the work needs (`.BTF_ids`, the symbol
//! and string tables the `object` crate parses, `.BTF`), each with one
//! `pread`. A vmlinux with hundreds of MB of DWARF costs what its few MB of
//! BTF and symbols cost, and a module without `.BTF_ids` (most runs of a
//! kernel build) costs its headers.

pub mod load;
pub mod patch;

use crate::input::Sparse;
use crate::Error;
use object::elf::{FileHeader32, FileHeader64, ELFCLASS32, ELFCLASS64};
use object::read::elf::{FileHeader, SectionHeader};
use object::read::{Object, ObjectSection, ObjectSymbol, ObjectSymbolTable, ReadRef};
use object::{Endian, Endianness, FileKind, Pod, SectionKind, SymbolKind, SymbolSection};

pub use btf_ids_abi::names::{has_btf_id_prefix, BTF_IDS_SECTION, BTF_ID_PREFIX, BTF_SECTION};
pub use load::{load, load_parts, Loaded, Want};

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

/// The `object` crate's parse of the file, kept for what needs more than
/// [`ElfInfo`] holds (the function symbols of `resolve`'s hints), so that
/// the file is parsed once.
enum Parsed<'a> {
    Whole(object::File<'a, &'a [u8]>),
    Parts(object::File<'a, &'a Sparse>),
    /// Only the headers were read ([`ElfInfo::parse_headers`]).
    Headers,
}

impl std::fmt::Debug for Parsed<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Parsed::Whole(_) => "Whole",
            Parsed::Parts(_) => "Parts",
            Parsed::Headers => "Headers",
        })
    }
}

/// What we read from an ELF file.
#[derive(Debug)]
pub struct ElfInfo<'a> {
    src: Src<'a>,
    parsed: Parsed<'a>,
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
            return Err(Error::elf(format!(
                "section {name} (index {}) has no file data",
                sec.index().0
            )))
        }
    };
    if sec.kind() == SectionKind::UninitializedData {
        return Err(Error::elf(format!("section {name} is SHT_NOBITS")));
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
fn kind_error(len: u64, e: Option<FileKind>) -> Error {
    match e {
        Some(k) => Error::elf(format!("not an ELF file ({k:?})")).at(0),
        None => {
            let what = if len < 16 {
                format!("truncated file ({len} bytes)")
            } else {
                "not an ELF file (bad magic)".to_string()
            };
            Error::elf(what).at(0)
        }
    }
}

/// The error for an ELF file the `object` crate refuses.
fn malformed<'d, R: ReadRef<'d>>(r: R, e: object::read::Error) -> Error {
    Error::elf(format!("malformed ELF: {e}")).at(header_offset_for(r))
}

impl<'a> ElfInfo<'a> {
    /// Parses `data` as an ELF file of either class and byte order.
    pub fn parse(data: &'a [u8]) -> Result<Self, Error> {
        Self::parse_full(data, Src::Whole(data), false, Parsed::Whole)
    }

    /// Parses the parts of a file that [`load`] read, symbols and all (the
    /// same checks and errors as [`ElfInfo::parse`] on the whole file,
    /// provided the symbol tables were read).
    pub fn parse_parts(parts: &'a Sparse) -> Result<Self, Error> {
        Self::parse_full(parts, Src::Parts(parts), false, Parsed::Parts)
    }

    /// [`ElfInfo::parse_parts`] keeping, of the symbols in `.BTF_ids`, only
    /// the `__BTF_ID__` ones (what `resolve` needs; a section with many
    /// list labels costs no memory for them).
    pub fn parse_parts_ids(parts: &'a Sparse) -> Result<Self, Error> {
        Self::parse_full(parts, Src::Parts(parts), true, Parsed::Parts)
    }

    fn parse_full<R: ReadRef<'a>>(
        r: R,
        src: Src<'a>,
        ids_only: bool,
        keep: fn(object::File<'a, R>) -> Parsed<'a>,
    ) -> Result<Self, Error> {
        let len = r.len().unwrap_or(0);
        match FileKind::parse(r) {
            Ok(FileKind::Elf32) | Ok(FileKind::Elf64) => {}
            Ok(k) => return Err(kind_error(len, Some(k))),
            Err(_) => return Err(kind_error(len, None)),
        }
        let file = object::File::parse(r).map_err(|e| malformed(r, e))?;
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
                    return Err(Error::elf(format!(
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
                    Error::elf(format!("symbol index {}: bad name: {e}", sym.index().0))
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
            parsed: keep(file),
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
        match FileKind::parse(parts) {
            Ok(FileKind::Elf32) => Self::headers_of::<FileHeader32<Endianness>>(parts),
            Ok(FileKind::Elf64) => Self::headers_of::<FileHeader64<Endianness>>(parts),
            Ok(k) => Err(kind_error(len, Some(k))),
            Err(_) => Err(kind_error(len, None)),
        }
    }

    fn headers_of<Elf: FileHeader<Endian = Endianness>>(parts: &'a Sparse) -> Result<Self, Error> {
        let len = parts.file_len();
        let malformed = |e| malformed(parts, e);
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
                .map_err(|e| Error::elf(format!("section index {i}: bad name: {e}")))?;
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
                    return Err(Error::elf(format!(
                        "section {n} (index {i}) has no file data"
                    )))
                }
            };
            if nobits_data(sh_type, sh.sh_flags(endian).into()) {
                return Err(Error::elf(format!("section {n} is SHT_NOBITS")));
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
            parsed: Parsed::Headers,
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

    /// Runs `f` on the whole file as parsed by the `object` crate: the
    /// parse [`ElfInfo`] was made from, or, after
    /// [`ElfInfo::parse_headers`], a parse of the parts read (`None` when
    /// it does not parse).
    pub fn with_object<T>(&self, f: impl FnOnce(&dyn ObjectView<'a>) -> T) -> Option<T> {
        match (&self.parsed, self.src) {
            (Parsed::Whole(o), _) => Some(f(o)),
            (Parsed::Parts(o), _) => Some(f(o)),
            (Parsed::Headers, Src::Whole(d)) => object::File::parse(d).ok().map(|o| f(&o)),
            (Parsed::Headers, Src::Parts(p)) => object::File::parse(p).ok().map(|o| f(&o)),
        }
    }

    /// The file's byte order, as the `object` crate's endian type.
    pub fn endian(&self) -> Endianness {
        if self.big_endian {
            Endianness::Big
        } else {
            Endianness::Little
        }
    }

    /// Reads a `u32` in the file's byte order.
    pub fn read_u32(&self, b: &[u8], off: usize) -> Option<u32> {
        let w: [u8; 4] = b.get(off..off.checked_add(4)?)?.try_into().ok()?;
        Some(self.endian().read_u32_bytes(w))
    }

    /// Writes a `u32` in the file's byte order.
    pub fn write_u32(&self, b: &mut [u8], off: usize, v: u32) -> bool {
        match off.checked_add(4).and_then(|e| b.get_mut(off..e)) {
            Some(w) => {
                w.copy_from_slice(&self.endian().write_u32_bytes(v));
                true
            }
            None => false,
        }
    }
}

fn check_range(len: u64, s: SectionInfo, name: &str) -> Result<(), Error> {
    match s.file_offset.checked_add(s.size) {
        Some(end) if end <= len => Ok(()),
        _ => Err(Error::elf(format!(
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

/// A copy of the `T` at the start of `b`, whatever the alignment of `b`
/// (`None` when `b` is shorter than a `T`): an ELF file header or section
/// header, read with the `object` crate's typed structs.
fn read_pod<T: Pod>(b: &[u8]) -> Option<T> {
    /// Room for the largest of them (64 bytes), aligned for any of them.
    #[repr(C, align(8))]
    struct Aligned([u8; 64]);
    let n = size_of::<T>();
    let mut buf = Aligned([0; 64]);
    buf.0.get_mut(..n)?.copy_from_slice(b.get(..n)?);
    object::pod::from_bytes::<T>(&buf.0[..n])
        .ok()
        .map(|(t, _)| *t)
}

/// The file offset an ELF parse error most likely concerns, from our own
/// checks of the two header tables (the ones the `object` crate makes, in
/// its order): the program header table's offset when that table is out of
/// range (or has the wrong entry size), the section header table's when
/// that one is (section 0 included: it holds the counts that overflow the
/// ELF header); 0, the ELF header, when the header itself or its
/// `e_shstrndx` is wrong; else the section header table's (the error is in
/// a section those headers describe: symbols, strings, relocations).
fn header_offset_for<'d, R: ReadRef<'d>>(r: R) -> u64 {
    match r.read_bytes_at(4, 1).map(|c| c[0]) {
        Ok(ELFCLASS64) => table_offset_for::<FileHeader64<Endianness>, R>(r),
        Ok(ELFCLASS32) => table_offset_for::<FileHeader32<Endianness>, R>(r),
        _ => 0,
    }
}

/// [`header_offset_for`] for a file of header type `Elf`.
fn table_offset_for<'d, Elf: FileHeader<Endian = Endianness>, R: ReadRef<'d>>(r: R) -> u64 {
    let Ok(h) = Elf::parse(r) else {
        return 0;
    };
    let Ok(e) = h.endian() else {
        return 0;
    };
    let phoff: u64 = h.e_phoff(e).into();
    let shoff: u64 = h.e_shoff(e).into();
    let entsize_ok = usize::from(h.e_shentsize(e)) == size_of::<Elf::SectionHeader>();
    // Section 0 (none without a section header table); Err when it is out
    // of range.
    let section_0 = || -> Result<Option<&'d Elf::SectionHeader>, ()> {
        match shoff {
            0 => Ok(None),
            _ if !entsize_ok => Err(()),
            _ => r.read_at::<Elf::SectionHeader>(shoff).map(Some),
        }
    };
    if phoff != 0 {
        let phnum = match h.e_phnum(e) {
            n if n < object::elf::PN_XNUM => usize::from(n),
            // The count is in section 0: one out of range is the section
            // header table's fault (and none at all, with `e_shoff` 0,
            // gives 0 too).
            _ => match section_0() {
                Ok(Some(s)) => s.sh_info(e) as usize,
                _ => return shoff,
            },
        };
        let entsize_ok = usize::from(h.e_phentsize(e)) == size_of::<Elf::ProgramHeader>();
        if phnum != 0
            && (!entsize_ok || r.read_slice_at::<Elf::ProgramHeader>(phoff, phnum).is_err())
        {
            return phoff;
        }
    }
    if shoff == 0 {
        return 0;
    }
    let shnum = match h.e_shnum(e) {
        0 => match section_0() {
            // A count this machine cannot hold is the ELF header's.
            Ok(Some(s)) => match usize::try_from(s.sh_size(e).into()) {
                Ok(n) => n,
                Err(_) => return 0,
            },
            _ => return shoff,
        },
        n => usize::from(n),
    };
    if shnum == 0 {
        return shoff;
    }
    if !entsize_ok {
        return shoff;
    }
    let Ok(sections) = r.read_slice_at::<Elf::SectionHeader>(shoff, shnum) else {
        return shoff;
    };
    // `e_shstrndx`, a field of the ELF header, must name a section whose
    // range does not overflow.
    let index = match h.e_shstrndx(e) {
        object::elf::SHN_XINDEX => match section_0() {
            Ok(Some(s)) => s.sh_link(e),
            _ => return shoff,
        },
        i => u32::from(i),
    };
    let names = match index {
        0 => None,
        i => sections.get(i as usize),
    };
    match names.map(|s| s.file_range(e)) {
        None => 0,
        Some(Some((o, n))) if o.checked_add(n).is_none() => 0,
        Some(_) => shoff,
    }
}
