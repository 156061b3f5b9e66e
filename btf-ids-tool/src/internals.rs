//! The tool's internals, for the fuzz targets (`fuzz/`), the integration
//! tests (`tests/`), the benchmark inputs' `examples/restore.rs` and the VM
//! guest, which drive its layers one by one.
//!
//! Not an API: nothing here is stable, and the command line
//! ([`crate::cli`]) is the only supported way in. Everything is a
//! re-export of a `pub(crate)` layer, listed here so that what the outside
//! reaches is in one place.

pub use crate::btf::scan::{scan, MemBlob, Scanned};
pub use crate::btf::{kind, Btf, TypeVisitor};
pub use crate::commands::{inspect_data, resolve, BtfSource, ResolveOptions};
pub use crate::elf::ElfInfo;
pub use crate::render::inspect_text;
pub use crate::resolve::names::{cstr_prefix_key, hash_cstr, hash_name, prefix_key};
pub use crate::resolve::Collected;
pub use crate::symbols::names::{parse_symbol, IdKind, Parsed};

/// Making a module's own `.BTF` acceptable to kernel 6.12.
pub mod btf_fix {
    pub use crate::btf::fix::{fix, problems, FixOptions};
}

/// The per-kind rules kernel 6.12 holds a module's BTF to.
pub mod btf_rules {
    pub use crate::btf::rules::check;
}

/// The little BTF the fuzz targets resolve against, and their seed tests
/// with them: `int` (id 1), `struct S` (2, no members, size 4), a
/// `func_proto` (3), `func f` (4) and `typedef S` (5), little-endian.
pub fn small_btf() -> Vec<u8> {
    const INFO_INT: u32 = 1 << 24;
    const INFO_STRUCT: u32 = 4 << 24;
    const INFO_FUNC_PROTO: u32 = 13 << 24;
    const INFO_FUNC: u32 = 12 << 24;
    const INFO_TYPEDEF: u32 = 8 << 24;
    // (name offset, info, size or type), then an int's encoding word.
    let types: [u32; 16] = [
        1,
        INFO_INT,
        4,
        32, // int: 32 bits
        5,
        INFO_STRUCT,
        4, // struct S
        0,
        INFO_FUNC_PROTO,
        1, // returns int, no parameters
        7,
        INFO_FUNC,
        3, // f
        5,
        INFO_TYPEDEF,
        1, // typedef S: int
    ];
    let strs = b"\0int\0S\0f\0";
    let types_len = (types.len() * 4) as u32;
    let mut v = vec![0x9f, 0xeb, 1, 0];
    for w in [24u32, 0, types_len, types_len, strs.len() as u32] {
        v.extend_from_slice(&w.to_le_bytes());
    }
    for w in types {
        v.extend_from_slice(&w.to_le_bytes());
    }
    v.extend_from_slice(strs);
    v
}

#[cfg(test)]
mod tests {
    #[test]
    fn small_btf_holds_what_it_says() {
        let data = super::small_btf();
        let btf = super::Btf::parse(&data).expect("the fixture parses");
        assert_eq!(btf.type_count(), 6);
        let names: Vec<_> = (1..6)
            .map(|id| btf.type_name(id).unwrap_or_default())
            .collect();
        assert_eq!(names, [&b"int"[..], b"S", b"", b"f", b"S"]);
        let kinds: Vec<_> = (1..6).map(|id| btf.kind_of(id)).collect();
        use super::kind::*;
        assert_eq!(
            kinds,
            [INT, STRUCT, FUNC_PROTO, FUNC, TYPEDEF].map(Some).to_vec()
        );
    }
}
