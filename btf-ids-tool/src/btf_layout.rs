//! Two layout repairs for BTF that pahole 1.24 makes from Rust DWARF,
//! both in place and without changing what the types mean:
//!
//! - Rust lays a struct's fields out in another order than it declares
//!   them, and DWARF (so BTF) lists members in declaration order; kernel
//!   6.12 wants them in offset order (`btf_struct_check_meta`: "Invalid
//!   member bits_offset"). The members of such a struct are sorted by
//!   offset (a stable sort), and decl tags naming a member by index follow
//!   it.
//! - pahole encodes a zero-sized base type (Rust's `()`) as a 32-bit INT
//!   named `__SANITIZED_FAKE_INT__`; as a member of a small struct
//!   (`Result<(), E>`'s `Ok`) it "exceeds struct_size". When that is the
//!   only trouble and no array is made of it, the INT is made 0 bits wide,
//!   which is what it stands for.
//! - A Rust dynamically sized type (`CStr { inner: [c_char] }`, `str`) has
//!   no size: pahole gives it size 0 and its slice member the element type,
//!   which then does not fit. Such a struct gets the size its members need,
//!   which is the part of it that has a size.
//!
//! Planning only; the edits are a [`Patch`].

use crate::btf::{kind, kind_name, Btf};
use crate::btf_patch::Patch;
use crate::btf_rules::{layout_problems, type_size, Problem};
use std::collections::HashMap;

/// pahole's name for the INT it makes of a zero-sized base type.
pub const FAKE_INT: &[u8] = b"__SANITIZED_FAKE_INT__";

/// What [`plan`] decided.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// The edits.
    pub patch: Patch,
    /// One line per type changed, for `-v`.
    pub notes: Vec<String>,
}

fn name_of(btf: &Btf<'_>, id: u32) -> String {
    String::from_utf8_lossy(btf.type_name(id).unwrap_or(b"")).into_owned()
}

/// The type under typedefs and modifiers (bounded).
fn concrete(btf: &Btf<'_>, mut id: u32) -> u32 {
    for _ in 0..32 {
        match btf.type_header(id) {
            Some(t)
                if matches!(
                    t.kind,
                    kind::TYPEDEF | kind::VOLATILE | kind::CONST | kind::RESTRICT | kind::TYPE_TAG
                ) =>
            {
                id = t.size_or_type
            }
            _ => break,
        }
    }
    id
}

/// Plans both repairs for `btf`'s own types (`ptr_size`: 8 or 4).
pub fn plan(btf: &Btf<'_>, ptr_size: u32) -> Plan {
    let mut p = Plan::default();
    let start = btf.start_id();
    let n = btf.own_kinds().len();
    // Decl tags on struct members, by struct.
    let mut tags: HashMap<u32, Vec<u32>> = HashMap::new();
    for i in 0..n {
        let id = start + i as u32;
        if btf.own_kinds()[i] == kind::DECL_TAG {
            if let Some(t) = btf.type_header(id) {
                tags.entry(t.size_or_type).or_default().push(id);
            }
        }
    }
    let mut fake_trouble: HashMap<u32, u32> = HashMap::new();
    let mut fake_in_array: Vec<u32> = Vec::new();
    let mut problems = Vec::new();
    for i in 0..n {
        let id = start + i as u32;
        let Some(t) = btf.type_header(id) else {
            continue;
        };
        if t.kind == kind::ARRAY {
            if let Some(elem) = btf.record_u32(id, 12) {
                fake_in_array.push(concrete(btf, elem));
            }
        }
        if t.kind != kind::STRUCT && t.kind != kind::UNION {
            continue;
        }
        problems.clear();
        layout_problems(btf, id, ptr_size, &mut problems);
        if t.kind == kind::STRUCT && t.size_or_type == 0 {
            size_unsized(btf, id, t.vlen, t.kflag, ptr_size, &problems, &mut p);
        }
        for pr in &problems {
            if let Problem::MemberSize { type_id, .. } = pr {
                let c = concrete(btf, *type_id);
                let is_fake = btf.kind_of(c) == Some(kind::INT)
                    && btf.type_name(c) == Some(FAKE_INT)
                    && c >= start;
                if is_fake {
                    fake_trouble.entry(c).or_insert(id);
                }
            }
        }
        if t.kind == kind::STRUCT
            && problems
                .iter()
                .any(|p| matches!(p, Problem::MemberOrder { .. }))
        {
            sort_members(btf, id, t.vlen, t.kflag, tags.get(&id), &mut p);
        }
    }
    let mut fakes: Vec<(u32, u32)> = fake_trouble.into_iter().collect();
    fakes.sort_unstable();
    for (int_id, holder) in fakes {
        if fake_in_array.contains(&int_id) {
            continue;
        }
        let (Some(at), Some(data)) = (btf.own_record_offset(int_id), btf.record_u32(int_id, 12))
        else {
            continue;
        };
        p.patch.put(at + 12, &btf.encode_u32(data & !0xff));
        p.notes.push(format!(
            "making int '{}' [id {int_id}] 0 bits wide: pahole's stand-in for a zero-sized Rust type does not fit in {} '{}' [id {holder}]",
            String::from_utf8_lossy(FAKE_INT),
            kind_name(btf.kind_of(holder).unwrap_or(0)),
            name_of(btf, holder)
        ));
    }
    p
}

