//! [`Btf`]: one pass over the type section that records each type's
//! offset and kind, then the checks that need every type, and the
//! queries on the result.

use super::shape::{is_ref_kind, RECORDS, SHAPES};
use super::{
    err, info_kflag, info_kind, info_vlen, kind, word, BtfError, Header, NoVisitor, TypeHeader,
    TypeVisitor, MAX_NR_TYPES, TYPE_LEN,
};

/// The funcs whose type the type pass had not seen yet, as (own index,
/// target id), for [`Btf::index_types`] to check once every kind is known
/// (a func pointing back is checked on the spot).
#[derive(Default)]
struct Links {
    funcs: Vec<(u32, u32)>,
}

/// A parsed BTF blob, optionally split over a base.
#[derive(Debug)]
pub struct Btf<'a> {
    pub(super) data: &'a [u8],
    pub(super) big_endian: bool,
    pub(super) hdr_len: usize,
    /// Absolute offset (in `data`) of the type section.
    pub(super) types_start: usize,
    pub(super) types: &'a [u8],
    pub(super) strs: &'a [u8],
    /// Absolute offset (in `data`) of the string section.
    pub(super) strs_start: usize,
    /// Offset of each own type within `types`.
    pub(super) offsets: Vec<u32>,
    /// Kind of each own type.
    pub(super) kinds: Vec<u8>,
    /// First own type id (1 for a base, base's count for split BTF).
    pub(super) start_id: u32,
    /// First own string offset (0 for a base).
    pub(super) start_str_off: u32,
    pub(super) base: Option<&'a Btf<'a>>,
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
    pub(super) fn u32_at(&self, buf: &[u8], off: usize) -> Option<u32> {
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
            let k = info_kind(info);
            let vlen = info_vlen(info);
            // The record's shape comes from a table rather than a match:
            // kinds follow each other with little pattern, and a branch per
            // kind is mispredicted about as often as it is taken.
            let shape = RECORDS[k as usize];
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
            let (r, n) = shape.maxima::<BE>(name_off, target, body);
            max_ref = max_ref.max(r);
            max_name = max_name.max(n);
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
            let vlen = info_vlen(rd(4));
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
            kind: info_kind(info),
            vlen: info_vlen(info) as u16,
            kflag: info_kflag(info),
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
    pub(super) fn name_off_valid(&self, off: u32) -> bool {
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
        let end = crate::bytes::memchr(0, s)?;
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
