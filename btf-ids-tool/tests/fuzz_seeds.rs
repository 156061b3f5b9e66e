//! Replays the fuzz seeds (fuzz/seeds) and any regression inputs
//! (fuzz/regressions/<target>/) through the code the fuzz targets drive,
//! plus truncations and bit flips of each: none may panic.

use btf_ids_tool::internals::btf_fix::{self, FixOptions};
use btf_ids_tool::internals::Btf;
use btf_ids_tool::internals::Collected;
use btf_ids_tool::internals::ElfInfo;
use btf_ids_tool::internals::{inspect_data, inspect_text, resolve, BtfSource, ResolveOptions};
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

/// Counts the types shown.
struct Count(u32);

impl btf_ids_tool::internals::TypeVisitor<'_> for Count {
    fn kinds(&self) -> u32 {
        u32::MAX
    }
    fn visit(&mut self, _: u32, _: u8, _: &[u8]) {
        self.0 += 1;
    }
}

/// The piecewise reader takes exactly what the parser takes.
fn scan_target(data: &[u8]) {
    use btf_ids_tool::internals::{scan, MemBlob, Scanned};
    let mut c = Count(0);
    let scanned = scan(&MemBlob(data), &mut c).unwrap();
    match (Btf::parse(data), scanned) {
        (Ok(b), Scanned::Valid(n)) => {
            assert_eq!(b.type_count(), n);
            assert_eq!(c.0, n - 1);
        }
        (Err(_), Scanned::Invalid) => {}
        (p, s) => panic!("parse {:?}, scan {s:?}", p.map(|b| b.type_count())),
    }
}

fn btf_target(data: &[u8]) {
    scan_target(data);
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

/// The resolve target's contract (fuzz/fuzz_targets/resolve.rs) on one
/// input: the first byte picks the options, the rest is the file; a
/// failure leaves the file as it was and writes no output; a success
/// without --kfunc-tags changes nothing outside .BTF_ids and .BTF.
fn resolve_target(dir: &Path, btf: &Path, input: &[u8]) {
    let Some((&knobs, data)) = input.split_first() else {
        return;
    };
    let file = dir.join("in.o");
    let out = dir.join("out.o");
    let _ = std::fs::remove_file(&out);
    std::fs::write(&file, data).unwrap();
    let to_out = knobs & 1 != 0;
    let src = match (knobs >> 3) & 3 {
        0 => BtfSource::default(),
        1 => BtfSource {
            btf: Some(btf.to_path_buf()),
            base: None,
        },
        _ => BtfSource {
            btf: None,
            base: Some(btf.to_path_buf()),
        },
    };
    let opts = ResolveOptions {
        src,
        verbose: 0,
        strict: knobs & 2 != 0,
        output: to_out.then(|| out.clone()),
        kfunc_tags: knobs & 4 != 0,
        fsync: false,
        no_kernel_types: knobs & 32 != 0,
    };
    let result = resolve(&file, &opts);
    let after = std::fs::read(&file).unwrap();
    if result.is_err() {
        assert_eq!(after, data, "a failed resolve changed the file");
        assert!(!out.exists(), "a failed resolve left an output");
        return;
    }
    let written = if to_out {
        assert_eq!(after, data, "-o changed the input");
        std::fs::read(&out).unwrap()
    } else {
        after
    };
    if !opts.kfunc_tags {
        assert_eq!(written.len(), data.len());
        let owned = data.to_vec();
        let ranges: Vec<(usize, usize)> = ElfInfo::parse(&owned)
            .map(|e| {
                [e.btf_ids, e.btf]
                    .into_iter()
                    .flatten()
                    .map(|s| (s.file_offset as usize, (s.file_offset + s.size) as usize))
                    .collect()
            })
            .unwrap_or_default();
        for (i, (a, b)) in data.iter().zip(&written).enumerate() {
            if a != b {
                assert!(
                    ranges.iter().any(|&(s, e)| (s..e).contains(&i)),
                    "byte {i:#x} changed"
                );
            }
        }
    }
}

#[test]
fn resolve_seeds_keep_the_file() {
    let f = files(&["seeds/resolve", "regressions/resolve"]);
    assert!(!f.is_empty());
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fuzz-resolve");
    std::fs::create_dir_all(&dir).unwrap();
    let btf = dir.join("base.btf");
    std::fs::write(&btf, btf_ids_tool::internals::small_btf()).unwrap();
    for p in f {
        let input = std::fs::read(&p).unwrap();
        for v in variants(&input[1..]) {
            let mut with_knobs = vec![input[0]];
            with_knobs.extend_from_slice(&v);
            resolve_target(&dir, &btf, &with_knobs);
        }
    }
}
