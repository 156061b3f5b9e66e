//! `inspect`'s ELF path on arbitrary bytes: ELF parsing, layout recovery,
//! the text report, and resolve's symbol collection and patching against a
//! small fixed BTF.
#![no_main]

use btf_ids_tool::internals::Btf;
use btf_ids_tool::internals::{inspect_data, inspect_text, BtfSource};
use btf_ids_tool::internals::ElfInfo;
use btf_ids_tool::internals::Collected;
use libfuzzer_sys::fuzz_target;
use std::path::Path;


fuzz_target!(|data: &[u8]| {
    if let Ok(r) = inspect_data(Path::new("fuzz.o"), data, &BtfSource::default()) {
        let _ = inspect_text(&r);
    }
    if let Ok(elf) = ElfInfo::parse(data) {
        if let Some(sec) = elf.btf_ids {
            if let Ok(mut c) = Collected::collect(&elf, sec) {
                let blob = btf_ids_tool::internals::small_btf();
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
