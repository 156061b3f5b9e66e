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
pub mod tags;

use std::fmt;

/// Size of `struct btf_header` for version 1.
pub const HEADER_LEN: usize = 24;
/// Size of `struct btf_type` (the common part of every type record).
pub const TYPE_LEN: usize = 12;
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
fn word<const BE: bool>(b: &[u8], at: usize) -> u32 {
    match b.get(at..at + 4) {
        Some(&[x0, x1, x2, x3]) if BE => u32::from_be_bytes([x0, x1, x2, x3]),
        Some(&[x0, x1, x2, x3]) => u32::from_le_bytes([x0, x1, x2, x3]),
        _ => 0,
    }
}

/// The funcs whose type the type pass had not seen yet, as (own index,
/// target id), for [`Btf::index_types`] to check once every kind is known
/// (a func pointing back is checked on the spot).
#[derive(Default)]
struct Links {
    funcs: Vec<(u32, u32)>,
}

/// How a kind's record is laid out, for the type pass.
#[derive(Clone, Copy)]
pub(crate) struct Shape {
    pub(crate) valid: bool,
    /// Bytes after the 12-byte header: `fixed + per_vlen * vlen`.
    pub(crate) fixed: u8,
    pub(crate) per_vlen: u8,
    /// All ones when the header's third word is a type id (else 0).
    head_ref: u32,
    /// All ones when libbpf checks that id (all but a func_proto's return
    /// type).
    pub(crate) head_checked: u32,
    /// Name offsets in the body: `vlen & names_per_vlen` of them,
    /// `name_stride` bytes apart from byte 0 (members, parameters, enum
    /// values).
    names_per_vlen: usize,
    name_stride: u8,
    /// Type ids in the body: `refs_fixed + (vlen & refs_per_vlen)` of them,
    /// `ref_stride` bytes apart from byte `ref_at`.
    refs_fixed: u8,
    refs_per_vlen: usize,
    ref_stride: u8,
    ref_at: u8,
    /// Offset in the record of the single link that can be part of a loop
    /// ([`is_ref_kind`]); 0: none.
    link_at: u8,
}

pub(crate) const fn shape(k: u8) -> Shape {
    let none = Shape {
        valid: true,
        fixed: 0,
        per_vlen: 0,
        head_ref: 0,
        head_checked: 0,
        names_per_vlen: 0,
        name_stride: 0,
        refs_fixed: 0,
        refs_per_vlen: 0,
        ref_stride: 0,
        ref_at: 0,
        link_at: 0,
    };
    let one_link = Shape {
        head_ref: u32::MAX,
        head_checked: u32::MAX,
        link_at: 8,
        ..none
    };
    match k {
        kind::INT => Shape { fixed: 4, ..none },
        kind::PTR | kind::TYPEDEF | kind::VOLATILE | kind::CONST | kind::RESTRICT => one_link,
        kind::TYPE_TAG => one_link,
        kind::FWD | kind::FLOAT => none,
        kind::FUNC => Shape {
            head_ref: u32::MAX,
            head_checked: u32::MAX,
            ..none
        },
        // {type, index_type, nelems}
        kind::ARRAY => Shape {
            fixed: 12,
            refs_fixed: 2,
            ref_stride: 4,
            link_at: TYPE_LEN as u8,
            ..none
        },
        // Members {name_off, type, offset}
        kind::STRUCT | kind::UNION => Shape {
            per_vlen: 12,
            refs_per_vlen: usize::MAX,
            ref_stride: 12,
            ref_at: 4,
            names_per_vlen: usize::MAX,
            name_stride: 12,
            ..none
        },
        // var_secinfo {type, offset, size}
        kind::DATASEC => Shape {
            per_vlen: 12,
            refs_per_vlen: usize::MAX,
            ref_stride: 12,
            ..none
        },
        kind::ENUM => Shape {
            per_vlen: 8,
            names_per_vlen: usize::MAX,
            name_stride: 8,
            ..none
        },
        kind::ENUM64 => Shape {
            per_vlen: 12,
            names_per_vlen: usize::MAX,
            name_stride: 12,
            ..none
        },
        // Return type in the header (not checked by libbpf); params
        // {name_off, type}
        kind::FUNC_PROTO => Shape {
            per_vlen: 8,
            head_ref: u32::MAX,
            refs_per_vlen: usize::MAX,
            ref_stride: 8,
            ref_at: 4,
            names_per_vlen: usize::MAX,
            name_stride: 8,
            ..none
        },
        kind::VAR | kind::DECL_TAG => Shape {
            fixed: 4,
            head_ref: u32::MAX,
            head_checked: u32::MAX,
            ..none
        },
        _ => Shape {
            valid: false,
            ..none
        },
    }
}

impl Shape {
    /// Offsets in the record body (after the header) of its member,
    /// parameter or value names, for a record with `vlen` of them.
    #[inline(always)]
    pub(crate) fn body_names(&self, vlen: usize) -> impl Iterator<Item = usize> {
        let n = vlen & self.names_per_vlen;
        let stride = self.name_stride as usize;
        (0..n).map(move |j| j * stride)
    }

    /// Offsets in the record body (after the header) of its type ids, for a
    /// record with `vlen` members.
    #[inline(always)]
    pub(crate) fn body_refs(&self, vlen: usize) -> impl Iterator<Item = usize> {
        let n = self.refs_fixed as usize + (vlen & self.refs_per_vlen);
        let (stride, at) = (self.ref_stride as usize, self.ref_at as usize);
        (0..n).map(move |j| j * stride + at)
    }
}

