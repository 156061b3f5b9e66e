//! Replays the fuzz seeds (fuzz/seeds) and any regression inputs
//! (fuzz/regressions/<target>/) through the code the fuzz targets drive,
//! plus truncations and bit flips of each: none may panic.

use btf_ids_tool::btf::Btf;
use btf_ids_tool::btf_fix::{self, FixOptions};
use btf_ids_tool::cmd::{inspect_data, inspect_text, BtfSource};
use btf_ids_tool::elf::ElfInfo;
use btf_ids_tool::resolve::Collected;
use std::path::{Path, PathBuf};

fn files(dirs: &[&str]) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut v = Vec::new();
    for d in dirs {
        if let Ok(rd) = std::fs::read_dir(root.join(d)) {
            v.extend(rd.flatten().map(|e| e.path()));
        }
    }
    v.sort();
    v
}

fn variants(data: &[u8]) -> Vec<Vec<u8>> {
    let mut v = vec![data.to_vec()];
    for cut in [
        0,
        1,
        8,
        24,
        52,
        64,
        data.len() / 2,
        data.len().saturating_sub(1),
    ] {
        v.push(data[..cut.min(data.len())].to_vec());
    }
    for i in (0..data.len()).step_by(37) {
        let mut d = data.to_vec();
        d[i] ^= 0xff;
        v.push(d);
    }
    v
}

/// The repairs `resolve` makes to a module's own BTF, and the checks behind
/// them: any input, no panic.
fn fix_target(data: &[u8], base: Option<&Btf<'_>>) {
    for kernel_types in [true, false] {
        let opts = FixOptions {
            kernel_types,
            ptr_size: 8,
        };
        if let Ok(f) = btf_fix::fix(data, base, opts) {
            if let Some(new) = f.btf {
                assert_eq!(new.len(), data.len(), "a repair changed the size");
            }
        }
    }
    if let Ok(b) = Btf::parse_split(data, base) {
        let _ = btf_fix::problems(&b, true, 4);
    }
}

fn btf_target(data: &[u8]) {
    if let Ok(b) = Btf::parse(data) {
        for id in 0..b.type_count().min(4096) {
            let _ = b.type_name(id);
            let _ = b.skip_mods_and_typedefs(id);
        }
    }
    fix_target(data, None);
    if data.len() > 2 {
        let cut = (data[0] as usize * 256 + data[1] as usize) % data.len();
        let (base, split) = data[2..].split_at(cut.min(data.len() - 2));
        if let Ok(base) = Btf::parse(base) {
            let _ = Btf::parse_split(split, Some(&base));
            fix_target(split, Some(&base));
        }
    }
}

fn inspect_target(data: &[u8]) {
    if let Ok(r) = inspect_data(Path::new("fuzz.o"), data, &BtfSource::default()) {
        let _ = inspect_text(&r);
    }
    if let Ok(elf) = ElfInfo::parse(data) {
        if let Some(sec) = elf.btf_ids {
            if let Ok(c) = Collected::collect(&elf, sec) {
                let mut ids = elf.section_bytes(sec).to_vec();
                let _ = c.patch(&elf, &mut ids);
            }
        }
    }
}

#[test]
fn btf_seeds_do_not_panic() {
    let f = files(&["seeds/btf", "regressions/btf"]);
    assert!(!f.is_empty());
    for p in f {
        for v in variants(&std::fs::read(&p).unwrap()) {
            btf_target(&v);
        }
    }
}

#[test]
fn elf_seeds_do_not_panic() {
    let f = files(&["seeds/elf", "regressions/inspect"]);
    assert!(!f.is_empty());
    for p in f {
        for v in variants(&std::fs::read(&p).unwrap()) {
            inspect_target(&v);
        }
    }
}
