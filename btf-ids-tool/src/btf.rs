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

use std::fmt;

/// BTF magic number (`BTF_MAGIC`), as a native `u16`.
pub const BTF_MAGIC: u16 = 0xeb9f;
/// Size of `struct btf_header` for version 1.
pub const HEADER_LEN: usize = 24;
/// Size of `struct btf_type` (the common part of every type record).
pub const TYPE_LEN: usize = 12;

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

/// What the type pass leaves for [`Btf::check_links`]: the links whose
/// target it had not seen yet, as (own index, target id). A func pointing
/// back is checked on the spot; a chain of backward links cannot loop, so
/// only a forward (or self) link can close a loop.
#[derive(Default)]
struct Links {
    funcs: Vec<(u32, u32)>,
    refs: Vec<(u32, u32)>,
}

/// How a kind's record is laid out, for the type pass.
#[derive(Clone, Copy)]
struct Shape {
    valid: bool,
    /// Bytes after the 12-byte header: `fixed + per_vlen * vlen`.
    fixed: u8,
    per_vlen: u8,
    /// All ones when the header's third word is a type id (else 0).
    head_ref: u32,
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

const fn shape(k: u8) -> Shape {
    let none = Shape {
        valid: true,
        fixed: 0,
        per_vlen: 0,
        head_ref: 0,
        refs_fixed: 0,
        refs_per_vlen: 0,
        ref_stride: 0,
        ref_at: 0,
        link_at: 0,
    };
    let one_link = Shape {
        head_ref: u32::MAX,
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
            ..none
        },
        kind::ENUM64 => Shape {
            per_vlen: 12,
            ..none
        },
        // Return type in the header; params {name_off, type}
        kind::FUNC_PROTO => Shape {
            per_vlen: 8,
            head_ref: u32::MAX,
            refs_per_vlen: usize::MAX,
            ref_stride: 8,
            ref_at: 4,
            ..none
        },
        kind::VAR | kind::DECL_TAG => Shape {
            fixed: 4,
            head_ref: u32::MAX,
            ..none
        },
        _ => Shape {
            valid: false,
            ..none
        },
    }
}

