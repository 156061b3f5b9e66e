//! Whether split BTF was made over the base it is given. Split BTF records
//! nothing about its base: its type ids and string offsets simply go on
//! from the base's counts, so over another base they still parse, but name
//! and point at the wrong things (and the kernel refuses the module's BTF:
//! "Invalid name_offset", or worse, accepts nonsense). What shows it
//! reliably (pahole and libbpf only ever write offsets of whole strings and
//! ids of types that fit where they are used):
//!
//! - every name offset below the base's string length is the start of a
//!   base string (0, or just after a NUL), and every one above it the start
//!   of a string of the split's own section;
//! - every type id is below base count + own count (checked by the parser);
//! - a base type that the split BTF refers to has a kind the reference
//!   allows: a pointer or modifier never points at a FUNC, VAR, DATASEC or
//!   DECL_TAG; a member, array element or variable never has such a type,
//!   a FUNC_PROTO or a FWD; an array index is an INT; a datasec entry is a
//!   VAR or FUNC; a decl tag sits on a struct, union, func, var or typedef.
//!
//! Over the wrong base, base string offsets land inside other strings
//! (most of a module's names are base strings: `int`, `list_head`, member
//! names), so the first check alone refuses a module made over another
//! kernel within its first few names.

use crate::btf::{kind, kind_name, Btf, NameSite, RefSite};
use std::fmt;

/// The first thing found that does not fit the base.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The split type holding it.
    pub id: u32,
    /// Offset of the word in the split BTF blob.
    pub offset: usize,
    /// What is wrong.
    pub what: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "type [{}] {}", self.id, self.what)
    }
}

fn allowed(holder: u8, site: RefSite, target: u8) -> bool {
    use kind::*;
    let not = |bad: &[u8]| !bad.contains(&target);
    match site {
        RefSite::Head => match holder {
            PTR | TYPEDEF | CONST | VOLATILE | RESTRICT | TYPE_TAG => {
                not(&[FUNC, VAR, DATASEC, DECL_TAG])
            }
            FUNC => target == FUNC_PROTO,
            FUNC_PROTO => not(&[FUNC, VAR, DATASEC, DECL_TAG, FWD]),
            VAR => not(&[FUNC, FUNC_PROTO, VAR, DATASEC, DECL_TAG, FWD]),
            DECL_TAG => [STRUCT, UNION, FUNC, VAR, TYPEDEF].contains(&target),
            _ => true,
        },
        RefSite::Param(_) => not(&[FUNC, VAR, DATASEC, DECL_TAG, FWD]),
        RefSite::Member(_) | RefSite::ArrayElem => {
            not(&[FUNC, FUNC_PROTO, VAR, DATASEC, DECL_TAG, FWD])
        }
        RefSite::ArrayIndex => {
            [INT, TYPEDEF, CONST, VOLATILE, RESTRICT, TYPE_TAG].contains(&target)
        }
        RefSite::SecInfo(_) => target == VAR || target == FUNC,
    }
}

fn site_str(s: NameSite) -> String {
    match s {
        NameSite::Type => "name".into(),
        NameSite::Member(i) => format!("member #{i} name"),
        NameSite::Param(i) => format!("parameter #{} name", i as u32 + 1),
        NameSite::EnumValue(i) => format!("value #{i} name"),
    }
}

fn ref_str(s: RefSite) -> String {
    match s {
        RefSite::Head => "type".into(),
        RefSite::ArrayElem => "element type".into(),
        RefSite::ArrayIndex => "index type".into(),
        RefSite::Member(i) => format!("member #{i} type"),
        RefSite::Param(i) => format!("parameter #{} type", i as u32 + 1),
        RefSite::SecInfo(i) => format!("entry #{i}"),
    }
}

/// Checks split BTF `btf` against its base (nothing to check without one).
pub fn check(btf: &Btf<'_>) -> Result<(), Mismatch> {
    let Some(base) = btf.base() else {
        return Ok(());
    };
    let start = btf.start_id();
    let base_strs = btf.start_str_off();
    for i in 0..btf.own_kinds().len() {
        let id = start + i as u32;
        let k = btf.own_kinds()[i];
        let mut bad: Option<Mismatch> = None;
        btf.for_each_name(id, |site, at, off| {
            if bad.is_some() || off == 0 {
                return;
            }
            let what = if !btf.string_offset_valid(off) {
                Some("past the end of the strings".to_string())
            } else if !btf.is_string_start(off) {
                let (table, within) = if off < base_strs {
                    ("the base's", base.string_tail(off).unwrap_or(b""))
                } else {
                    ("its own", btf.string_tail(off).unwrap_or(b""))
                };
                let s = &within[..crate::bytes::memchr(0, within)
                    .unwrap_or(within.len())
                    .min(24)];
                Some(format!(
                    "inside a string of {table} strings ('…{}')",
                    String::from_utf8_lossy(s)
                ))
            } else {
                None
            };
            if let Some(w) = what {
                bad = Some(Mismatch {
                    id,
                    offset: at,
                    what: format!(
                        "{} {}: offset {off:#x} is {w}",
                        kind_name(k),
                        site_str(site)
                    ),
                });
            }
        });
        btf.for_each_ref(id, |site, at, target| {
            if bad.is_some() || target == 0 || target >= start {
                return;
            }
            let Some(tk) = base.kind_of(target) else {
                return;
            };
            if !allowed(k, site, tk) {
                bad = Some(Mismatch {
                    id,
                    offset: at,
                    what: format!(
                        "{} {} is base type [{target}], a {}, which cannot be there",
                        kind_name(k),
                        ref_str(site),
                        kind_name(tk)
                    ),
                });
            }
        });
        if let Some(m) = bad {
            return Err(m);
        }
    }
    Ok(())
}
