//! `btf-ids resolve` end to end, the write included, on a file in memory
//! (tmpfs, `/dev/shm`): the first byte picks the options (in place or
//! `-o`, `--strict`, `--kfunc-tags`, the file's own BTF or a fixed one, the
//! fixed one as `-b` base), the rest is the object.
//!
//! Whatever the input, the tool must not panic, and:
//! - on failure, the file is exactly what it was and no `-o` file appears;
//! - on success with `-o`, the input is untouched;
//! - on success without `--kfunc-tags`, the result keeps the input's size
//!   and every byte outside `.BTF_ids` and `.BTF`.
#![no_main]

use btf_ids_tool::internals::{resolve, BtfSource, ResolveOptions};
use btf_ids_tool::internals::ElfInfo;
use libfuzzer_sys::fuzz_target;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;


struct Paths {
    dir: PathBuf,
    btf: PathBuf,
}

fn paths() -> &'static Paths {
    static P: OnceLock<Paths> = OnceLock::new();
    P.get_or_init(|| {
        let root = if Path::new("/dev/shm").is_dir() {
            PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        };
        let dir = root.join(format!("btf-ids-fuzz-resolve-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch directory");
        let btf = dir.join("base.btf");
        std::fs::write(&btf, btf_ids_tool::internals::small_btf()).expect("fixed BTF");
        Paths { dir, btf }
    })
}

/// Byte ranges of `.BTF_ids` and `.BTF` in `data`, as the tool may write.
fn writable(data: &[u8]) -> Vec<(usize, usize)> {
    // The object crate wants its headers aligned, as a file read into a
    // fresh buffer is (the fuzz input starts one byte in).
    let data = data.to_vec();
    let Ok(elf) = ElfInfo::parse(&data) else {
        return Vec::new();
    };
    [elf.btf_ids, elf.btf]
        .into_iter()
        .flatten()
        .map(|s| (s.file_offset as usize, (s.file_offset + s.size) as usize))
        .collect()
}

fuzz_target!(|input: &[u8]| {
    let Some((&knobs, data)) = input.split_first() else {
        return;
    };
    let p = paths();
    let file = p.dir.join("in.o");
    let out = p.dir.join("out.o");
    let _ = std::fs::remove_file(&out);
    std::fs::write(&file, data).expect("write the input");
    let to_out = knobs & 1 != 0;
    let opts = ResolveOptions {
        src: match (knobs >> 3) & 3 {
            0 => BtfSource::default(),
            1 => BtfSource {
                btf: Some(p.btf.clone()),
                base: None,
            },
            _ => BtfSource {
                btf: None,
                base: Some(p.btf.clone()),
            },
        },
        verbose: 0,
        strict: knobs & 2 != 0,
        output: to_out.then(|| out.clone()),
        kfunc_tags: knobs & 4 != 0,
        fsync: false,
        no_kernel_types: knobs & 32 != 0,
    };
    let result = resolve(&file, &opts);
    let after = std::fs::read(&file).expect("read the input back");
    match result {
        Err(_) => {
            assert_eq!(after, data, "a failed resolve changed the file");
            assert!(!out.exists(), "a failed resolve left an output");
        }
        Ok(_) => {
            let written = if to_out {
                assert_eq!(after, data, "-o changed the input");
                std::fs::read(&out).expect("the output exists")
            } else {
                after
            };
            if !opts.kfunc_tags {
                assert_eq!(written.len(), data.len(), "resolve changed the size");
                let ranges = writable(data);
                for (i, (a, b)) in data.iter().zip(&written).enumerate() {
                    if a != b {
                        assert!(
                            ranges.iter().any(|&(s, e)| (s..e).contains(&i)),
                            "byte {i:#x} outside .BTF_ids and .BTF changed"
                        );
                    }
                }
            }
        }
    }
});
