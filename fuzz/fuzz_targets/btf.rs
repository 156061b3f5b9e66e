//! The BTF reader on arbitrary bytes: base BTF, and split BTF where the
//! input is cut in two (first part the base).
#![no_main]

use btf_ids_tool::btf::Btf;
use libfuzzer_sys::fuzz_target;

fn exercise(b: &Btf<'_>) {
    let n = b.type_count();
    for id in 0..n.min(4096) {
        let _ = b.type_name(id);
        let _ = b.skip_mods_and_typedefs(id);
        let _ = b.record_u32(id, 12);
        let _ = b.own_record(id);
    }
    let _ = b.type_header(n);
    let _ = b.name_bytes(u32::MAX);
    let mut count = 0u32;
    b.for_each_type(&mut |_, _| count += 1);
}

fuzz_target!(|data: &[u8]| {
    if let Ok(b) = Btf::parse(data) {
        exercise(&b);
    }
    if data.len() > 2 {
        let cut = (data[0] as usize * 256 + data[1] as usize) % data.len();
        let (base, split) = data[2..].split_at(cut.min(data.len() - 2));
        if let Ok(base) = Btf::parse(base) {
            if let Ok(s) = Btf::parse_split(split, Some(&base)) {
                exercise(&s);
            }
        }
    }
});
