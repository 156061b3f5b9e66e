//! The sparse loader: reads the ELF header, the program and section header
//! tables and the section names, then only the sections the work needs,
//! each with one `pread` (see the parent module's docs). The headers are
//! decoded with the `object` crate's typed ELF structs; nothing is checked
//! here: the parse that follows ([`Loaded::elf`]) checks everything read.

use super::{read_pod, ElfInfo, SectionInfo, BTF_IDS_SECTION, BTF_SECTION};
use crate::input::Sparse;
use crate::Error;
use object::elf::{FileHeader32, FileHeader64, ELFCLASS64, ELFDATA2MSB};
use object::read::elf::{FileHeader, SectionHeader};
use object::Endianness;
use std::path::Path;

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

    /// The string section of the `.BTF` at `sec` when [`Want::btf_strings`]
    /// read it (or the whole section was read).
    pub fn btf_strings(&self, sec: SectionInfo) -> Option<&[u8]> {
        let (o, n) = btf_strings_range(&self.parts, sec.file_offset, sec.size)?;
        self.parts.get(o, n)
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

/// A section header as far as planning the reads needs it.
#[derive(Clone, Copy)]
struct RawSec {
    name: u32,
    sh_type: u32,
    offset: u64,
    size: u64,
    link: u32,
    info: u32,
}

impl RawSec {
    fn of<S: SectionHeader<Endian = Endianness>>(sh: &S, e: Endianness) -> RawSec {
        RawSec {
            name: sh.sh_name(e),
            sh_type: sh.sh_type(e),
            offset: sh.sh_offset(e).into(),
            size: sh.sh_size(e).into(),
            link: sh.sh_link(e),
            info: sh.sh_info(e),
        }
    }

    /// The file range of the data (none for SHT_NOBITS).
    fn data(&self) -> Option<(u64, u64)> {
        (self.sh_type != object::elf::SHT_NOBITS).then_some((self.offset, self.size))
    }
}

/// Reads the regular file `path` for `want` (see the module docs): its ELF
/// header, program and section headers and section names, then the
/// sections needed. Not an ELF file, or `want.whole`: read whole.
pub fn load(path: &Path, want: Want) -> Result<Loaded, Error> {
    let p = path.display().to_string();
    let (parts, meta) = Sparse::open(path).map_err(|e| Error::read(e).file(&p))?;
    load_parts(path, parts, meta, want)
}

/// [`load`] on a file opened already (`parts` may hold parts read).
pub fn load_parts(
    path: &Path,
    mut parts: Sparse,
    meta: std::fs::Metadata,
    want: Want,
) -> Result<Loaded, Error> {
    let io = |e: std::io::Error| Error::read(e).file(&path.display().to_string());
    let len = parts.file_len();
    let whole = |mut parts: Sparse, meta| -> Result<Loaded, Error> {
        parts.add(0, len).map_err(io)?;
        Ok(Loaded {
            parts,
            meta,
            symbols: true,
            ids_only: want.ids_only,
        })
    };
    if want.whole {
        return whole(parts, meta);
    }
    parts.add(0, 0x40).map_err(io)?;
    // A copy (the reads below need `parts`), zero past the end of a file
    // shorter than a 64-bit header: such a file was read whole just now,
    // so what the fields there say reads nothing more.
    let mut head = [0u8; 0x40];
    let read = parts.get(0, len.min(0x40)).unwrap_or(&[]);
    head[..read.len()].copy_from_slice(read);
    if read.len() < 0x34 || !head.starts_with(b"\x7fELF") || !matches!(head[4], 1 | 2) {
        // Not ELF (or too short to say): the whole parse gives the error.
        return whole(parts, meta);
    }
    let symbols = if head[4] == ELFCLASS64 {
        plan::<FileHeader64<Endianness>>(&mut parts, &head, want)
    } else {
        plan::<FileHeader32<Endianness>>(&mut parts, &head, want)
    }
    .map_err(io)?;
    Ok(Loaded {
        parts,
        meta,
        symbols,
        ids_only: want.ids_only,
    })
}

/// Reads what `want` needs of an ELF file of header type `Elf` whose
/// first 64 bytes are `head` (read already); whether the symbol tables
/// were read.
fn plan<Elf: FileHeader<Endian = Endianness>>(
    parts: &mut Sparse,
    head: &[u8; 0x40],
    want: Want,
) -> std::io::Result<bool> {
    let len = parts.file_len();
    // `head` holds a header of either class.
    let Some(h) = read_pod::<Elf>(head) else {
        return Ok(true);
    };
    let e = if head[5] == ELFDATA2MSB {
        Endianness::Big
    } else {
        Endianness::Little
    };
    let phoff: u64 = h.e_phoff(e).into();
    let shoff: u64 = h.e_shoff(e).into();
    let phentsize = u64::from(h.e_phentsize(e));
    let shentsize = u64::from(h.e_shentsize(e));
    let mut phnum = u64::from(h.e_phnum(e));
    let mut shnum = u64::from(h.e_shnum(e));
    let mut shstrndx = u64::from(h.e_shstrndx(e));
    let shent = std::mem::size_of::<Elf::SectionHeader>() as u64;
    let raw = |parts: &Sparse, i: u64| -> Option<RawSec> {
        let b = parts.get(shoff.checked_add(i.checked_mul(shentsize)?)?, shent)?;
        read_pod::<Elf::SectionHeader>(b).map(|s| RawSec::of(&s, e))
    };
    // Section 0 holds the real counts when they do not fit the header.
    let xnum = u64::from(object::elf::PN_XNUM);
    let xindex = u64::from(object::elf::SHN_XINDEX);
    if shoff != 0 && (shnum == 0 || shstrndx == xindex || phnum == xnum) {
        parts.add(shoff, shent)?;
        if let Some(s0) = raw(parts, 0) {
            if shnum == 0 {
                shnum = s0.size;
            }
            if shstrndx == xindex {
                shstrndx = u64::from(s0.link);
            }
            if phnum == xnum {
                phnum = u64::from(s0.info);
            }
        }
    }
    if phoff != 0 {
        parts.add(phoff, phnum.saturating_mul(phentsize))?;
    }
    if shoff != 0 {
        parts.add(shoff, shnum.saturating_mul(shentsize))?;
    }
    let secs: Vec<RawSec> = (0..shnum.min(len / shentsize.max(1) + 1))
        .map_while(|i| raw(parts, i))
        .collect();
    let strtab = secs.get(shstrndx as usize).and_then(RawSec::data);
    if let Some((o, n)) = strtab {
        parts.add(o, n)?;
    }
    let names = strtab
        .and_then(|(o, n)| parts.get(o, n.min(len.saturating_sub(o))))
        .unwrap_or(&[]);
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
                ranges.extend(s.data());
                ranges.extend(secs.get(s.link as usize).and_then(RawSec::data));
                for x in &secs {
                    if x.sh_type == object::elf::SHT_SYMTAB_SHNDX && x.link as usize == i {
                        ranges.extend(x.data());
                    }
                }
            }
        }
        ranges.extend(ids.as_ref().and_then(RawSec::data));
    }
    if (symbols && want.btf) || want.btf_always {
        ranges.extend(btf.as_ref().and_then(RawSec::data));
    } else if want.btf_strings && !symbols {
        if let Some((o, n)) = btf.as_ref().and_then(RawSec::data) {
            parts.add(o, n.min(24))?;
            if let Some((so, sn)) = btf_strings_range(parts, o, n) {
                ranges.push((so, sn));
            }
        }
    }
    ranges.sort_unstable();
    for (o, n) in ranges {
        parts.add(o, n)?;
    }
    Ok(symbols)
}
