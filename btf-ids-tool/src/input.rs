//! Reading input files: one `read` for ordinary files; a read-only private
//! memory map for the kernel's BTF under `/sys/kernel/btf/`, whose sysfs
//! reads are cut into 4 KiB pieces (about 1,350 `read` calls for vmlinux)
//! while a map costs one call (Linux 6.16+ allows mapping these files; older
//! kernels refuse and we fall back to reading).
//!
//! This is the crate's only `unsafe`: mapping a file is unsound in general
//! if another process truncates or rewrites it while mapped. We map only
//! `/sys/kernel/btf/*`, which the kernel never changes while it runs.

use std::fs::{File, Metadata};
use std::io::Read;
use std::ops::Deref;
use std::path::Path;

/// File contents, read or mapped.
pub enum Contents {
    /// Read into memory.
    Owned(Vec<u8>),
    /// Mapped read-only.
    Mapped(memmap2::Mmap),
    /// The bytes `.1..` (`.2` of them) of a file read in parts (a section).
    Part(Sparse, u64, u64),
}

impl Deref for Contents {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Contents::Owned(v) => v,
            Contents::Mapped(m) => m,
            Contents::Part(s, off, len) => s.get(*off, *len).unwrap_or(&[]),
        }
    }
}

/// What a path names when it is not a regular file, for the refusal.
fn not_regular(meta: &Metadata) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_file() {
        None
    } else if t.is_dir() {
        Some("a directory")
    } else if t.is_fifo() {
        Some("a FIFO")
    } else if t.is_char_device() {
        Some("a character device")
    } else if t.is_block_device() {
        Some("a block device")
    } else if t.is_socket() {
        Some("a socket")
    } else {
        Some("not a regular file")
    }
}

/// Opens `path` for reading, refusing at once anything but a regular file
/// (a FIFO would block, `/dev/zero` never ends).
pub fn open_regular(path: &Path) -> std::io::Result<(File, Metadata)> {
    // O_NONBLOCK: opening a FIFO must not wait for a writer.
    use std::os::unix::fs::OpenOptionsExt;
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(0o4000)
        .open(path)?;
    let meta = f.metadata()?;
    if let Some(what) = not_regular(&meta) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("is {what}; btf-ids reads regular files only"),
        ));
    }
    Ok((f, meta))
}

/// Reads the regular file `path` whole: at most the size it has when
/// opened, and an error if it then turns out longer or shorter.
pub fn read_regular(path: &Path) -> std::io::Result<(Vec<u8>, Metadata)> {
    let (f, meta) = open_regular(path)?;
    let len = meta.len();
    let mut data = Vec::with_capacity(len as usize);
    f.take(len + 1).read_to_end(&mut data)?;
    if data.len() as u64 != len {
        return Err(std::io::Error::other(format!(
            "changed size while being read ({len} bytes, then {})",
            data.len()
        )));
    }
    Ok((data, meta))
}

/// Reads `path`, mapping it when it is kernel BTF in sysfs.
pub fn load(path: &Path) -> std::io::Result<Contents> {
    if path.starts_with("/sys/kernel/btf/") {
        if let Ok(f) = File::open(path) {
            #[allow(unsafe_code)]
            // SAFETY: /sys/kernel/btf files are immutable while the system
            // runs (see the module docs); the map is private and read-only.
            let m = unsafe { memmap2::MmapOptions::new().map_copy_read_only(&f) };
            if let Ok(m) = m {
                if !m.is_empty() {
                    return Ok(Contents::Mapped(m));
                }
            }
        }
    }
    read_regular(path).map(|(d, _)| Contents::Owned(d))
}

/// Parts of a regular file, read with `pread` (no map, no whole read):
/// what a kernel build's resolve needs of a vmlinux of hundreds of MB, or
/// of a module with nothing to do, is its ELF headers and a few sections.
/// A [`object::ReadRef`]: the `object` crate parses an ELF file from it as
/// from the whole file, as long as what it reads was read ([`Sparse::add`]);
/// anything else is an error, as past the end of a file.
///
/// Each part sits at the same address modulo 16 as its file offset has in
/// a 16-byte aligned buffer of the whole file, so that alignment checks
/// come out as they would on the whole file.
pub struct Sparse {
    file: File,
    len: u64,
    /// Sorted and disjoint (touching ranges are merged).
    parts: Vec<Part>,
}

