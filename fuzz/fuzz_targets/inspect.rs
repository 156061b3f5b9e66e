//! `inspect`'s ELF path on arbitrary bytes: ELF parsing, layout recovery,
//! the text report, and resolve's symbol collection and patching against a
//! small fixed BTF.
#![no_main]

use btf_ids_tool::btf::Btf;
use btf_ids_tool::cmd::{inspect_data, inspect_text, BtfSource};
use btf_ids_tool::elf::ElfInfo;
use btf_ids_tool::resolve::Collected;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

/// int, struct "S", func_proto, func "f", typedef "S".
fn small_btf() -> Vec<u8> {
    let words: [u32; 17] = [
        1,
        1 << 24,
        4,
        32, // int
        5,
        4 << 24,
        4, // struct S (no members), size 4
        0,
        13 << 24,
        1, // func_proto
        7,
        12 << 24,
        3, // func f
        5,
        8 << 24,
        1, // typedef S
        0,
    ];
    let strs = b"\0int\0S\0f\0";
    let tlen = (16 * 4) as u32;
    let mut v = vec![0x9f, 0xeb, 1, 0];
    for w in [24u32, 0, tlen, tlen, strs.len() as u32] {
        v.extend_from_slice(&w.to_le_bytes());
    }
    for w in &words[..16] {
        v.extend_from_slice(&w.to_le_bytes());
    }
    v.extend_from_slice(strs);
    v
}

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = inspect_data(Path::new("fuzz.o"), data, &BtfSource::default()) {
        let _ = inspect_text(&r);
    }
    if let Ok(elf) = ElfInfo::parse(data) {
        if let Some(sec) = elf.btf_ids {
            if let Ok(mut c) = Collected::collect(&elf, sec) {
                let blob = small_btf();
                let btf = Btf::parse(&blob).expect("fixed BTF parses");
                let after = c.resolve(&btf, true);
                // The same names matched during the parse, as `resolve`
                // does it: the same warnings.
                if let Ok(mut c2) = Collected::collect(&elf, sec) {
                    let mut m = c2.matcher();
                    Btf::parse_visiting(&blob, None, &mut m).expect("fixed BTF parses");
                    let during = c2.apply(m.finish(), true);
                    assert_eq!(after, during);
                }
                let mut ids = elf.section_bytes(sec).to_vec();
                let _ = c.patch(&elf, &mut ids);
            }
        }
        if let Some(s) = elf.btf {
            if let Ok(b) = Btf::parse(elf.section_bytes(s)) {
                let _ = b.type_count();
            }
        }
    }
});