/// [`Shape`] of every kind number the 5-bit field can hold.
const SHAPES: [Shape; 32] = {
    let mut t = [shape(0); 32];
    let mut k = 0;
    while k < 32 {
        t[k] = shape(k as u8);
        k += 1;
    }
    t
};

/// Kinds whose single link can be part of a loop (`ARRAY` through its
/// element type).
fn is_ref_kind(k: u8) -> bool {
    SHAPES[(k & 31) as usize].link_at != 0
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

/// A BTF header that passed libbpf's `btf_parse_hdr` (see the module
/// docs); offsets relative to the blob's start except where named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// The blob is big-endian.
    pub big_endian: bool,
    /// `hdr_len`.
    pub hdr_len: usize,
    /// `type_off` (after the header).
    pub type_off: usize,
    /// `type_len`.
    pub type_len: usize,
    /// `str_off` (after the header).
    pub str_off: usize,
    /// `str_len`.
    pub str_len: usize,
}

impl Header {
    /// Checks the header at the start of `head` (at least its first 24
    /// bytes) of a blob of `len` bytes.
    pub fn check(head: &[u8], len: usize) -> Result<Header, BtfError> {
        if len < HEADER_LEN || head.len() < HEADER_LEN {
            return err(
                0,
                format!("too short for a BTF header ({len} bytes, {HEADER_LEN} needed)"),
            );
        }
        let big_endian = match [head[0], head[1]] {
            [0x9f, 0xeb] => false,
            [0xeb, 0x9f] => true,
            m => return err(0, format!("bad magic {:#06x}", u16::from_le_bytes(m))),
        };
        let rd = |off: usize| -> u32 {
            let b = [head[off], head[off + 1], head[off + 2], head[off + 3]];
            if big_endian {
                u32::from_be_bytes(b)
            } else {
                u32::from_le_bytes(b)
            }
        };
        let hdr_len = rd(4) as usize;
        if big_endian != cfg!(target_endian = "big") && hdr_len != HEADER_LEN {
            return err(
                4,
                format!(
                    "header length {hdr_len}: BTF in the other byte order than this machine's \
                     must have a {HEADER_LEN}-byte header (libbpf)"
                ),
            );
        }
        if hdr_len > len {
            return err(
                4,
                format!("header length {hdr_len} past the end ({len} bytes)"),
            );
        }
        let type_off = rd(8) as usize;
        let type_len = rd(12) as usize;
        let str_off = rd(16) as usize;
        let str_len = rd(20) as usize;
        let body = len - hdr_len;
        if str_off as u64 + str_len as u64 > body as u64 {
            return err(
                16,
                format!(
                    "string section {str_off:#x}+{str_len:#x} past the end of the data ({body:#x})"
                ),
            );
        }
        if type_off as u64 + type_len as u64 > str_off as u64 {
            return err(
                8,
                format!(
                    "type section {type_off:#x}+{type_len:#x} past the end of the data or the start \
                     of the string section ({str_off:#x}): types must come first"
                ),
            );
        }
        if type_off % 4 != 0 {
            return err(
                8,
                format!("type section offset {type_off:#x} is not 4-byte aligned"),
            );
        }
        Ok(Header {
            big_endian,
            hdr_len,
            type_off,
            type_len,
            str_off,
            str_len,
        })
    }

    /// libbpf's `btf_parse_str_sec`, from the string section's first and
    /// last bytes (`None` when it is empty).
    pub fn check_strings(
        &self,
        first: Option<u8>,
        last: Option<u8>,
        split: bool,
    ) -> Result<(), BtfError> {
        let strs_start = self.hdr_len + self.str_off;
        if split && self.str_len == 0 {
            return Ok(());
        }
        if self.str_len == 0 {
            return err(strs_start, "string section is empty");
        }
        if self.str_len - 1 > MAX_STR_OFFSET as usize {
            return err(
                20,
                format!(
                    "string section of {:#x} bytes, over libbpf's {:#x}",
                    self.str_len,
                    MAX_STR_OFFSET as u64 + 1
                ),
            );
        }
        if !split && first != Some(0) {
            return err(strs_start, "string section must start with an empty string");
        }
        if last != Some(0) {
            return err(
                strs_start + self.str_len,
                "string section is not NUL-terminated",
            );
        }
        Ok(())
    }
}

/// A parsed BTF blob, optionally split over a base.
#[derive(Debug)]
pub struct Btf<'a> {
    data: &'a [u8],
    big_endian: bool,
    hdr_len: usize,
    /// Absolute offset (in `data`) of the type section.
    types_start: usize,
    types: &'a [u8],
    strs: &'a [u8],
    /// Absolute offset (in `data`) of the string section.
    strs_start: usize,
    /// Offset of each own type within `types`.
    offsets: Vec<u32>,
    /// Kind of each own type.
    kinds: Vec<u8>,
    /// First own type id (1 for a base, base's count for split BTF).
    start_id: u32,
    /// First own string offset (0 for a base).
    start_str_off: u32,
    base: Option<&'a Btf<'a>>,
}

impl<'a> Btf<'a> {
    /// Parses base (non-split) BTF.
    pub fn parse(data: &'a [u8]) -> Result<Self, BtfError> {
        Self::parse_split(data, None)
    }

