//! A small, bounds-checked reader for raw BTF (`struct btf_header` followed by
//! a type section and a string section), with split BTF over a base.
//!
//! Why our own reader instead of a crate: the resolver only needs, for each
//! type id, its kind and name, plus a handful of checks. A purpose-built
//! reader does one pass over the type section that records each type's
//! offset and kind (five bytes a type) and allocates nothing else, can show
//! each type to a [`TypeVisitor`] during that pass (resolve matches names
//! that way, see [`crate::resolve::Matcher`]), accepts either byte order,
//! supports split BTF (ids and string offsets continuing those of a base), and is
//! written to return an error (with the byte offset) on any malformed input
//! instead of panicking, which the fuzz targets in `fuzz/` exercise. The
//! general-purpose crates we looked at either parse every type into owned
//! structures (slower and allocation heavy for ~127,000 vmlinux types) or do
//! not support split BTF.
//!
//! The layout follows the kernel's UAPI `linux/btf.h` (BTF version 1).
//!
//! # What is accepted: libbpf's rules
//!
//! A blob parses exactly when the libbpf that the kernel's resolve_btfids
//! 6.12 is built with (`tools/lib/bpf/btf.c`: `btf_parse_hdr`,
//! `btf_parse_str_sec`, `btf_parse_type_sec`, `btf_sanity_check`) accepts
//! it, so that `btf-ids` refuses no `--btf` or `-b` file the C tool takes
//! and takes none it refuses:
//!
//! - header: at least 24 bytes of data; magic `0xeb9f` in either byte
//!   order, and in the byte order other than the host's a `hdr_len` of
//!   exactly 24; `hdr_len` within the data; the string section within the
//!   data after the header; the type section ending at or before the
//!   string section starts (types first); the type section's offset a
//!   multiple of 4. Version, flags, a `hdr_len` below 24 and the bytes of a
//!   longer header are not looked at.
//! - strings: split BTF may have none; else at most 2^31 bytes, ending in a
//!   NUL, and for base BTF starting with one.
//! - types: every record of a known kind (1 to 19) and whole; at most
//!   2^31 - 1 of them.
//! - every own type (`btf_validate_type`): its name offset, and the name
//!   offsets of struct and union members, func_proto parameters and enum
//!   values, inside the string table (the base's and its own: below the
//!   total length); the type ids of pointers, typedefs, modifiers, type and
//!   decl tags, vars, array element and index types, members, parameters
//!   and datasec entries below the type count; a func's type a func_proto.
//!   A func_proto's return type is not checked, and neither are loops.
//!
//! What the kernel checks on top when it loads a module's BTF (version 1,
//! no flags, a 24-byte header or a longer one of zeros, sections tiling
//! the data with the strings last, no loops of modifiers, typedefs, pointers
//! and arrays, a valid func_proto return type, and the per-kind rules) is
//! [`crate::btf::rules`]'s: `check` reports it and `resolve` refuses it for
//! a module's own BTF, where the kernel would drop the BTF.

pub mod fix;
pub mod own;
pub mod rules;
pub mod scan;

mod header;
mod parse;
mod shape;
mod sites;
#[cfg(test)]
mod tests;

pub use header::Header;
pub use parse::Btf;
pub use sites::{NameSite, RefSite};

use std::fmt;

/// Size of `struct btf_header` for version 1.
pub const HEADER_LEN: usize = 24;
/// Size of `struct btf_type` (the common part of every type record).
pub const TYPE_LEN: usize = 12;
/// The `BTF_KIND_*` in a type record's `info` word (bits 24 to 28).
#[inline(always)]
pub(crate) const fn info_kind(info: u32) -> u8 {
    ((info >> 24) & 0x1f) as u8
}

/// The `vlen` in a type record's `info` word (bits 0 to 15): how many
/// members, parameters or values follow the header.
#[inline(always)]
pub(crate) const fn info_vlen(info: u32) -> usize {
    (info & 0xffff) as usize
}

/// The kind flag in a type record's `info` word (bit 31).
#[inline(always)]
pub(crate) const fn info_kflag(info: u32) -> bool {
    info >> 31 != 0
}

/// libbpf's `BTF_MAX_STR_OFFSET`: a string section holds at most this
/// many bytes plus one.
pub const MAX_STR_OFFSET: u32 = 0x7fff_ffff;
/// libbpf's `BTF_MAX_NR_TYPES`.
pub const MAX_NR_TYPES: u32 = 0x7fff_ffff;

