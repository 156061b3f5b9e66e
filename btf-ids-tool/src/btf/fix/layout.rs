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
//!
//! Planning only; the edits are a [`Patch`].

use crate::btf::fix::patch::Patch;
use crate::btf::rules::{layout_problems, Problem};
use crate::btf::{kind, kind_name, Btf};
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

/// The type under typedefs and modifiers (`id` itself on a loop, which the
/// reader has refused already).
fn concrete_id(btf: &Btf<'_>, id: u32) -> u32 {
    btf.skip_mods_and_typedefs(id).unwrap_or(id)
}

fn name_of(btf: &Btf<'_>, id: u32) -> String {
    String::from_utf8_lossy(btf.type_name(id).unwrap_or(b"")).into_owned()
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
    // An empty struct or union of the module, for zero-sized members.
    let zero_sized = (0..n).map(|i| start + i as u32).find(|&id| {
        btf.type_header(id).is_some_and(|t| {
            matches!(t.kind, kind::STRUCT | kind::UNION) && t.size_or_type == 0 && t.vlen == 0
        })
    });
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
                fake_in_array.push(concrete_id(btf, elem));
            }
        }
        if t.kind != kind::STRUCT && t.kind != kind::UNION {
            continue;
        }
        problems.clear();
        layout_problems(btf, id, ptr_size, &mut problems);
        for pr in &problems {
            if let Problem::MemberSize { type_id, .. } = pr {
                let c = concrete_id(btf, *type_id);
                let is_fake = btf.kind_of(c) == Some(kind::INT)
                    && btf.type_name(c) == Some(FAKE_INT)
                    && c >= start;
                if is_fake {
                    fake_trouble.entry(c).or_insert(id);
                }
            }
        }
        let sorted = t.kind == kind::STRUCT
            && problems
                .iter()
                .any(|p| matches!(p, Problem::MemberOrder { .. }));
        if sorted {
            sort_members(btf, id, t.vlen, t.kflag, tags.get(&id), &mut p);
        } else if let Some(zero) = zero_sized {
            // (A sorted struct's members move: left to the final check.)
            zero_sized_at_end(btf, id, t.size_or_type, t.kflag, zero, &problems, &mut p);
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

/// Points each member of `id` that does not fit and starts exactly at the
/// end of the struct (so Rust gave it no size) at the empty type `zero`.
fn zero_sized_at_end(
    btf: &Btf<'_>,
    id: u32,
    size: u32,
    kflag: bool,
    zero: u32,
    problems: &[Problem],
    p: &mut Plan,
) {
    let Some(at) = btf.own_record_offset(id) else {
        return;
    };
    for pr in problems {
        let Problem::MemberSize { member, type_id } = *pr else {
            continue;
        };
        if btf.type_name(concrete_id(btf, type_id)) == Some(FAKE_INT) {
            continue;
        }
        let m = 12 + 12 * member as usize;
        let Some(moff) = btf.record_u32(id, m + 8) else {
            continue;
        };
        let bit_off = if kflag { moff & 0x00ff_ffff } else { moff };
        if u64::from(bit_off) != u64::from(size) * 8 {
            continue;
        }
        p.patch.put(at + m + 4, &btf.encode_u32(zero));
        p.notes.push(format!(
            "pointing member #{member} of {} '{}' [id {id}] at the empty type [id {zero}]: it sits at the struct's end, where Rust has only fields without a size (zero-sized, or an unsized tail), but pahole described it as {} [id {type_id}]",
            kind_name(btf.kind_of(id).unwrap_or(0)),
            name_of(btf, id),
            kind_name(btf.kind_of(type_id).unwrap_or(0)),
        ));
    }
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
