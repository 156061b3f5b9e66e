//! Writing ELF header fields (reading is the parent module's): a header is
//! read with the `object` crate's typed structs, changed field by field
//! through its endian types and written back where it was, as the same
//! number of bytes. Nothing else in the image moves.

use super::read_pod;
use crate::Error;
use object::elf::{FileHeader32, FileHeader64, SectionHeader32, SectionHeader64, ELFCLASS64};
use object::pod::bytes_of;
use object::read::elf::{FileHeader, SectionHeader};
use object::{Endianness, U32, U64};

/// A section header of an ELF image, read to be changed and written back
/// ([`SectionHeaderEdit::write`]).
pub struct SectionHeaderEdit {
    /// The header's offset in the image.
    at: usize,
    endian: Endianness,
    header: Header,
}

/// The header, of either class.
enum Header {
    Elf32(SectionHeader32<Endianness>),
    Elf64(SectionHeader64<Endianness>),
}

impl SectionHeaderEdit {
    /// Reads the header of section `index` of the ELF image `img` (a file
    /// that parsed), where the ELF header's `e_shoff` and `e_shentsize`
    /// place it.
    pub fn read(img: &[u8], index: usize) -> Result<Self, Error> {
        if img.get(4) == Some(&ELFCLASS64) {
            let (at, endian, sh) = locate::<FileHeader64<Endianness>>(img, index)?;
            Ok(SectionHeaderEdit {
                at,
                endian,
                header: Header::Elf64(sh),
            })
        } else {
            let (at, endian, sh) = locate::<FileHeader32<Endianness>>(img, index)?;
            Ok(SectionHeaderEdit {
                at,
                endian,
                header: Header::Elf32(sh),
            })
        }
    }

    /// `sh_flags`.
    pub fn flags(&self) -> u64 {
        match &self.header {
            Header::Elf32(s) => s.sh_flags(self.endian).into(),
            Header::Elf64(s) => s.sh_flags(self.endian),
        }
    }

    /// Sets `sh_offset` and `sh_size` (in an ELFCLASS32 file, when they fit
    /// its 32-bit fields).
    pub fn set_range(&mut self, offset: u64, size: u64) -> Result<(), Error> {
        let e = self.endian;
        match &mut self.header {
            Header::Elf32(s) => {
                let (Ok(o), Ok(n)) = (u32::try_from(offset), u32::try_from(size)) else {
                    return Err(Error::refused(format!(
                        "section range {offset:#x}+{size:#x} does not fit ELFCLASS32"
                    )));
                };
                s.sh_offset = U32::new(e, o);
                s.sh_size = U32::new(e, n);
            }
            Header::Elf64(s) => {
                s.sh_offset = U64::new(e, offset);
                s.sh_size = U64::new(e, size);
            }
        }
        Ok(())
    }

    /// Writes the header back into `img` (the image it was read from, or
    /// a copy of it, grown or not).
    pub fn write(&self, img: &mut [u8]) -> Result<(), Error> {
        let bytes = match &self.header {
            Header::Elf32(s) => bytes_of(s),
            Header::Elf64(s) => bytes_of(s),
        };
        match img.get_mut(self.at..self.at + bytes.len()) {
            Some(dst) => {
                dst.copy_from_slice(bytes);
                Ok(())
            }
            None => Err(past_end(self.at as u64)),
        }
    }
}

fn past_end(at: u64) -> Error {
    Error::elf("section header past the end of the file").at(at)
}

/// The offset, byte order and contents of section header `index` of `img`.
fn locate<Elf: FileHeader<Endian = Endianness>>(
    img: &[u8],
    index: usize,
) -> Result<(usize, Endianness, Elf::SectionHeader), Error> {
    let h = read_pod::<Elf>(img).ok_or_else(|| Error::elf("truncated ELF header").at(0))?;
    let e = if h.is_big_endian() {
        Endianness::Big
    } else {
        Endianness::Little
    };
    let shoff: u64 = h.e_shoff(e).into();
    let at = usize::try_from(shoff)
        .ok()
        .and_then(|o| o.checked_add(index.checked_mul(usize::from(h.e_shentsize(e)))?))
        .ok_or_else(|| past_end(shoff))?;
    let sh = img
        .get(at..)
        .and_then(read_pod::<Elf::SectionHeader>)
        .ok_or_else(|| past_end(at as u64))?;
    Ok((at, e, sh))
}
