//! Where the type ids and name offsets of a record are, for the repairs
//! that rewrite them in place.

use super::shape::SHAPES;
use super::{info_kind, info_vlen, kind, Btf, TYPE_LEN};

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
        let k = info_kind(info);
        let vlen = info_vlen(info);
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
        let k = info_kind(info);
        let vlen = info_vlen(info);
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