    /// Parses BTF, split over `base` when given.
    pub fn parse_split(data: &'a [u8], base: Option<&'a Btf<'a>>) -> Result<Self, BtfError> {
        Self::parse_visiting(data, base, &mut NoVisitor)
    }

    /// [`Btf::parse_split`], showing each own type whose kind `visitor`
    /// asks for to it as the pass over the type section reaches it (before
    /// the checks that need the whole section; on error the parse fails
    /// anyway). One pass serves both, while the type records are in the
    /// cache.
    pub fn parse_visiting(
        data: &'a [u8],
        base: Option<&'a Btf<'a>>,
        visitor: &mut impl TypeVisitor<'a>,
    ) -> Result<Self, BtfError> {
        let h = Header::check(data, data.len())?;
        let (big_endian, hdr_len, type_off, type_len, str_off) =
            (h.big_endian, h.hdr_len, h.type_off, h.type_len, h.str_off);
        let str_len = h.str_len;
        let types_start = hdr_len + type_off;
        let strs_start = hdr_len + str_off;
        let types = &data[types_start..types_start + type_len];
        let strs = &data[strs_start..strs_start + str_len];
        let (start_id, start_str_off) = match base {
            Some(b) => (b.type_count(), b.strings_len()),
            None => (1, 0),
        };
        h.check_strings(strs.first().copied(), strs.last().copied(), base.is_some())?;
        if (start_str_off as u64) + (strs.len() as u64) > u32::MAX as u64 {
            return err(20, "string offsets overflow 32 bits");
        }
        let mut btf = Btf {
            data,
            big_endian,
            hdr_len,
            types_start,
            types,
            strs,
            strs_start,
            offsets: Vec::new(),
            kinds: Vec::new(),
            start_id,
            start_str_off,
            base,
        };
        btf.index_types(visitor)?;
        Ok(btf)
    }

