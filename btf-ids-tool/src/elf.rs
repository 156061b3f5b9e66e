//! Reading the parts of an ELF file that `.BTF_ids` work needs, through the
//! `object` crate (safe, bounds-checked parsing). Writing is separate (see
//! [`crate::write`]): we patch bytes at known file offsets and never let a
//! library re-lay-out the file.

use crate::Error;
use object::read::{Object, ObjectSection, ObjectSymbol, ObjectSymbolTable};
use object::{FileKind, SectionKind, SymbolKind, SymbolSection};

/// Name of the section the macros and btf_ids.h emit into.
pub const BTF_IDS_SECTION: &str = ".BTF_ids";
/// Name of the BTF section.
pub const BTF_SECTION: &str = ".BTF";
/// Prefix of every symbol that resolve_btfids patches.
pub const BTF_ID_PREFIX: &[u8] = b"__BTF_ID__";

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

/// What we read from an ELF file.
#[derive(Debug)]
pub struct ElfInfo<'a> {
    /// The whole file.
    pub data: &'a [u8],
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

fn section_info<'d>(sec: &object::Section<'d, '_>) -> Result<SectionInfo, Error> {
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

impl<'a> ElfInfo<'a> {
    /// Parses `data` as an ELF file of either class and byte order.
    pub fn parse(data: &'a [u8]) -> Result<Self, Error> {
        match FileKind::parse(data) {
            Ok(FileKind::Elf32) | Ok(FileKind::Elf64) => {}
            Ok(k) => return Err(Error::new(format!("not an ELF file ({k:?})")).at(0)),
            Err(_) => {
                let what = if data.len() < 16 {
                    format!("truncated file ({} bytes)", data.len())
                } else {
                    "not an ELF file (bad magic)".to_string()
                };
                return Err(Error::new(what).at(0));
            }
        }
        let file = object::File::parse(data).map_err(|e| {
            Error::new(format!("malformed ELF: {e}")).at(header_offset_for(data, &e.to_string()))
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
            check_range(data, s, BTF_IDS_SECTION)?;
        }
        if let Some(s) = btf {
            check_range(data, s, BTF_SECTION)?;
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
                if !in_ids {
                    if name.starts_with(BTF_ID_PREFIX) && sym.section() != SymbolSection::Undefined
                    {
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
            data,
            is_64,
            big_endian,
            btf_ids,
            btf,
            has_symtab,
            symbols,
            stray,
        })
    }

    /// The bytes of a section.
    pub fn section_bytes(&self, s: SectionInfo) -> &'a [u8] {
        // Ranges were checked in `parse`.
        &self.data[s.file_offset as usize..(s.file_offset + s.size) as usize]
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

fn check_range(data: &[u8], s: SectionInfo, name: &str) -> Result<(), Error> {
    match s.file_offset.checked_add(s.size) {
        Some(end) if end <= data.len() as u64 => Ok(()),
        _ => Err(Error::new(format!(
            "section {name} ({:#x}+{:#x}) runs past the end of the file ({:#x} bytes)",
            s.file_offset,
            s.size,
            data.len()
        ))
        .at(s.file_offset)),
    }
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
