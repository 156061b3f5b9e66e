//! Finding the modules of an installed kernel that carry `.BTF_ids`,
//! reading nothing but each module's ELF section headers (after
//! decompressing it: Debian ships `.ko.xz`, single-block xz streams, so the
//! section header table at the end of the file is reached only by
//! decompressing all of it).

use object::elf::FileHeader64;
use object::read::elf::{FileHeader, SectionHeader};
use object::LittleEndian;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Every `*.ko` and `*.ko.xz` under `dir`, sorted.
pub fn modules(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let rd = std::fs::read_dir(&d).unwrap_or_else(|e| panic!("read {}: {e}", d.display()));
        for e in rd.flatten() {
            let p = e.path();
            let ft = e.file_type().unwrap();
            let n = e.file_name().to_string_lossy().into_owned();
            if ft.is_dir() {
                todo.push(p);
            } else if n.ends_with(".ko") || n.ends_with(".ko.xz") {
                out.push(p);
            } else if n.ends_with(".ko.zst") || n.ends_with(".ko.gz") {
                panic!(
                    "{}: compression this test does not read (Debian 6.12 uses xz)",
                    p.display()
                );
            }
        }
    }
    out.sort();
    out
}

/// The module's ELF image: read, and decompressed when it is `.xz`.
pub fn read_module(path: &Path) -> Vec<u8> {
    let raw = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    if path.extension().is_some_and(|e| e == "xz") {
        let mut out = Vec::with_capacity(raw.len() * 6);
        xz2::read::XzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .unwrap_or_else(|e| panic!("xz-decompress {}: {e}", path.display()));
        out
    } else {
        raw
    }
}

/// Whether the ELF64 little-endian image has a section named `.BTF_ids`
/// (section headers and their names only).
pub fn has_btf_ids(path: &Path, data: &[u8]) -> bool {
    let hdr = FileHeader64::<LittleEndian>::parse(data)
        .unwrap_or_else(|e| panic!("{}: not an ELF64 LE file: {e}", path.display()));
    let sections = hdr
        .sections(LittleEndian, data)
        .unwrap_or_else(|e| panic!("{}: section headers: {e}", path.display()));
    sections.iter().any(|s| {
        sections
            .section_name(LittleEndian, s)
            .is_ok_and(|n| n == b".BTF_ids")
            && s.sh_size(LittleEndian) > 0
    })
}

/// The modules under `dir` with `.BTF_ids` (the number scanned too),
/// decompressing on every CPU.
pub fn modules_with_btf_ids(dir: &Path) -> (usize, Vec<PathBuf>) {
    let all = modules(dir);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut found: Vec<PathBuf> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(p) = all.get(i) else { break };
                        if has_btf_ids(p, &read_module(p)) {
                            mine.push(p.clone());
                        }
                    }
                    mine
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    found.sort();
    (all.len(), found)
}