    #[inline]
    fn u32_at(&self, buf: &[u8], off: usize) -> Option<u32> {
        let b: [u8; 4] = buf.get(off..off.checked_add(4)?)?.try_into().ok()?;
        Some(if self.big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    }

    /// One pass over the type section (libbpf's `btf_parse_type_sec` and
    /// `btf_sanity_check` in one): records each type's offset and kind and
    /// checks record sizes; name offsets and type references are checked
    /// against the final string length and type count, known at the end:
    /// only the largest of each is kept, and where it sits is looked up
    /// only for the error ([`Btf::sanity_error`]). A func must point at a
    /// func_proto: funcs pointing forward are checked at the end.
    fn index_types(&mut self, visitor: &mut impl TypeVisitor<'a>) -> Result<(), BtfError> {
        // One copy of the loop per byte order, so that reading a word is a
        // plain load (this pass reads every member of every type).
        let (links, max_ref, max_name) = if self.big_endian {
            self.index_types_in::<true>(visitor)?
        } else {
            self.index_types_in::<false>(visitor)?
        };
        let funcs_ok = links
            .funcs
            .iter()
            .all(|&(_, target)| self.kind_at(target) == Some(kind::FUNC_PROTO));
        if max_ref >= self.type_count() || max_name as u64 >= self.strings_len() as u64 || !funcs_ok
        {
            return Err(self.sanity_error());
        }
        Ok(())
    }

    fn index_types_in<const BE: bool>(
        &mut self,
        visitor: &mut impl TypeVisitor<'a>,
    ) -> Result<(Links, u32, u32), BtfError> {
        let visit_kinds = visitor.kinds();
        let types = self.types;
        let start_id = self.start_id as u64;
        // At most one type per 12 bytes. Reserving that much costs address
        // space only, and the vectors never move while they fill.
        let mut offsets: Vec<u32> = Vec::with_capacity(types.len() / TYPE_LEN + 1);
        let mut kinds: Vec<u8> = Vec::with_capacity(types.len() / TYPE_LEN + 1);
        let mut links = Links::default();
        // Largest type reference and name offset, checked once at the end.
        let mut max_ref = 0u32;
        let mut max_name = 0u32;
        // Own string offsets: [str_lo, str_hi); anything below is the
        // base's, anything above invalid (the parse fails at the end).
        let (str_lo, str_hi) = (
            self.start_str_off,
            self.start_str_off as u64 + self.strs.len() as u64,
        );
        let mut off = 0usize;
        while off < types.len() {
            let abs = self.types_start + off;
            let idx = offsets.len() as u32;
            let id = start_id + idx as u64;
            let Some(head) = types[off..].first_chunk::<TYPE_LEN>() else {
                return err(abs, format!("type id {id}: truncated type record"));
            };
            let name_off = word::<BE>(head, 0);
            let info = word::<BE>(head, 4);
            let target = word::<BE>(head, 8);
            let k = ((info >> 24) & 0x1f) as u8;
            let vlen = (info & 0xffff) as usize;
            // The record's shape comes from a table rather than a match:
            // kinds follow each other with little pattern, and a branch per
            // kind is mispredicted about as often as it is taken.
            let shape = SHAPES[k as usize];
            if !shape.valid {
                return err(abs + 4, format!("unknown kind {k} for type id {id}"));
            }
            let len = TYPE_LEN + shape.fixed as usize + shape.per_vlen as usize * vlen;
            let Some(body) = types.get(off + TYPE_LEN..off + len) else {
                return err(
                    abs,
                    format!("type id {id} record ({len} bytes) runs past the type section"),
                );
            };
            if idx >= MAX_NR_TYPES {
                return err(abs, "more than 2^31 - 1 types");
            }
            max_name = max_name.max(name_off);
            if visit_kinds & (1 << k) != 0 {
                let name = if name_off >= str_lo && (name_off as u64) < str_hi {
                    self.strs.get((name_off - str_lo) as usize..)
                } else {
                    self.string_tail(name_off)
                };
                if let Some(name) = name {
                    visitor.visit(id as u32, k, name);
                }
            }
            // Every type reference: the header's third word where it is
            // one, then the members' (or params', or an array's two); and
            // every member, parameter and value name.
            max_ref = max_ref.max(target & shape.head_checked);
            for at in shape.body_refs(vlen) {
                max_ref = max_ref.max(word::<BE>(body, at));
            }
            for at in shape.body_names(vlen) {
                max_name = max_name.max(word::<BE>(body, at));
            }
            if k == kind::FUNC {
                let back = match (target as u64).checked_sub(start_id) {
                    Some(t) if t < idx as u64 => Some(kinds[t as usize]),
                    Some(_) => None,
                    None => Some(self.base.and_then(|b| b.kind_at(target)).unwrap_or(0)),
                };
                match back {
                    Some(kind::FUNC_PROTO) => {}
                    // Reported in id order with the rest.
                    Some(_) => links.funcs.push((idx, target)),
                    None => links.funcs.push((idx, target)),
                }
            }
            offsets.push(off as u32);
            kinds.push(k);
            off += len;
        }
        self.offsets = offsets;
        self.kinds = kinds;
        Ok((links, max_ref, max_name))
    }

    /// The first own type (by id) that libbpf's `btf_validate_type` refuses,
    /// and why, with the offset of the word; in its order: the type's name,
    /// then per kind its references, or member, parameter or value names
    /// and types in turn. Called only once the pass found something.
    fn sanity_error(&self) -> BtfError {
        let count = self.type_count();
        let strs = self.strings_len();
        for (i, &k) in self.kinds.iter().enumerate() {
            let id = self.start_id + i as u32;
            let rec_off = self.offsets[i] as usize;
            let abs = self.types_start + rec_off;
            let rd = |at: usize| self.u32_at(self.types, rec_off + at).unwrap_or(0);
            let shape = SHAPES[(k & 31) as usize];
            let vlen = (rd(4) & 0xffff) as usize;
            let bad_name = |at: usize, what: String| -> Option<BtfError> {
                let off = rd(at);
                (off >= strs).then(|| BtfError {
                    offset: abs + at,
                    msg: format!(
                        "type id {id}: {what} offset {off:#x} past the string section ({strs:#x} bytes)"
                    ),
                })
            };
            let bad_ref = |at: usize| -> Option<BtfError> {
                let r = rd(at);
                (r >= count).then(|| BtfError {
                    offset: abs + at,
                    msg: format!(
                        "type id {id} refers to type id {r}, past the last id {}",
                        count - 1
                    ),
                })
            };
            if let Some(e) = bad_name(0, "name".into()) {
                return e;
            }
            if shape.head_checked != 0 {
                if let Some(e) = bad_ref(8) {
                    return e;
                }
            }
            if k == kind::FUNC && self.kind_at(rd(8)) != Some(kind::FUNC_PROTO) {
                return BtfError {
                    offset: abs + 8,
                    msg: format!("func type id {id} does not point to a func_proto"),
                };
            }
            let what = |j: usize| match k {
                kind::STRUCT | kind::UNION => format!("member #{j} name"),
                kind::FUNC_PROTO => format!("parameter #{} name", j + 1),
                _ => format!("value #{j} name"),
            };
            let mut names = shape.body_names(vlen).map(|at| TYPE_LEN + at);
            let mut refs = shape.body_refs(vlen).map(|at| TYPE_LEN + at);
            // Members and parameters: name then type, entry by entry (an
            // array's two ids and a datasec's have no names).
            for j in 0.. {
                let (n, r) = (names.next(), refs.next());
                if n.is_none() && r.is_none() {
                    break;
                }
                if let Some(e) = n.and_then(|at| bad_name(at, what(j))) {
                    return e;
                }
                if let Some(e) = r.and_then(bad_ref) {
                    return e;
                }
            }
        }
        BtfError {
            offset: self.types_start,
            msg: "internal: a check failed but no type fails it".into(),
        }
    }

    /// The kind of one of this BTF's own types or of a base type.
    fn kind_at(&self, id: u32) -> Option<u8> {
        match id.checked_sub(self.start_id) {
            Some(i) => self.kinds.get(i as usize).copied(),
            None => self.base?.kind_at(id),
        }
    }

    /// The first loop of modifiers, typedefs, pointers, type tags and array
    /// element types among this BTF's own types (a base type cannot point
    /// at a split one, so a loop lies within one blob), as the error the
    /// kernel's loader gives ("Loop detected"); libbpf, and so [`Btf::parse`],
    /// does not look. Linear: a chain of backward links cannot loop, so the
    /// walks start only where a link points forward (or at itself), and
    /// stop at types an earlier walk cleared.
    pub fn first_loop(&self) -> Option<BtfError> {
        // The own index a reference-kind type links to, when that is
        // another own reference-kind type.
        let link_of = |i: usize| -> Option<usize> {
            let k = *self.kinds.get(i)?;
            if !is_ref_kind(k) {
                return None;
            }
            let at = self.offsets[i] as usize + SHAPES[k as usize].link_at as usize;
            let t = self.u32_at(self.types, at)?.checked_sub(self.start_id)? as usize;
            self.kinds
                .get(t)
                .is_some_and(|&k| is_ref_kind(k))
                .then_some(t)
        };
        // 0: not seen, 1: on the current walk, 2: cleared.
        let mut state: Vec<u8> = Vec::new();
        let mut walk: Vec<usize> = Vec::new();
        for src in 0..self.kinds.len() {
            match link_of(src) {
                Some(t) if t >= src => {}
                _ => continue,
            }
            if state.is_empty() {
                state = vec![0u8; self.offsets.len()];
            }
            let mut cur = Some(src);
            walk.clear();
            while let Some(c) = cur {
                match state[c] {
                    2 => break,
                    1 => {
                        return Some(BtfError {
                            offset: self.types_start + self.offsets[c] as usize,
                            msg: format!(
                                "type loop through type id {}",
                                self.start_id as usize + c
                            ),
                        })
                    }
                    _ => {}
                }
                state[c] = 1;
                walk.push(c);
                cur = link_of(c);
            }
            for &c in &walk {
                state[c] = 2;
            }
        }
        None
    }

    /// The header's `version` byte (libbpf does not look at it; the kernel
    /// wants 1).
    pub fn version(&self) -> u8 {
        self.data[2]
    }

    /// The header's `flags` byte (the kernel wants 0).
    pub fn flags(&self) -> u8 {
        self.data[3]
    }

    /// The header's section fields: (type_off, type_len, str_off, str_len),
    /// relative to the end of the header.
    pub fn sections(&self) -> (u32, u32, u32, u32) {
        let rd = |off: usize| self.u32_at(self.data, off).unwrap_or(0);
        (rd(8), rd(12), rd(16), rd(20))
    }

    fn header_at(&self, off: usize) -> TypeHeader {
        let info = self.u32_at(self.types, off + 4).unwrap_or(0);
        TypeHeader {
            name_off: self.u32_at(self.types, off).unwrap_or(0),
            kind: ((info >> 24) & 0x1f) as u8,
            vlen: (info & 0xffff) as u16,
            kflag: info >> 31 != 0,
            size_or_type: self.u32_at(self.types, off + 8).unwrap_or(0),
        }
    }

    /// One past the last valid type id (`btf__type_cnt`): ids run from 1 (0
    /// is `void`) to `type_count() - 1`, base ids included for split BTF.
    pub fn type_count(&self) -> u32 {
        self.start_id + self.offsets.len() as u32
    }

    /// The first id of this BTF's own types (1, or the base's count).
    pub fn start_id(&self) -> u32 {
        self.start_id
    }

    /// The base BTF of split BTF.
    pub fn base(&self) -> Option<&'a Btf<'a>> {
        self.base
    }

    /// Total length of the string table, base included.
    pub fn strings_len(&self) -> u32 {
        self.start_str_off + self.strs.len() as u32
    }

    /// Whether the blob is big-endian.
    pub fn is_big_endian(&self) -> bool {
        self.big_endian
    }

    /// The whole raw blob.
    pub fn raw(&self) -> &'a [u8] {
        self.data
    }

