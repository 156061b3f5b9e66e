//! Making the names of a BTF blob pass kernel 6.12's rules
//! ([`crate::btf::rules`]) without growing it. Rust DWARF names types
//! `BtfIdSet8<4>`, `&str`, `Option<unsafe extern "C" fn(...)>`,
//! `{closure_env#0}`, `(u8, u32)`, which the kernel refuses.
//!
//! - A string of the blob's own string section that only identifier
//!   positions use (type names of structs, unions, enums, typedefs, funcs,
//!   vars and fwds; member, parameter and enum value names) is rewritten in
//!   place: every byte that may not appear in an identifier becomes `_`, a
//!   leading digit too, and a name longer than `KSYM_NAME_LEN` is cut with a
//!   NUL. `BtfIdSet8<4>` becomes `BtfIdSet8_4_`.
//! - Otherwise (the string is also an INT or FLOAT name, a DATASEC name or a
//!   tag value, or it lives in the base's strings) the name is cleared
//!   where the position may be anonymous (struct, union and enum names,
//!   member names, parameters of prototypes no FUNC uses).
//! - Where neither works (a FUNC, TYPEDEF, VAR or FWD, an enum value, a
//!   FUNC's parameter), or for names the kernel wants absent (PTR, ARRAY,
//!   modifiers, FUNC_PROTO) or non-empty (tags), planning fails with an
//!   error naming the type.
//!
//! Uses are grouped by the NUL that ends their string, so that a name
//! pointing into the middle of another string is seen as sharing it.

use crate::btf::fix::patch::Patch;
use crate::btf::rules::{name_rule, protos_of_funcs, NameRule, KSYM_NAME_LEN};
use crate::btf::{kind_name, Btf, NameSite};
use crate::Error;
use std::collections::{BTreeMap, BTreeSet};

/// One name-offset word of an own type.
#[derive(Debug, Clone)]
struct Use {
    id: u32,
    kind: u8,
    site: NameSite,
    /// Offset of the word in the blob.
    field: usize,
    name_off: u32,
    rule: NameRule,
}

/// What [`plan`] decided.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// The edits.
    pub patch: Patch,
    /// One line per name changed, for `-v`.
    pub notes: Vec<String>,
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn site_label(u: &Use, btf: &Btf<'_>) -> String {
    let owner = format!(
        "{} '{}' [id {}]",
        kind_name(u.kind),
        lossy(btf.type_name(u.id).unwrap_or(b"")),
        u.id
    );
    match u.site {
        NameSite::Type => owner,
        NameSite::Member(i) => format!("member #{i} of {owner}"),
        NameSite::Param(i) => format!("parameter #{} of {owner}", i as u32 + 1),
        NameSite::EnumValue(i) => format!("value #{i} of {owner}"),
    }
}

/// Every own name-offset word with its rule.
fn uses(btf: &Btf<'_>) -> Vec<Use> {
    let named = protos_of_funcs(btf);
    let mut out = Vec::new();
    for i in 0..btf.own_kinds().len() {
        let id = btf.start_id() + i as u32;
        let Some(t) = btf.type_header(id) else {
            continue;
        };
        let fixed_params = named.contains(&id);
        let last_vararg = t.vlen > 0
            && t.kind == crate::btf::kind::FUNC_PROTO
            && btf.record_u32(id, 12 + 8 * (t.vlen as usize - 1) + 4) == Some(0);
        btf.for_each_name(id, |site, field, name_off| {
            let mut rule = name_rule(t.kind, site, fixed_params);
            if matches!(site, NameSite::Param(p) if last_vararg && p + 1 == t.vlen) {
                rule = NameRule::Anonymous;
            }
            out.push(Use {
                id,
                kind: t.kind,
                site,
                field,
                name_off,
                rule,
            });
        });
    }
    out
}

/// `s` made an identifier: bytes outside `[A-Za-z0-9_.]` become `_`.
fn sanitize(s: &[u8]) -> Vec<u8> {
    s.iter()
        .map(|&c| {
            if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' {
                c
            } else {
                b'_'
            }
        })
        .collect()
}

