//! How each kind's type record is laid out: what the type pass reads,
//! checks and follows, one table for the reader and the streaming scan.

use super::{kind, word, TYPE_LEN};

/// How a kind's record is laid out, for the type pass.
#[derive(Clone, Copy)]
pub(crate) struct Shape {
    pub(crate) valid: bool,
    /// Bytes after the 12-byte header: `fixed + per_vlen * vlen`.
    pub(crate) fixed: u8,
    pub(crate) per_vlen: u8,
    /// All ones when the header's third word is a type id (else 0).
    pub(crate) head_ref: u32,
    /// All ones when libbpf checks that id (all but a func_proto's return
    /// type).
    pub(crate) head_checked: u32,
    /// Name offsets in the body: `vlen & names_per_vlen` of them,
    /// `name_stride` bytes apart from byte 0 (members, parameters, enum
    /// values).
    pub(crate) names_per_vlen: usize,
    pub(crate) name_stride: u8,
    /// Type ids in the body: `refs_fixed + (vlen & refs_per_vlen)` of them,
    /// `ref_stride` bytes apart from byte `ref_at`.
    pub(crate) refs_fixed: u8,
    pub(crate) refs_per_vlen: usize,
    pub(crate) ref_stride: u8,
    pub(crate) ref_at: u8,
    /// Offset in the record of the single link that can be part of a loop
    /// ([`is_ref_kind`]); 0: none.
    pub(crate) link_at: u8,
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
pub(super) const SHAPES: [Shape; 32] = {
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
pub(super) fn is_ref_kind(k: u8) -> bool {
    SHAPES[(k & 31) as usize].link_at != 0
}

/// A kind's record as the type pass of both readers ([`Btf`](super::Btf)
/// and the streaming [`scan`](super::scan)) checks it, in one table entry:
/// `valid`, the record length (`12 + fixed + per_vlen * vlen`), the header
/// word kept as a type id (`head_mask`), and the `per_vlen`-byte entries
/// after the fixed part: a name at byte 0 kept by `name_mask`, a type id at
/// `ref_at` kept by `ref_mask` (what [`Shape::body_names`] and
/// [`Shape::body_refs`] say, as masks: no branch on the kind); `array`: the
/// fixed part holds two ids. [`Shape`] stays the description the error
/// paths and the repairs walk; the unit test below holds the two together.
#[derive(Clone, Copy)]
pub(crate) struct Record {
    pub(crate) valid: bool,
    array: bool,
    pub(crate) fixed: u8,
    pub(crate) per_vlen: u8,
    ref_at: u8,
    head_mask: u32,
    name_mask: u32,
    ref_mask: u32,
}

impl Record {
    /// The largest type id and the largest name offset in a record whose
    /// header holds `name_off` and `target` and whose body (after the
    /// header) is `body`: libbpf checks every one against the type count
    /// and the string length, so the pass keeps only the maxima and
    /// compares once at the end.
    #[inline(always)]
    pub(crate) fn maxima<const BE: bool>(
        &self,
        name_off: u32,
        target: u32,
        body: &[u8],
    ) -> (u32, u32) {
        let mut max_ref = target & self.head_mask;
        let mut max_name = name_off;
        if self.name_mask | self.ref_mask != 0 {
            // Each entry's first eight bytes as one load: the name is the
            // first word, the type id the first or the second.
            let (nm, rm) = (self.name_mask, self.ref_mask);
            let (name_shift, ref_shift) = if BE {
                (32, 32 - 8 * self.ref_at as u32)
            } else {
                (0, 8 * self.ref_at as u32)
            };
            // A constant stride per loop: no division by a variable.
            let mut entry = |c: &[u8]| {
                let Some(b) = c.first_chunk::<8>() else {
                    return;
                };
                let q = if BE {
                    u64::from_be_bytes(*b)
                } else {
                    u64::from_le_bytes(*b)
                };
                max_name = max_name.max((q >> name_shift) as u32 & nm);
                max_ref = max_ref.max((q >> ref_shift) as u32 & rm);
            };
            if self.per_vlen == 12 {
                body.chunks_exact(12).for_each(&mut entry);
            } else {
                body.chunks_exact(8).for_each(&mut entry);
            }
        } else if self.array {
            max_ref = max_ref.max(word::<BE>(body, 0)).max(word::<BE>(body, 4));
        }
        (max_ref, max_name)
    }
}

/// [`Record`] of every kind number the 5-bit field can hold.
pub(crate) const RECORDS: [Record; 32] = {
    let mut t = [Record {
        valid: false,
        array: false,
        fixed: 0,
        per_vlen: 0,
        ref_at: 0,
        head_mask: 0,
        name_mask: 0,
        ref_mask: 0,
    }; 32];
    let mut k = 0;
    while k < 32 {
        let s = shape(k as u8);
        let (ref_at, name_mask, ref_mask) = match k as u8 {
            // Members {name_off, type, offset}; params {name_off, type}.
            kind::STRUCT | kind::UNION | kind::FUNC_PROTO => (4, u32::MAX, u32::MAX),
            // Values {name_off, val} and {name_off, lo32, hi32}.
            kind::ENUM | kind::ENUM64 => (4, u32::MAX, 0),
            // var_secinfo {type, offset, size}.
            kind::DATASEC => (0, 0, u32::MAX),
            _ => (0, 0, 0),
        };
        t[k] = Record {
            valid: s.valid,
            array: k as u8 == kind::ARRAY,
            fixed: s.fixed,
            per_vlen: s.per_vlen,
            ref_at,
            head_mask: s.head_checked,
            name_mask,
            ref_mask,
        };
        k += 1;
    }
    t
};

#[cfg(test)]
mod tests {
    use super::*;

    /// For every kind, a few member counts and pseudo-random bodies in both
    /// byte orders: [`Record::maxima`] finds the maxima of exactly the words
    /// [`Shape`] names.
    #[test]
    fn records_agree_with_the_shapes() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u32
        };
        for k in 0..32u8 {
            let (s, r) = (shape(k), RECORDS[k as usize]);
            assert_eq!(s.valid, r.valid, "kind {k}");
            assert_eq!((s.fixed, s.per_vlen), (r.fixed, r.per_vlen), "kind {k}");
            if !s.valid {
                continue;
            }
            for vlen in 0..5usize {
                for _ in 0..8 {
                    let len = s.fixed as usize + s.per_vlen as usize * vlen;
                    let body: Vec<u8> = (0..len).map(|_| next() as u8).collect();
                    let (name_off, target) = (next(), next());
                    let want = |be: bool| {
                        let rd = |at: usize| {
                            let b: [u8; 4] = body[at..at + 4].try_into().unwrap();
                            if be {
                                u32::from_be_bytes(b)
                            } else {
                                u32::from_le_bytes(b)
                            }
                        };
                        let refs = s
                            .body_refs(vlen)
                            .map(rd)
                            .fold(target & s.head_checked, u32::max);
                        let names = s.body_names(vlen).map(rd).fold(name_off, u32::max);
                        (refs, names)
                    };
                    assert_eq!(
                        r.maxima::<false>(name_off, target, &body),
                        want(false),
                        "kind {k} vlen {vlen} le"
                    );
                    assert_eq!(
                        r.maxima::<true>(name_off, target, &body),
                        want(true),
                        "kind {k} vlen {vlen} be"
                    );
                }
            }
        }
    }
}