    /// The header length.
    pub fn header_len(&self) -> usize {
        self.hdr_len
    }

    /// Own type section bytes.
    pub fn type_section(&self) -> &'a [u8] {
        self.types
    }

    /// Own string section bytes.
    pub fn string_section(&self) -> &'a [u8] {
        self.strs
    }

    /// Absolute offset in the blob of the string section.
    pub fn string_section_offset(&self) -> usize {
        self.strs_start
    }

    /// The common header of type `id`; `None` for 0 (void) or an id past
    /// the end.
    pub fn type_header(&self, id: u32) -> Option<TypeHeader> {
        if id < self.start_id {
            return self.base?.type_header(id);
        }
        let off = *self.offsets.get((id - self.start_id) as usize)? as usize;
        Some(self.header_at(off))
    }

    /// The kinds of this BTF's own types, from [`Btf::start_id`] on.
    pub fn own_kinds(&self) -> &[u8] {
        &self.kinds
    }

    /// The name offset of type `id`.
    #[inline]
    pub fn name_off(&self, id: u32) -> Option<u32> {
        if id < self.start_id {
            return self.base?.name_off(id);
        }
        let off = *self.offsets.get((id - self.start_id) as usize)? as usize;
        self.u32_at(self.types, off)
    }

    /// The string table from `off` to its end (the base's for offsets below
    /// this BTF's own strings): the string at `off` and whatever follows.
    pub fn string_tail(&self, off: u32) -> Option<&'a [u8]> {
        if off < self.start_str_off {
            return self.base?.string_tail(off);
        }
        self.strs.get((off - self.start_str_off) as usize..)
    }

    /// The raw record (header plus trailing data) of one of this BTF's own
    /// types.
    pub fn own_record(&self, id: u32) -> Option<&'a [u8]> {
        let i = id.checked_sub(self.start_id)? as usize;
        let start = *self.offsets.get(i)? as usize;
        let end = self
            .offsets
            .get(i + 1)
            .map(|&o| o as usize)
            .unwrap_or(self.types.len());
        self.types.get(start..end)
    }

    /// The kind of type `id`.
    pub fn kind_of(&self, id: u32) -> Option<u8> {
        self.type_header(id).map(|t| t.kind)
    }

    /// Whether `off` points into the string table (a string there is always
    /// terminated: the table ends with a NUL).
    fn name_off_valid(&self, off: u32) -> bool {
        if off < self.start_str_off {
            return self.base.is_some_and(|b| b.name_off_valid(off));
        }
        ((off - self.start_str_off) as usize) < self.strs.len()
            || (off == 0 && self.strs.is_empty())
    }

    /// The bytes of the string at `off` (without the NUL), looking into the
    /// base for offsets below this BTF's own strings.
    #[inline]
    pub fn name_bytes(&self, off: u32) -> Option<&'a [u8]> {
        if off < self.start_str_off {
            return self.base?.name_bytes(off);
        }
        let rel = (off - self.start_str_off) as usize;
        let s = self.strs.get(rel..)?;
        let end = memchr::memchr(0, s)?;
        Some(&s[..end])
    }

    /// The name of type `id` (empty for anonymous types and for void).
    pub fn type_name(&self, id: u32) -> Option<&'a [u8]> {
        if id == 0 {
            return Some(b"");
        }
        self.name_bytes(self.type_header(id)?.name_off)
    }

    /// Calls `f(id, header)` for every type from 1 up, base types first.
    pub fn for_each_type(&self, f: &mut impl FnMut(u32, TypeHeader)) {
        if let Some(b) = self.base {
            b.for_each_type(f);
        }
        for (i, &off) in self.offsets.iter().enumerate() {
            f(self.start_id + i as u32, self.header_at(off as usize));
        }
    }

    /// Like [`Btf::for_each_type`], stopping when `f` returns false.
    /// Returns false if it stopped early.
    pub fn try_for_each_type(&self, f: &mut impl FnMut(u32, TypeHeader) -> bool) -> bool {
        if let Some(b) = self.base {
            if !b.try_for_each_type(f) {
                return false;
            }
        }
        for (i, &off) in self.offsets.iter().enumerate() {
            if !f(self.start_id + i as u32, self.header_at(off as usize)) {
                return false;
            }
        }
        true
    }

    /// The `u32` at byte `off` of type `id`'s own record (for members,
    /// params and tag data).
    pub fn record_u32(&self, id: u32, off: usize) -> Option<u32> {
        if id < self.start_id {
            return self.base?.record_u32(id, off);
        }
        let rec = *self.offsets.get((id - self.start_id) as usize)? as usize;
        self.u32_at(self.types, rec.checked_add(off)?)
    }

    /// Follows typedefs and modifiers (const, volatile, restrict, type tags)
    /// from `id` to the first other type. Bounded: a chain longer than the
    /// type count is reported as a loop.
    pub fn skip_mods_and_typedefs(&self, mut id: u32) -> Result<u32, BtfError> {
        let limit = self.type_count();
        for _ in 0..=limit {
            match self.type_header(id) {
                Some(t)
                    if matches!(
                        t.kind,
                        kind::TYPEDEF
                            | kind::VOLATILE
                            | kind::CONST
                            | kind::RESTRICT
                            | kind::TYPE_TAG
                    ) =>
                {
                    id = t.size_or_type
                }
                _ => return Ok(id),
            }
        }
        err(0, format!("type loop through type id {id}"))
    }
}