/// BTF kinds (`BTF_KIND_*`).
#[allow(missing_docs)]
pub mod kind {
    pub const UNKN: u8 = 0;
    pub const INT: u8 = 1;
    pub const PTR: u8 = 2;
    pub const ARRAY: u8 = 3;
    pub const STRUCT: u8 = 4;
    pub const UNION: u8 = 5;
    pub const ENUM: u8 = 6;
    pub const FWD: u8 = 7;
    pub const TYPEDEF: u8 = 8;
    pub const VOLATILE: u8 = 9;
    pub const CONST: u8 = 10;
    pub const RESTRICT: u8 = 11;
    pub const FUNC: u8 = 12;
    pub const FUNC_PROTO: u8 = 13;
    pub const VAR: u8 = 14;
    pub const DATASEC: u8 = 15;
    pub const FLOAT: u8 = 16;
    pub const DECL_TAG: u8 = 17;
    pub const TYPE_TAG: u8 = 18;
    pub const ENUM64: u8 = 19;
}

/// The lower-case name of a BTF kind, as bpftool prints it.
pub fn kind_name(k: u8) -> &'static str {
    match k {
        kind::UNKN => "unknown",
        kind::INT => "int",
        kind::PTR => "ptr",
        kind::ARRAY => "array",
        kind::STRUCT => "struct",
        kind::UNION => "union",
        kind::ENUM => "enum",
        kind::FWD => "fwd",
        kind::TYPEDEF => "typedef",
        kind::VOLATILE => "volatile",
        kind::CONST => "const",
        kind::RESTRICT => "restrict",
        kind::FUNC => "func",
        kind::FUNC_PROTO => "func_proto",
        kind::VAR => "var",
        kind::DATASEC => "datasec",
        kind::FLOAT => "float",
        kind::DECL_TAG => "decl_tag",
        kind::TYPE_TAG => "type_tag",
        kind::ENUM64 => "enum64",
        _ => "invalid",
    }
}

/// A malformed-BTF error: what is wrong and the byte offset in the BTF blob
/// where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BtfError {
    /// Byte offset from the start of the BTF data (the header).
    pub offset: usize,
    /// What is wrong.
    pub msg: String,
}

impl fmt::Display for BtfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BTF offset {:#x}: {}", self.offset, self.msg)
    }
}

impl std::error::Error for BtfError {}

fn err<T>(offset: usize, msg: impl Into<String>) -> Result<T, BtfError> {
    Err(BtfError {
        offset,
        msg: msg.into(),
    })
}

/// The `u32` at `at` in `b` in the blob's byte order (0 past the end, which
/// the callers' length checks rule out).
#[inline(always)]
pub(crate) fn word<const BE: bool>(b: &[u8], at: usize) -> u32 {
    match b.get(at..at + 4) {
        Some(&[x0, x1, x2, x3]) if BE => u32::from_be_bytes([x0, x1, x2, x3]),
        Some(&[x0, x1, x2, x3]) => u32::from_le_bytes([x0, x1, x2, x3]),
        _ => 0,
    }
}

/// What [`Btf::parse_visiting`] shows each type to.
pub trait TypeVisitor<'a> {
    /// The kinds to be shown, as a mask of `1 << kind`.
    fn kinds(&self) -> u32;
    /// Type `id` of kind `kind`; `name` is the string table from the type's
    /// name on (the name, its NUL, and whatever follows).
    fn visit(&mut self, id: u32, kind: u8, name: &'a [u8]);
}

/// A [`TypeVisitor`] that asks for nothing.
pub struct NoVisitor;

impl TypeVisitor<'_> for NoVisitor {
    fn kinds(&self) -> u32 {
        0
    }
    fn visit(&mut self, _: u32, _: u8, _: &[u8]) {}
}

/// The decoded common part of a type record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypeHeader {
    /// Offset of the name in the (combined) string table.
    pub name_off: u32,
    /// The `BTF_KIND_*`.
    pub kind: u8,
    /// Number of members / params / values (`vlen`).
    pub vlen: u16,
    /// The kind flag bit.
    pub kflag: bool,
    /// The `size` or `type` word.
    pub size_or_type: u32,
}

/// A malformed blob as the tool's error: the reader's message, at its offset.
impl From<BtfError> for crate::Error {
    fn from(e: BtfError) -> Self {
        crate::Error::new(crate::ErrorKind::Btf(e.msg)).at(e.offset as u64)
    }
}
