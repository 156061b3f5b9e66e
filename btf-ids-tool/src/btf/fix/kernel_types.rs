//! Kernel types declared opaque in Rust (`#[repr(C)] pub struct
//! task_struct {}`): rustc emits them as ordinary, complete, zero-sized
//! structs, so pahole gives the module its own `STRUCT 'task_struct'
//! size=0` instead of mapping it to vmlinux's type, and the verifier then
//! refuses vmlinux pointers for the module's kfuncs ("expected pointer to
//! STRUCT task_struct but R1 has a pointer to STRUCT task_struct").
//!
//! A module-local struct or union of size 0 with a name (its members, if
//! any, are all zero-sized, as in `{ _opaque: [u8; 0] }`) whose name has
//! exactly one base type of its kind (a base FWD does not count) is
//! "pointed" at that base type: every type-id word of the split BTF that
//! names it is rewritten to the base id, and its own name is cleared. Its
//! record stays (the kernel accepts an unreferenced split type, named or
//! not), so no type id moves. Left alone, with a note: names with no base
//! type, or only a forward declaration, and types embedded by value (in a
//! member, an array or a variable, through typedefs and modifiers): the
//! base type's size would not fit where the zero-sized one sat. Several
//! base types of the name: an error, since any choice may be wrong.
//!
//! This module only plans ([`scan`], [`plan`]); the edits are a
//! [`Patch`].

use crate::btf::fix::patch::Patch;
use crate::btf::{kind, kind_name, Btf, RefSite};
use crate::Error;
use std::collections::HashMap;

/// What the base holds for a local opaque type's name and kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaseMatch {
    /// Exactly one type: the one to point at.
    One(u32),
    /// Several: ambiguous.
    Several(Vec<u32>),
    /// Only forward declarations (their ids).
    OnlyFwd(Vec<u32>),
    /// Nothing of that name and kind.
    Nothing,
}

/// A module-local opaque struct or union and what the base has for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shadow {
    /// Its id in the split BTF.
    pub local: u32,
    /// STRUCT or UNION.
    pub kind: u8,
    /// Its name.
    pub name: String,
    /// What the base has.
    pub base: BaseMatch,
    /// An own type that embeds it by value (member, array element or
    /// variable, through typedefs and modifiers), if any.
    pub embedded_in: Option<u32>,
}

impl Shadow {
    /// The base id it would be pointed at.
    pub fn target(&self) -> Option<u32> {
        match (&self.base, self.embedded_in) {
            (BaseMatch::One(b), None) => Some(*b),
            _ => None,
        }
    }

    /// `struct task_struct`.
    pub fn what(&self) -> String {
        format!("{} {}", kind_name(self.kind), self.name)
    }
}

/// Whether own type `id` is a candidate: a named struct or union of size 0.
fn is_opaque<'a>(btf: &Btf<'a>, id: u32) -> Option<(u8, &'a [u8])> {
    let t = btf.type_header(id)?;
    if !matches!(t.kind, kind::STRUCT | kind::UNION) || t.size_or_type != 0 || t.name_off == 0 {
        return None;
    }
    let name = btf.name_bytes(t.name_off)?;
    (!name.is_empty()).then_some((t.kind, name))
}

/// The type `id` names once typedefs and modifiers are skipped (`id`
/// itself on a loop, which the reader has refused already).
fn under_modifiers(btf: &Btf<'_>, id: u32) -> u32 {
    btf.skip_mods_and_typedefs(id).unwrap_or(id)
}