/// Where a type-id word sits in a type record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefSite {
    /// The header's third word (pointer, typedef and modifier targets, a
    /// func's prototype, a func_proto's return type, a var's type, a decl
    /// tag's target).
    Head,
    /// An array's element type.
    ArrayElem,
    /// An array's index type.
    ArrayIndex,
    /// Member `i` of a struct or union.
    Member(u16),
    /// Parameter `i` of a func_proto.
    Param(u16),
    /// Entry `i` of a datasec.
    SecInfo(u16),
}

/// Where a name-offset word sits in a type record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameSite {
    /// The type's own name (`name_off`).
    Type,
    /// Member `i` of a struct or union.
    Member(u16),
    /// Parameter `i` of a func_proto.
    Param(u16),
    /// Value `i` of an enum or enum64.
    EnumValue(u16),
}

impl<'a> Btf<'a> {
    /// Absolute offset in [`Btf::raw`] of the record of one of this BTF's
    /// own types.
    pub fn own_record_offset(&self, id: u32) -> Option<usize> {
        let i = id.checked_sub(self.start_id)? as usize;
        Some(self.types_start + *self.offsets.get(i)? as usize)
    }

    /// Calls `f(site, offset, target)` for every type-id word of own type
    /// `id`: `offset` is absolute in [`Btf::raw`]. Nothing for base types.
    pub fn for_each_ref(&self, id: u32, mut f: impl FnMut(RefSite, usize, u32)) {
        let (Some(rec), Some(abs)) = (self.own_record(id), self.own_record_offset(id)) else {
            return;
        };
        let info = self.u32_at(rec, 4).unwrap_or(0);
        let k = ((info >> 24) & 0x1f) as u8;
        let vlen = (info & 0xffff) as usize;
        let shape = SHAPES[k as usize];
        let mut emit = |site, at: usize| {
            if let Some(v) = self.u32_at(rec, at) {
                f(site, abs + at, v);
            }
        };
        if shape.head_ref != 0 {
            emit(RefSite::Head, 8);
        }
        for (j, at) in shape.body_refs(vlen).enumerate() {
            let site = match k {
                kind::ARRAY if j == 0 => RefSite::ArrayElem,
                kind::ARRAY => RefSite::ArrayIndex,
                kind::STRUCT | kind::UNION => RefSite::Member(j as u16),
                kind::FUNC_PROTO => RefSite::Param(j as u16),
                _ => RefSite::SecInfo(j as u16),
            };
            emit(site, TYPE_LEN + at);
        }
    }