impl Shape {
    /// Offsets in the record body (after the header) of its type ids, for a
    /// record with `vlen` members.
    #[inline(always)]
    fn body_refs(&self, vlen: usize) -> impl Iterator<Item = usize> {
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
        if data.len() < 8 {
            return err(
                0,
                format!("too short for a BTF header ({} bytes)", data.len()),
            );
        }
        let big_endian = match [data[0], data[1]] {
            [0x9f, 0xeb] => false,
            [0xeb, 0x9f] => true,
            m => return err(0, format!("bad magic {:#06x}", u16::from_le_bytes(m))),
        };
        if data[2] != 1 {
            return err(2, format!("unsupported version {}", data[2]));
        }
        let rd = |off: usize| -> u32 {
            let b = [data[off], data[off + 1], data[off + 2], data[off + 3]];
            if big_endian {
                u32::from_be_bytes(b)
            } else {
                u32::from_le_bytes(b)
            }
        };
        let hdr_len = rd(4) as usize;
        if hdr_len < HEADER_LEN {
            return err(4, format!("header length {hdr_len} below {HEADER_LEN}"));
        }
        if hdr_len > data.len() {
            return err(
                4,
                format!(
                    "header length {hdr_len} past the end ({} bytes)",
                    data.len()
                ),
            );
        }
        // A longer header (a newer version) is accepted only when the extra
        // bytes are zero, as libbpf does.
        if data[HEADER_LEN..hdr_len].iter().any(|&b| b != 0) {
            return err(HEADER_LEN, "unknown non-zero header fields");
        }
        let type_off = rd(8) as usize;
        let type_len = rd(12) as usize;
        let str_off = rd(16) as usize;
        let str_len = rd(20) as usize;
        let body = data.len() - hdr_len;
        let end_of =
            |off: usize, len: usize, field: usize, what: &str| -> Result<usize, BtfError> {
                match off.checked_add(len) {
                    Some(e) if e <= body => Ok(e),
                    _ => err(
                        field,
                        format!(
                            "{what} section {off:#x}+{len:#x} past the end of the data ({body:#x})"
                        ),
                    ),
                }
            };
        let type_end = end_of(type_off, type_len, 8, "type")?;
        let str_end = end_of(str_off, str_len, 16, "string")?;
        if type_off % 4 != 0 {
            return err(
                8,
                format!("type section offset {type_off:#x} is not 4-byte aligned"),
            );
        }
        if type_off < str_end && str_off < type_end && type_len != 0 && str_len != 0 {
            return err(16, "type and string sections overlap");
        }
        let types_start = hdr_len + type_off;
        let strs_start = hdr_len + str_off;
        let types = &data[types_start..hdr_len + type_end];
        let strs = &data[strs_start..hdr_len + str_end];
        let (start_id, start_str_off) = match base {
            Some(b) => (b.type_count(), b.strings_len()),
            None => (1, 0),
        };
        if base.is_none() || !strs.is_empty() {
            if base.is_none() && strs.first() != Some(&0) {
                return err(strs_start, "string section must start with an empty string");
            }
            if strs.last() != Some(&0) {
                return err(
                    strs_start + strs.len(),
                    "string section is not NUL-terminated",
                );
            }
        }
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

    /// One pass over the type section: records each type's offset and
    /// kind and checks record sizes, name offsets and type references
    /// (against the final count, known at the end: the largest reference is
    /// kept). A func must point at a func_proto, and chains of reference
    /// kinds must not loop: links to types not seen yet are left for
    /// [`Btf::check_links`].
    fn index_types(&mut self, visitor: &mut impl TypeVisitor<'a>) -> Result<(), BtfError> {
        // One copy of the loop per byte order, so that reading a word is a
        // plain load (this pass reads every member of every type).
        let links = if self.big_endian {
            self.index_types_in::<true>(visitor)?
        } else {
            self.index_types_in::<false>(visitor)?
        };
        self.check_links(&links)
    }

    fn index_types_in<const BE: bool>(
        &mut self,
        visitor: &mut impl TypeVisitor<'a>,
    ) -> Result<Links, BtfError> {
        let visit_kinds = visitor.kinds();
        let types = self.types;
        let start_id = self.start_id as u64;
        // At most one type per 12 bytes. Reserving that much costs address
        // space only, and the vectors never move while they fill.
        let mut offsets: Vec<u32> = Vec::with_capacity(types.len() / TYPE_LEN + 1);
        let mut kinds: Vec<u8> = Vec::with_capacity(types.len() / TYPE_LEN + 1);
        let mut links = Links::default();
        // Largest type reference: checked once at the end, when the count is
        // known (where it sits is looked up only for the error message).
        let mut max_ref = 0u32;
        // Own string offsets: [str_lo, str_hi); anything else is looked up
        // in the base.
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
            let name = if name_off >= str_lo && (name_off as u64) < str_hi {
                self.strs.get((name_off - str_lo) as usize..)
            } else if self.name_off_valid(name_off) {
                self.string_tail(name_off)
            } else {
                None
            };
            let Some(name) = name else {
                return err(
                    abs,
                    format!("type id {id}: name offset {name_off:#x} past the string section"),
                );
            };
            if id >= u32::MAX as u64 {
                return err(abs, "type count overflows 32 bits");
            }
            if visit_kinds & (1 << k) != 0 {
                visitor.visit(id as u32, k, name);
            }
            // Every type reference: the header's third word where it is
            // one, then the members' (or params', or an array's two).
            max_ref = max_ref.max(target & shape.head_ref);
            for at in shape.body_refs(vlen) {
                max_ref = max_ref.max(word::<BE>(body, at));
            }
            if k == kind::FUNC {
                let back = match (target as u64).checked_sub(start_id) {
                    Some(t) if t < idx as u64 => Some(kinds[t as usize]),
                    Some(_) => None,
                    None => Some(self.base.and_then(|b| b.kind_at(target)).unwrap_or(0)),
                };
                match back {
                    Some(kind::FUNC_PROTO) => {}
                    Some(_) => return Err(Self::func_error(abs, id)),
                    None => links.funcs.push((idx, target)),
                }
            } else if shape.link_at != 0 {
                let t = word::<BE>(&types[off..], shape.link_at as usize);
                if t as u64 >= id {
                    links.refs.push((idx, t));
                }
            }
            offsets.push(off as u32);
            kinds.push(k);
            off += len;
        }
        let total = start_id + offsets.len() as u64;
        self.offsets = offsets;
        self.kinds = kinds;
        if max_ref as u64 >= total {
            return Err(self.ref_error(max_ref, total));
        }
        Ok(links)
    }