/// One range read.
struct Part {
    /// File offset.
    off: u64,
    /// The bytes, from `pad` on, `len` of them.
    buf: Vec<u8>,
    pad: usize,
    len: usize,
}

impl Part {
    fn end(&self) -> u64 {
        self.off + self.len as u64
    }

    fn data(&self) -> &[u8] {
        &self.buf[self.pad..self.pad + self.len]
    }
}

/// The bytes of an empty read, at every residue modulo 16.
#[repr(align(16))]
struct Empty([u8; 32]);
static EMPTY: Empty = Empty([0; 32]);

impl Sparse {
    /// Opens the regular file `path` (see [`open_regular`]), reading
    /// nothing yet.
    pub fn open(path: &Path) -> std::io::Result<(Sparse, Metadata)> {
        let (file, meta) = open_regular(path)?;
        Ok((
            Sparse {
                file,
                len: meta.len(),
                parts: Vec::new(),
            },
            meta,
        ))
    }

    /// The file's size when it was opened.
    pub fn file_len(&self) -> u64 {
        self.len
    }

    /// The open file (for reads in pieces that are not kept).
    pub fn file(&self) -> &File {
        &self.file
    }

    /// Reads `off..off + len` (clipped to the file), merged with the parts
    /// it touches or overlaps.
    pub fn add(&mut self, off: u64, len: u64) -> std::io::Result<()> {
        let (mut lo, mut hi) = (off.min(self.len), off.saturating_add(len).min(self.len));
        if lo >= hi {
            return Ok(());
        }
        // Parts that overlap or touch [lo, hi) are read again as one.
        let first = self.parts.partition_point(|p| p.end() < lo);
        let mut last = first;
        while let Some(p) = self.parts.get(last) {
            if p.off > hi {
                break;
            }
            lo = lo.min(p.off);
            hi = hi.max(p.end());
            last += 1;
        }
        if last == first + 1 && self.parts[first].off == lo && self.parts[first].end() == hi {
            return Ok(());
        }
        let n = (hi - lo) as usize;
        let mut buf = vec![0u8; n + 16];
        let pad = (lo as usize).wrapping_sub(buf.as_ptr() as usize) & 15;
        use std::os::unix::fs::FileExt;
        let dst = &mut buf[pad..pad + n];
        let mut done = 0;
        while done < n {
            match self.file.read_at(&mut dst[done..], lo + done as u64) {
                Ok(0) => {
                    return Err(std::io::Error::other(format!(
                        "changed size while being read ({} bytes, then {})",
                        self.len,
                        lo + done as u64
                    )))
                }
                Ok(k) => done += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.parts.splice(
            first..last,
            [Part {
                off: lo,
                buf,
                pad,
                len: n,
            }],
        );
        Ok(())
    }

    /// The bytes `off..off + len`, when they were read.
    pub fn get(&self, off: u64, len: u64) -> Option<&[u8]> {
        if len == 0 {
            if off > self.len {
                return None;
            }
            let r = (off % 16) as usize;
            return Some(&EMPTY.0[r..r]);
        }
        let i = self
            .parts
            .partition_point(|p| p.off <= off)
            .checked_sub(1)?;
        let p = &self.parts[i];
        let rel = (off - p.off) as usize;
        p.data()
            .get(rel..rel.checked_add(usize::try_from(len).ok()?)?)
    }
}

impl<'a> object::ReadRef<'a> for &'a Sparse {
    fn len(self) -> Result<u64, ()> {
        Ok(self.len)
    }

    fn read_bytes_at(self, offset: u64, size: u64) -> Result<&'a [u8], ()> {
        self.get(offset, size).ok_or(())
    }

    fn read_bytes_at_until(
        self,
        range: std::ops::Range<u64>,
        delimiter: u8,
    ) -> Result<&'a [u8], ()> {
        // As on the whole file: the range must lie in it.
        if range.start >= range.end || range.end > self.len {
            return Err(());
        }
        let i = self
            .parts
            .partition_point(|p| p.off <= range.start)
            .checked_sub(1)
            .ok_or(())?;
        let p = &self.parts[i];
        let data = p.data();
        let rel = (range.start - p.off) as usize;
        let end = ((range.end - p.off) as usize).min(data.len());
        let bytes = data.get(rel..end).ok_or(())?;
        match crate::bytes::memchr(delimiter, bytes) {
            Some(n) => Ok(&bytes[..n]),
            None => Err(()),
        }
    }
}