    /// Calls `f(site, offset, name_off)` for every name-offset word of own
    /// type `id` (`offset` absolute in [`Btf::raw`]): its own name, then
    /// member, parameter or enum value names. Nothing for base types.
    pub fn for_each_name(&self, id: u32, mut f: impl FnMut(NameSite, usize, u32)) {
        let (Some(rec), Some(abs)) = (self.own_record(id), self.own_record_offset(id)) else {
            return;
        };
        let info = self.u32_at(rec, 4).unwrap_or(0);
        let k = ((info >> 24) & 0x1f) as u8;
        let vlen = (info & 0xffff) as usize;
        if let Some(v) = self.u32_at(rec, 0) {
            f(NameSite::Type, abs, v);
        }
        let (stride, site): (usize, fn(u16) -> NameSite) = match k {
            kind::STRUCT | kind::UNION => (12, NameSite::Member),
            kind::FUNC_PROTO => (8, NameSite::Param),
            kind::ENUM => (8, NameSite::EnumValue),
            kind::ENUM64 => (12, NameSite::EnumValue),
            _ => return,
        };
        for j in 0..vlen {
            let at = TYPE_LEN + j * stride;
            if let Some(v) = self.u32_at(rec, at) {
                f(site(j as u16), abs + at, v);
            }
        }
    }

    /// The `u32` at absolute offset `off` of [`Btf::raw`].
    pub fn raw_u32(&self, off: usize) -> Option<u32> {
        self.u32_at(self.data, off)
    }

    /// `v` in this blob's byte order.
    pub fn encode_u32(&self, v: u32) -> [u8; 4] {
        if self.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    }

    /// Whether string offset `off` is the start of a string: offset 0, or
    /// the byte before it is a NUL, in the table (own or base) it falls in.
    /// False for offsets past the end.
    pub fn is_string_start(&self, off: u32) -> bool {
        if off < self.start_str_off {
            return self.base.is_some_and(|b| b.is_string_start(off));
        }
        let rel = (off - self.start_str_off) as usize;
        rel < self.strs.len() && (rel == 0 || self.strs[rel - 1] == 0)
    }

    /// Whether `off` is a valid string offset (inside the own or the base
    /// string table), as the kernel's `btf_name_offset_valid`.
    pub fn string_offset_valid(&self, off: u32) -> bool {
        self.name_off_valid(off)
    }

    /// The first string offset of this BTF's own strings (0 for a base).
    pub fn start_str_off(&self) -> u32 {
        self.start_str_off
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a little-endian BTF blob from raw type words and strings.
    pub(crate) fn blob(types: &[u32], strs: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&[0x9f, 0xeb, 1, 0]);
        v.extend_from_slice(&24u32.to_le_bytes());
        v.extend_from_slice(&0u32.to_le_bytes());
        v.extend_from_slice(&((types.len() * 4) as u32).to_le_bytes());
        v.extend_from_slice(&((types.len() * 4) as u32).to_le_bytes());
        v.extend_from_slice(&(strs.len() as u32).to_le_bytes());
        for t in types {
            v.extend_from_slice(&t.to_le_bytes());
        }
        v.extend_from_slice(strs);
        v
    }

    fn info(k: u8, vlen: u32) -> u32 {
        ((k as u32) << 24) | vlen
    }

    #[test]
    fn parses_small() {
        // 1: int "int"; 2: typedef "t" -> 1; 3: func_proto; 4: func "f" -> 3
        let t = [
            1,
            info(kind::INT, 0),
            4,
            32,
            5,
            info(kind::TYPEDEF, 0),
            1,
            0,
            info(kind::FUNC_PROTO, 0),
            1,
            7,
            info(kind::FUNC, 0),
            3,
        ];
        let data = blob(&t, b"\0int\0t\0f\0");
        let btf = Btf::parse(&data).unwrap();
        assert_eq!(btf.type_count(), 5);
        assert_eq!(btf.type_name(2), Some(&b"t"[..]));
        assert_eq!(btf.kind_of(4), Some(kind::FUNC));
        assert_eq!(btf.skip_mods_and_typedefs(2).unwrap(), 1);
    }

    #[test]
    fn loops_parse_and_are_found() {
        // libbpf takes a loop; the kernel's loader does not.
        let t = [3, info(kind::TYPEDEF, 0), 2, 3, info(kind::CONST, 0), 1];
        let data = blob(&t, b"\0\0\0t\0");
        let btf = Btf::parse(&data).unwrap();
        let e = btf.first_loop().unwrap();
        assert!(e.msg.contains("loop"), "{e}");
        assert!(btf.skip_mods_and_typedefs(1).is_err());
    }

