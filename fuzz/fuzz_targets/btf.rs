//! The BTF reader on arbitrary bytes: base BTF, and split BTF where the
//! input is cut in two (first part the base). The base is also parsed with a
//! visitor that hashes every name it is shown, as resolve's matcher does, and
//! checks that the two ways of hashing a name agree. Split BTF also goes
//! through the repairs `btf-ids resolve -b` makes to a module's BTF
//! (btf_fix), which must never change its size. The piecewise reader of
//! `resolve` (btf_scan) must take exactly what the parser takes.
#![no_main]

use btf_ids_tool::internals::{Btf, TypeVisitor};
use btf_ids_tool::internals::btf_fix::{self, FixOptions};
use btf_ids_tool::internals::{scan, MemBlob, Scanned};
use btf_ids_tool::internals::{cstr_prefix_key, hash_cstr, hash_name, prefix_key};
use libfuzzer_sys::fuzz_target;

/// Hashes each name both ways; a mismatch is a bug (the fuzzer reports the
/// panic).
struct Hasher(u32);

impl<'a> TypeVisitor<'a> for Hasher {
    fn kinds(&self) -> u32 {
        u32::MAX
    }
    fn visit(&mut self, _id: u32, _kind: u8, name: &'a [u8]) {
        let prefix = cstr_prefix_key(name);
        if let Some((h, len)) = hash_cstr(name) {
            assert_eq!(h, hash_name(&name[..len]));
            assert_eq!(prefix, prefix_key(&name[..len]));
        }
        self.0 += 1;
    }
}

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
    let mut shown = Hasher(0);
    match (Btf::parse(data), scan(&MemBlob(data), &mut shown).unwrap()) {
        (Ok(b), Scanned::Valid(n)) => {
            assert_eq!(b.type_count(), n);
            assert_eq!(shown.0, n - 1);
        }
        (Err(_), Scanned::Invalid) => {}
        (_, s) => panic!("the parse and the scan disagree: {s:?}"),
    }
    let mut visitor = Hasher(0);
    if let Ok(b) = Btf::parse_visiting(data, None, &mut visitor) {
        // Every own type was shown.
        assert_eq!(visitor.0, b.type_count() - b.start_id());
    }
    if data.len() > 2 {
        let cut = (data[0] as usize * 256 + data[1] as usize) % data.len();
        let (base, split) = data[2..].split_at(cut.min(data.len() - 2));
        if let Ok(base) = Btf::parse(base) {
            if let Ok(s) = Btf::parse_split(split, Some(&base)) {
                exercise(&s);
            }
            for kernel_types in [true, false] {
                let opts = FixOptions {
                    kernel_types,
                    ptr_size: 8,
                };
                if let Ok(f) = btf_fix::fix(split, Some(&base), opts) {
                    assert!(f.btf.is_none_or(|b| b.len() == split.len()));
                }
            }
        }
    }
});