/// The module-local opaque types of split BTF `btf` and what its base
/// holds for each (empty without a base).
pub fn scan<'a>(btf: &Btf<'a>) -> Vec<Shadow> {
    let Some(base) = btf.base() else {
        return Vec::new();
    };
    let start = btf.start_id();
    let mut wanted: HashMap<(&'a [u8], u8), usize> = HashMap::new();
    let mut out: Vec<Shadow> = Vec::new();
    let mut found: Vec<(Vec<u32>, Vec<u32>)> = Vec::new();
    let mut slots: Vec<usize> = Vec::new();
    for i in 0..btf.own_kinds().len() {
        let id = start + i as u32;
        if let Some((k, name)) = is_opaque(btf, id) {
            let slot = *wanted.entry((name, k)).or_insert_with(|| {
                found.push((Vec::new(), Vec::new()));
                found.len() - 1
            });
            slots.push(slot);
            out.push(Shadow {
                local: id,
                kind: k,
                name: String::from_utf8_lossy(name).into_owned(),
                base: BaseMatch::Nothing,
                embedded_in: None,
            });
        }
    }
    if out.is_empty() {
        return out;
    }
    // One pass over the base: structs, unions and forward declarations
    // (kflag: union) of the wanted names.
    for i in 0..base.own_kinds().len() {
        let id = base.start_id() + i as u32;
        let Some(t) = base.type_header(id) else {
            continue;
        };
        let (k, fwd) = match t.kind {
            kind::STRUCT | kind::UNION => (t.kind, false),
            kind::FWD if t.kflag => (kind::UNION, true),
            kind::FWD => (kind::STRUCT, true),
            _ => continue,
        };
        let Some(name) = base.name_bytes(t.name_off) else {
            continue;
        };
        if let Some(&slot) = wanted.get(&(name, k)) {
            let (full, fwds) = &mut found[slot];
            if fwd {
                fwds.push(id);
            } else {
                full.push(id);
            }
        }
    }
    // Own types that embed a candidate by value.
    let mut embedded: HashMap<u32, u32> = HashMap::new();
    for i in 0..btf.own_kinds().len() {
        let holder = start + i as u32;
        let hk = btf.kind_of(holder).unwrap_or(0);
        btf.for_each_ref(holder, |site, _, target| {
            let by_value = matches!(site, RefSite::Member(_) | RefSite::ArrayElem)
                || (site == RefSite::Head && hk == kind::VAR);
            if by_value {
                embedded
                    .entry(under_modifiers(btf, target))
                    .or_insert(holder);
            }
        });
    }
    for (s, &slot) in out.iter_mut().zip(&slots) {
        let (full, fwds) = &found[slot];
        s.base = match full.len() {
            0 if fwds.is_empty() => BaseMatch::Nothing,
            0 => BaseMatch::OnlyFwd(fwds.clone()),
            1 => BaseMatch::One(full[0]),
            _ => BaseMatch::Several(full.clone()),
        };
        s.embedded_in = embedded.get(&s.local).copied();
    }
    out
}

/// The error for a name with several base types.
pub fn ambiguous_error(s: &Shadow, ids: &[u32]) -> Error {
    Error::own_btf(format!(
        "module {} [id {}] is opaque, and vmlinux has {} types {} (ids {}): cannot tell which one it means; \
         rename the module's type or pass --no-kernel-types",
        s.what(),
        s.local,
        ids.len(),
        s.what(),
        ids.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
    ))
}

/// What [`plan`] decided.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// The edits.
    pub patch: Patch,
    /// (local id, base id) pointed.
    pub pointed: Vec<(u32, u32)>,
    /// One line per type looked at, for `-v`.
    pub notes: Vec<String>,
}

/// Plans the pointing for split BTF `btf` (see the module docs). Errors on a
/// name with several base types.
pub fn plan(btf: &Btf<'_>) -> Result<Plan, Error> {
    let shadows = scan(btf);
    let mut p = Plan::default();
    let mut map: HashMap<u32, u32> = HashMap::new();
    for s in &shadows {
        match (&s.base, s.embedded_in) {
            (BaseMatch::Several(ids), _) => return Err(ambiguous_error(s, ids)),
            (BaseMatch::One(b), None) => {
                p.notes.push(format!(
                    "pointing module {} [id {}] at vmlinux [id {b}]",
                    s.what(),
                    s.local
                ));
                map.insert(s.local, *b);
                p.pointed.push((s.local, *b));
            }
            (BaseMatch::One(b), Some(h)) => p.notes.push(format!(
                "module {} [id {}] left alone: type [id {h}] embeds it by value, and vmlinux's [id {b}] would not fit there",
                s.what(),
                s.local
            )),
            (BaseMatch::OnlyFwd(f), _) => p.notes.push(format!(
                "module {} [id {}] left alone: vmlinux has only a forward declaration [id {}]",
                s.what(),
                s.local,
                f.first().copied().unwrap_or(0)
            )),
            (BaseMatch::Nothing, _) => p.notes.push(format!(
                "module {} [id {}] left alone: vmlinux has no {}",
                s.what(),
                s.local,
                s.what()
            )),
        }
    }
    if map.is_empty() {
        return Ok(p);
    }
    for i in 0..btf.own_kinds().len() {
        let id = btf.start_id() + i as u32;
        btf.for_each_ref(id, |_, at, target| {
            if let Some(&b) = map.get(&target) {
                p.patch.put(at, &btf.encode_u32(b));
            }
        });
    }
    for &(local, _) in &p.pointed {
        if let Some(at) = btf.own_record_offset(local) {
            p.patch.put(at, &btf.encode_u32(0));
        }
    }
    Ok(p)
}