    /// The error for a reference to `r`, past the last id: names the first
    /// type holding it and where.
    fn ref_error(&self, r: u32, total: u64) -> BtfError {
        // The first type reference equal to `r`, by the same shapes the pass
        // read (a size or an offset of the same value is no reference).
        let found = (0..self.offsets.len()).find_map(|i| {
            let off = self.offsets[i] as usize;
            let shape = SHAPES[(self.kinds[i] & 31) as usize];
            let rec = self.own_record(self.start_id + i as u32).unwrap_or(&[]);
            let vlen = (self.u32_at(rec, 4).unwrap_or(0) & 0xffff) as usize;
            let head = (shape.head_ref != 0).then_some(8);
            head.into_iter()
                .chain(shape.body_refs(vlen).map(|at| TYPE_LEN + at))
                .find(|&w| self.u32_at(rec, w) == Some(r))
                .map(|w| (self.start_id + i as u32, self.types_start + off + w))
        });
        let (holder, offset) = found.unwrap_or((self.start_id, self.types_start));
        BtfError {
            offset,
            msg: format!(
                "type id {holder} refers to type id {r}, past the last id {}",
                total - 1
            ),
        }
    }

    /// The kind of one of this BTF's own types or of a base type.
    fn kind_at(&self, id: u32) -> Option<u8> {
        match id.checked_sub(self.start_id) {
            Some(i) => self.kinds.get(i as usize).copied(),
            None => self.base?.kind_at(id),
        }
    }

    fn func_error(abs: usize, id: u64) -> BtfError {
        BtfError {
            offset: abs + 8,
            msg: format!("func type id {id} does not point to a func_proto"),
        }
    }

    /// The checks [`Btf::index_types`] left: forward funcs, and loops when a
    /// forward link reaches another reference kind (else every chain runs
    /// to lower ids only and ends).
    fn check_links(&self, links: &Links) -> Result<(), BtfError> {
        for &(idx, target) in &links.funcs {
            if self.kind_at(target) != Some(kind::FUNC_PROTO) {
                let abs = self.types_start + self.offsets[idx as usize] as usize;
                return Err(Self::func_error(abs, (self.start_id + idx) as u64));
            }
        }
        // Every loop holds a forward (or self) link, so walking from the
        // source of each forward link that reaches another reference kind
        // finds every loop. Walks stop at types a walk has already cleared.
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
        for &(src, _) in &links.refs {
            if link_of(src as usize).is_none() {
                continue;
            }
            if state.is_empty() {
                state = vec![0u8; self.offsets.len()];
            }
            let mut cur = Some(src as usize);
            walk.clear();
            while let Some(c) = cur {
                match state[c] {
                    2 => break,
                    1 => {
                        return err(
                            self.types_start + self.offsets[c] as usize,
                            format!("type loop through type id {}", self.start_id as usize + c),
                        )
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
        Ok(())
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
    fn rejects_loop() {
        let t = [3, info(kind::TYPEDEF, 0), 2, 3, info(kind::CONST, 0), 1];
        let data = blob(&t, b"\0\0\0t\0");
        let e = Btf::parse(&data).unwrap_err();
        assert!(e.msg.contains("loop"), "{e}");
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
        // 2: ptr -> 3: array of 4 -> 4: typedef -> 2.
        let own = parse(&[0, info(kind::PTR, 0), 2]);
        assert!(own.unwrap_err().msg.contains("type loop"));
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
        let e = parse(&arr).unwrap_err();
        assert!(e.msg.contains("type loop"), "{e}");
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
    fn rejects_garbage() {
        for n in 0..40 {
            let data = vec![0xffu8; n];
            assert!(Btf::parse(&data).is_err());
        }
        let mut data = blob(&[1, info(kind::INT, 0), 4, 32], b"\0int\0");
        data[2] = 2;
        assert!(Btf::parse(&data).unwrap_err().msg.contains("version"));
        data[2] = 1;
        data[4] = 8;
        assert!(Btf::parse(&data).unwrap_err().msg.contains("header length"));
    }
}