/// Gives struct `id` of size 0 (a Rust dynamically sized type) the size of
/// its members, when one of them does not fit and none is pahole's fake int
/// (that has its own repair).
fn size_unsized(
    btf: &Btf<'_>,
    id: u32,
    vlen: u16,
    kflag: bool,
    ptr_size: u32,
    problems: &[Problem],
    p: &mut Plan,
) {
    let too_small = problems.iter().any(|pr| match pr {
        Problem::MemberSize { type_id, .. } => {
            let c = concrete(btf, *type_id);
            btf.type_name(c) != Some(FAKE_INT)
        }
        Problem::MemberStart { .. } => true,
        _ => false,
    });
    if !too_small {
        return;
    }
    let mut end: u64 = 0;
    for i in 0..vlen as usize {
        let (Some(mtype), Some(moff)) = (
            btf.record_u32(id, 12 + 12 * i + 4),
            btf.record_u32(id, 12 + 12 * i + 8),
        ) else {
            return;
        };
        let bit_off = u64::from(if kflag { moff & 0x00ff_ffff } else { moff });
        let Some(size) = type_size(btf, mtype, ptr_size) else {
            return;
        };
        end = end.max(bit_off.div_ceil(8) + size);
    }
    let (Ok(size), Some(at)) = (u32::try_from(end), btf.own_record_offset(id)) else {
        return;
    };
    p.patch.put(at + 8, &btf.encode_u32(size));
    p.notes.push(format!(
        "giving unsized struct '{}' [id {id}] the {size} bytes its members need (a Rust dynamically sized type has no size, and 6.12 wants every member inside its struct)",
        name_of(btf, id)
    ));
}

/// Sorts the members of struct `id` by offset, and remaps the component
/// index of the decl tags on them.
fn sort_members(
    btf: &Btf<'_>,
    id: u32,
    vlen: u16,
    kflag: bool,
    tags: Option<&Vec<u32>>,
    p: &mut Plan,
) {
    let Some(at) = btf.own_record_offset(id) else {
        return;
    };
    let raw = btf.raw();
    let members: Option<Vec<(u32, &[u8])>> = (0..vlen as usize)
        .map(|i| {
            let m = raw.get(at + 12 + 12 * i..at + 24 + 12 * i)?;
            let off = btf.raw_u32(at + 12 + 12 * i + 8)?;
            Some((if kflag { off & 0x00ff_ffff } else { off }, m))
        })
        .collect();
    let Some(members) = members else { return };
    let mut order: Vec<usize> = (0..members.len()).collect();
    order.sort_by_key(|&i| members[i].0);
    let mut body = Vec::with_capacity(12 * members.len());
    for &i in &order {
        body.extend_from_slice(members[i].1);
    }
    p.patch.put(at + 12, &body);
    for &tag in tags.into_iter().flatten() {
        let (Some(tat), Some(comp)) = (btf.own_record_offset(tag), btf.record_u32(tag, 12)) else {
            continue;
        };
        if let Some(new) = order.iter().position(|&o| o as u32 == comp) {
            p.patch.put(tat + 12, &btf.encode_u32(new as u32));
        }
    }
    p.notes.push(format!(
        "sorting the members of struct '{}' [id {id}] by offset (Rust lays fields out in another order than it declares them)",
        name_of(btf, id)
    ));
}
