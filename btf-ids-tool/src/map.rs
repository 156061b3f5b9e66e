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
}

impl Deref for Contents {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Contents::Owned(v) => v,
            Contents::Mapped(m) => m,
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
