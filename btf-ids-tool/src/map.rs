//! Reading input files: one `read` for ordinary files; a read-only private
//! memory map for the kernel's BTF under `/sys/kernel/btf/`, whose sysfs
//! reads are cut into 4 KiB pieces (about 1,350 `read` calls for vmlinux)
//! while a map costs one call (Linux 6.16+ allows mapping these files; older
//! kernels refuse and we fall back to reading).
//!
//! This is the crate's only `unsafe`: mapping a file is unsound in general
//! if another process truncates or rewrites it while mapped. We map only
//! `/sys/kernel/btf/*`, which the kernel never changes while it runs.

use std::fs::File;
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
    std::fs::read(path).map(Contents::Owned)
}