/// Plans the renames of `btf`'s own names (see the module docs).
pub fn plan(btf: &Btf<'_>) -> Result<Plan, Error> {
    let all = uses(btf);
    let own_start = btf.start_str_off();
    let strs = btf.string_section();
    // The end (relative NUL position) of each own string use.
    let end_of = |off: u32| -> Option<usize> {
        let rel = off.checked_sub(own_start)? as usize;
        let tail = strs.get(rel..)?;
        Some(rel + crate::bytes::memchr(0, tail)?)
    };
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, u) in all.iter().enumerate() {
        if u.name_off != 0 {
            if let Some(e) = end_of(u.name_off) {
                groups.entry(e).or_default().push(i);
            }
        }
    }
    let mut rewrite: BTreeSet<usize> = BTreeSet::new();
    let mut plan = Plan::default();
    for u in &all {
        let name = if u.name_off == 0 {
            Some(&b""[..])
        } else {
            btf.name_bytes(u.name_off)
        };
        let Some(name) = name else {
            return Err(Error::own_btf(format!(
                "{}: name offset {:#x} is outside the strings",
                site_label(u, btf),
                u.name_off
            ))
            .at(u.field as u64));
        };
        if u.rule.accepts(u.name_off, name) {
            continue;
        }
        let shown = lossy(name);
        let fail = |why: &str| {
            Err(Error::own_btf(format!(
                "{}: name '{shown}' {why}; the kernel (6.12) would drop the module's BTF",
                site_label(u, btf)
            ))
            .at(u.field as u64))
        };
        match u.rule {
            NameRule::Anonymous => return fail("must be empty, and btf-ids leaves it to you"),
            NameRule::Section => return fail("is not a valid section name"),
            NameRule::NonEmpty => return fail("must not be empty"),
            _ => {}
        }
        if name.is_empty() {
            if !u.rule.allows_anonymous() {
                return fail("is required and missing");
            }
            plan.patch.put(u.field, &btf.encode_u32(0));
            plan.notes.push(format!(
                "clearing the empty name of {} (the kernel wants offset 0 there)",
                site_label(u, btf)
            ));
            continue;
        }
        let group = end_of(u.name_off).and_then(|e| groups.get(&e).map(|g| (e, g)));
        let reason = match group {
            None => Some("its string is in the base's strings"),
            Some((_, g)) if g.iter().any(|&j| !all[j].rule.is_identifier()) => {
                Some("its string is also used where another rule applies")
            }
            Some((_, g))
                if name.len() > KSYM_NAME_LEN
                    && g.iter().any(|&j| all[j].name_off != u.name_off) =>
            {
                Some("it is too long and shares its string")
            }
            Some((e, _)) => {
                rewrite.insert(e);
                None
            }
        };
        if let Some(reason) = reason {
            if !u.rule.allows_anonymous() {
                return fail(&format!("cannot be made an identifier in place ({reason})"));
            }
            plan.patch.put(u.field, &btf.encode_u32(0));
            plan.notes.push(format!(
                "clearing the name '{shown}' of {} ({reason})",
                site_label(u, btf)
            ));
        }
    }
    let abs = btf.string_section_offset();
    for e in rewrite {
        let members = &groups[&e];
        let Some(lo) = members
            .iter()
            .map(|&j| (all[j].name_off - own_start) as usize)
            .min()
        else {
            continue;
        };
        let mut new = sanitize(&strs[lo..e]);
        let mut starts: Vec<usize> = members
            .iter()
            .map(|&j| (all[j].name_off - own_start) as usize - lo)
            .collect();
        starts.sort_unstable();
        starts.dedup();
        for &s in &starts {
            if new.get(s).is_some_and(u8::is_ascii_digit) {
                new[s] = b'_';
            }
        }
        if let [only] = starts[..] {
            if new.len() - only > KSYM_NAME_LEN {
                new[only + KSYM_NAME_LEN] = 0;
            }
        }
        let mut seen = BTreeSet::new();
        for &j in members {
            let u = &all[j];
            let rel = (u.name_off - own_start) as usize - lo;
            let old = &strs[lo + rel..e];
            let cut = &new[rel..];
            let cut = &cut[..crate::bytes::memchr(0, cut).unwrap_or(cut.len())];
            if old != cut && seen.insert((u.id, u.name_off)) {
                plan.notes.push(match u.site {
                    NameSite::Type => format!(
                        "renaming {} '{}' [id {}] to '{}'",
                        kind_name(u.kind),
                        lossy(old),
                        u.id,
                        lossy(cut)
                    ),
                    _ => format!(
                        "renaming {} from '{}' to '{}'",
                        site_label(u, btf),
                        lossy(old),
                        lossy(cut)
                    ),
                });
            }
        }
        plan.patch.put(abs + lo, &new);
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::btf::kind;
    use crate::btf::rules as btf_rules;

    fn blob(types: &[u32], strs: &[u8]) -> Vec<u8> {
        let mut v = vec![0x9f, 0xeb, 1, 0];
        let tl = (types.len() * 4) as u32;
        for w in [24, 0, tl, tl, strs.len() as u32] {
            v.extend_from_slice(&w.to_le_bytes());
        }
        for t in types {
            v.extend_from_slice(&t.to_le_bytes());
        }
        v.extend_from_slice(strs);
        v
    }

    fn info(k: u8, vlen: u32) -> u32 {
        ((k as u32) << 24) | vlen
    }

    // "\0int\0a<b>\0x y\0m\09lives\0"
    const STRS: &[u8] = b"\0int\0a<b>\0x y\0m\09lives\0";
    const INT: u32 = 1;
    const AB: u32 = 5;
    const XY: u32 = 10;
    const M: u32 = 14;
    const NINE: u32 = 16;

    fn types(with_typedef: bool) -> Vec<u32> {
        let mut t = vec![
            // 1: int
            INT,
            info(kind::INT, 0),
            4,
            32,
            // 2: struct a<b> { int m; }
            AB,
            info(kind::STRUCT, 1),
            4,
            M,
            1,
            0,
            // 3: struct "x y" (its string is also an INT name)
            XY,
            info(kind::STRUCT, 0),
            0,
            // 4: int "x y"
            XY,
            info(kind::INT, 0),
            4,
            32,
            // 5: struct 9lives
            NINE,
            info(kind::STRUCT, 0),
            0,
        ];
        if with_typedef {
            t.extend_from_slice(&[XY, info(kind::TYPEDEF, 0), 1]);
        }
        t
    }

    #[test]
    fn renames_clears_or_refuses() {
        let data = blob(&types(false), STRS);
        let btf = Btf::parse(&data).unwrap();
        assert_eq!(btf_rules::check(&btf, 8).len(), 3);
        let p = plan(&btf).unwrap();
        let fixed = p.patch.apply(&data).unwrap();
        assert_eq!(fixed.len(), data.len());
        let after = Btf::parse(&fixed).unwrap();
        assert_eq!(btf_rules::check(&after, 8), vec![]);
        assert_eq!(after.type_name(2), Some(&b"a_b_"[..]));
        assert_eq!(after.type_header(3).unwrap().name_off, 0);
        assert_eq!(after.type_name(4), Some(&b"x y"[..]));
        assert_eq!(after.type_name(5), Some(&b"_lives"[..]));
        assert!(p
            .notes
            .iter()
            .any(|n| n.contains("renaming struct 'a<b>' [id 2] to 'a_b_'")));
        assert!(p
            .notes
            .iter()
            .any(|n| n.contains("clearing the name 'x y'")));

        let data = blob(&types(true), STRS);
        let btf = Btf::parse(&data).unwrap();
        let e = plan(&btf).unwrap_err();
        assert!(e.message().contains("typedef 'x y' [id 6]"), "{e}");
        assert_eq!(e.offset, Some(24 + 4 * 20));
    }
}