    #[test]
    fn checks_forward_links() {
        let int = [1, info(kind::INT, 0), 4, 32];
        let parse = |rest: &[u32]| {
            let mut t = int.to_vec();
            t.extend_from_slice(rest);
            Btf::parse(&blob(&t, b"\0int\0")).map(|b| b.type_count())
        };
        // 2: func -> 3 (a func_proto defined after it): accepted.
        assert_eq!(
            parse(&[0, info(kind::FUNC, 0), 3, 0, info(kind::FUNC_PROTO, 0), 1]),
            Ok(4)
        );
        // 2: func -> 3, a ptr: refused, forward or backward.
        let fwd = parse(&[0, info(kind::FUNC, 0), 3, 0, info(kind::PTR, 0), 1]);
        assert!(fwd.unwrap_err().msg.contains("func_proto"));
        let back = parse(&[0, info(kind::PTR, 0), 1, 0, info(kind::FUNC, 0), 2]);
        assert!(back.unwrap_err().msg.contains("func_proto"));
        // A forward chain that ends: 2: ptr -> 3: const -> 4: ptr -> 1.
        let chain = [
            0,
            info(kind::PTR, 0),
            3,
            0,
            info(kind::CONST, 0),
            4,
            0,
            info(kind::PTR, 0),
            1,
        ];
        assert_eq!(parse(&chain), Ok(5));
        // A self link, and a loop through an array's element type:
        // 2: ptr -> 3: array of 4 -> 4: typedef -> 2: parsed, and found.
        let looped = |rest: &[u32]| {
            let mut t = int.to_vec();
            t.extend_from_slice(rest);
            let data = blob(&t, b"\0int\0");
            let b = Btf::parse(&data).unwrap();
            b.first_loop().map(|e| e.msg)
        };
        let own = looped(&[0, info(kind::PTR, 0), 2]);
        assert!(own.unwrap().contains("type loop"));
        let arr = [
            0,
            info(kind::PTR, 0),
            3,
            0,
            info(kind::ARRAY, 0),
            0,
            4,
            1,
            2,
            0,
            info(kind::TYPEDEF, 0),
            2,
        ];
        assert!(looped(&arr).unwrap().contains("type loop"));
        assert_eq!(looped(&chain), None);
        // A reference past the last id names its holder (not a struct whose
        // size happens to be the same number).
        let far = parse(&[
            0,
            info(kind::STRUCT, 0),
            9,
            0,
            info(kind::PTR, 0),
            1,
            0,
            info(kind::PTR, 0),
            9,
        ]);
        let e = far.unwrap_err();
        assert!(e.msg.contains("type id 4 refers to type id 9"), "{e}");
        assert_eq!(e.offset, 24 + 16 + 12 + 12 + 8);
        // A member's type is found at its place in the record.
        let member = parse(&[0, info(kind::STRUCT, 1), 4, 0, 7, 0]);
        let e = member.unwrap_err();
        assert!(e.msg.contains("type id 2 refers to type id 7"), "{e}");
        assert_eq!(e.offset, 24 + 16 + 12 + 4);
    }

    #[test]
    fn libbpf_rules() {
        let int = [1, info(kind::INT, 0), 4, 32];
        let with = |rest: &[u32]| {
            let mut t = int.to_vec();
            t.extend_from_slice(rest);
            blob(&t, b"\0int\0")
        };
        // Taken: any version and flags, a longer header of anything, a
        // func_proto returning a type past the end.
        let mut d = with(&[]);
        d[2] = 7;
        d[3] = 1;
        assert!(Btf::parse(&d).is_ok());
        let mut long = d[..4].to_vec();
        long.extend_from_slice(&32u32.to_le_bytes());
        long.extend_from_slice(&d[8..24]);
        long.extend_from_slice(b"anything");
        long.extend_from_slice(&d[24..]);
        assert_eq!(Btf::parse(&long).unwrap().type_count(), 2);
        assert!(Btf::parse(&with(&[0, info(kind::FUNC_PROTO, 0), 99])).is_ok());
        // Refused, naming the offset: member, parameter and value names
        // past the strings.
        let cases: [(&[u32], &str, usize); 3] = [
            (
                &[0, info(kind::STRUCT, 1), 4, 0x1000, 1, 0],
                "member #0 name offset 0x1000",
                12,
            ),
            (
                &[0, info(kind::FUNC_PROTO, 1), 1, 0x1000, 1],
                "parameter #1 name offset 0x1000",
                12,
            ),
            (
                &[0, info(kind::ENUM, 1), 4, 0x1000, 7],
                "value #0 name offset 0x1000",
                12,
            ),
        ];
        for (rest, msg, at) in cases {
            let e = Btf::parse(&with(rest)).unwrap_err();
            assert!(e.msg.contains(msg), "{e}");
            assert_eq!(e.offset, 24 + 16 + at, "{e}");
        }
        // Strings before types, an unknown kind (0 included).
        let mut v = Vec::new();
        v.extend_from_slice(&[0x9f, 0xeb, 1, 0]);
        for w in [24u32, 8, 16, 0, 5] {
            v.extend_from_slice(&w.to_le_bytes());
        }
        v.extend_from_slice(b"\0int\0\0\0\0");
        for w in int {
            v.extend_from_slice(&w.to_le_bytes());
        }
        assert!(Btf::parse(&v)
            .unwrap_err()
            .msg
            .contains("types must come first"));
        assert!(Btf::parse(&with(&[0, info(0, 0), 0]))
            .unwrap_err()
            .msg
            .contains("unknown kind 0"));
    }

    #[test]
    fn rejects_garbage() {
        for n in 0..40 {
            let data = vec![0xffu8; n];
            assert!(Btf::parse(&data).is_err());
        }
        let mut data = blob(&[1, info(kind::INT, 0), 4, 32], b"\0int\0");
        data[4] = 200;
        assert!(Btf::parse(&data).unwrap_err().msg.contains("header length"));
    }
}
