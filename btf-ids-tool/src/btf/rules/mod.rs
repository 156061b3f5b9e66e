//! The per-kind checks that kernel 6.12 (`kernel/bpf/btf.c`) makes when it
//! loads a module's BTF, for the parts that BTF made by pahole 1.24 from
//! Rust DWARF can break. On Debian (`CONFIG_MODULE_ALLOW_BTF_MISMATCH=y`)
//! a module whose BTF fails any of them loads without BTF, silently: its
//! kfuncs are never registered. This module only reads; [`crate::btf::fix::names`]
//! and [`crate::btf::fix::layout`] plan the repairs.
//!
//! Names (`btf_name_valid_identifier`, `__btf_name_char_ok`, since 6.5 also
//! accepting `.`): an identifier starts with a letter, `_` or `.`, goes on
//! with letters, digits, `_` or `.`, and has at most `KSYM_NAME_LEN` (512)
//! characters; letters and digits are those of the kernel's `ctype` table
//! (ISO 8859-1, so bytes 0xc0..0xff other than 0xd7 and 0xf7 are letters).
//! Per kind (`btf_*_check_meta`, `btf_func_check`, `btf_func_proto_check`):
//!
//! | kind | type name | inner names |
//! |---|---|---|
//! | INT, FLOAT | not checked | |
//! | PTR, ARRAY, CONST, VOLATILE, RESTRICT, FUNC_PROTO | must be 0 | params: optional identifiers |
//! | STRUCT, UNION | optional identifier | members: optional identifiers |
//! | ENUM, ENUM64 | optional identifier | values: required identifiers |
//! | TYPEDEF, FWD, FUNC, VAR | required identifier | a FUNC's prototype must name every parameter |
//! | DATASEC | required, printable (`btf_name_valid_section`) | |
//! | DECL_TAG, TYPE_TAG | required, any bytes | |
//!
//! Layout: struct members must come in offset order and start inside the
//! struct, union members at offset 0 (`btf_struct_check_meta`); a member must
//! not be void and must fit in the struct (`btf_*_check_member`); an enum's
//! size is 1, 2, 4 or 8 (`btf_enum_check_meta`).
//!
//! Beyond what libbpf (and so [`Btf::parse`]) checks: the header
//! (`btf_parse_hdr`, `btf_check_sec_info`, `btf_parse_str_sec`,
//! `btf_parse_type_sec`): version 1, flags 0, a header of at least 24 bytes
//! (of a shorter one the kernel reads the missing fields as 0) whose bytes
//! past 24 are zero, the type and string sections tiling the data after the
//! header with nothing before, between or after them, at most 16 MiB of
//! strings (`BTF_MAX_NAME_OFFSET`), and for base BTF at least one type; no
//! loop of modifiers, typedefs, pointers, type tags and array element types
//! (`btf_resolve`: "Loop detected"; over a loop nothing else is judged);
//! a func_proto's return type a valid id (`btf_func_proto_check`).

use crate::btf::{kind, kind_name, Btf, NameSite};
use std::collections::HashSet;
use std::fmt;

/// `KSYM_NAME_LEN` in 6.12 (include/linux/kallsyms.h, 512 since 5.18).
pub const KSYM_NAME_LEN: usize = 512;

/// `BTF_MAX_NAME_OFFSET` (include/uapi/linux/btf.h): the kernel takes a
/// string section of at most this many bytes plus one.
pub const MAX_NAME_OFFSET: u32 = 0x00ff_ffff;

/// The kernel's `ctype` classes of a byte (lib/ctype.c): letter, digit,
/// printable.
fn kclass(c: u8) -> (bool, bool, bool) {
    let alpha = c.is_ascii_alphabetic() || (c >= 0xc0 && c != 0xd7 && c != 0xf7);
    let digit = c.is_ascii_digit();
    let print = (0x20..0x7f).contains(&c) || c >= 0xa0;
    (alpha, digit, print)
}

/// `__btf_name_char_ok`: may `c` appear in a name (`first`: at its start)?
pub fn name_char_ok(c: u8, first: bool) -> bool {
    let (alpha, digit, _) = kclass(c);
    alpha || (digit && !first) || c == b'_' || c == b'.'
}

/// `btf_name_valid_identifier` on a name without its NUL.
pub fn valid_identifier(s: &[u8]) -> bool {
    match s.split_first() {
        Some((&c, rest)) => {
            name_char_ok(c, true)
                && s.len() <= KSYM_NAME_LEN
                && rest.iter().all(|&c| name_char_ok(c, false))
        }
        None => false,
    }
}

/// `btf_name_valid_section`: a non-empty run of printable characters.
pub fn valid_section(s: &[u8]) -> bool {
    !s.is_empty() && s.len() <= KSYM_NAME_LEN && s.iter().all(|&c| kclass(c).2)
}

/// What a name in some position must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameRule {
    /// `name_off` must be 0.
    Anonymous,
    /// Anonymous, or a valid identifier.
    OptionalIdent,
    /// A valid identifier.
    Ident,
    /// A DATASEC name.
    Section,
    /// Any non-empty string (tag values).
    NonEmpty,
    /// Not checked (INT and FLOAT names such as `long unsigned int`).
    Unchecked,
}

impl NameRule {
    /// Whether the rule is about identifiers (the positions where a name
    /// may be rewritten to one).
    pub fn is_identifier(self) -> bool {
        matches!(self, NameRule::OptionalIdent | NameRule::Ident)
    }

    /// Whether `name_off` 0 is allowed.
    pub fn allows_anonymous(self) -> bool {
        matches!(
            self,
            NameRule::Anonymous | NameRule::OptionalIdent | NameRule::Unchecked
        )
    }

    /// Whether `name_off` (whose string is `s`) passes.
    pub fn accepts(self, name_off: u32, s: &[u8]) -> bool {
        match self {
            NameRule::Anonymous => name_off == 0,
            NameRule::OptionalIdent => name_off == 0 || valid_identifier(s),
            NameRule::Ident => name_off != 0 && valid_identifier(s),
            NameRule::Section => name_off != 0 && valid_section(s),
            NameRule::NonEmpty => !s.is_empty(),
            NameRule::Unchecked => true,
        }
    }
}

/// The rule for the name at `site` of a type of `kind`. `named_params`:
/// the type is a FUNC_PROTO that a FUNC uses (`btf_func_check` then wants
/// every parameter with a type named).
pub fn name_rule(kind: u8, site: NameSite, named_params: bool) -> NameRule {
    match site {
        NameSite::Type => match kind {
            kind::INT | kind::FLOAT => NameRule::Unchecked,
            kind::PTR
            | kind::ARRAY
            | kind::CONST
            | kind::VOLATILE
            | kind::RESTRICT
            | kind::FUNC_PROTO => NameRule::Anonymous,
            kind::STRUCT | kind::UNION | kind::ENUM | kind::ENUM64 => NameRule::OptionalIdent,
            kind::TYPEDEF | kind::FWD | kind::FUNC | kind::VAR => NameRule::Ident,
            kind::DATASEC => NameRule::Section,
            kind::DECL_TAG | kind::TYPE_TAG => NameRule::NonEmpty,
            _ => NameRule::Unchecked,
        },
        NameSite::Member(_) => NameRule::OptionalIdent,
        NameSite::EnumValue(_) => NameRule::Ident,
        NameSite::Param(_) if named_params => NameRule::Ident,
        NameSite::Param(_) => NameRule::OptionalIdent,
    }
}

/// What is wrong with one type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A name that fails its rule.
    BadName {
        /// Where.
        site: NameSite,
        /// The name (lossy).
        name: String,
        /// Its rule.
        rule: NameRule,
    },
    /// A member, parameter or value name offset outside the string table.
    NameOffset {
        /// Where.
        site: NameSite,
        /// The offset.
        off: u32,
    },
    /// A struct member whose offset is below the one before it.
    MemberOrder {
        /// Member index.
        member: u16,
    },
    /// A member that starts past the end of its struct.
    MemberStart {
        /// Member index.
        member: u16,
    },
    /// A union member at a non-zero offset.
    UnionOffset {
        /// Member index.
        member: u16,
    },
    /// A member of type void.
    MemberVoid {
        /// Member index.
        member: u16,
    },
    /// A member that does not fit in its struct.
    MemberSize {
        /// Member index.
        member: u16,
        /// The member's type id.
        type_id: u32,
    },
    /// An enum whose size is not 1, 2, 4 or 8.
    EnumSize {
        /// The size.
        size: u32,
    },
    /// A func_proto whose return type is past the last id.
    ReturnType {
        /// The id.
        type_id: u32,
    },
    /// A loop of modifiers, typedefs, pointers or arrays through the type.
    Loop,
    /// Something in the header (the violation's id is 0).
    Header(String),
}

fn site_str(site: NameSite) -> String {
    match site {
        NameSite::Type => "name".into(),
        NameSite::Member(i) => format!("member #{i} name"),
        NameSite::Param(i) => format!("parameter #{} name", i as u32 + 1),
        NameSite::EnumValue(i) => format!("value #{i} name"),
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::BadName { site, name, rule } => {
                let what = site_str(*site);
                match rule {
                    NameRule::Anonymous => write!(f, "has a {what} ('{name}'); it must have none"),
                    NameRule::Section => write!(f, "{what} '{name}' is not a section name"),
                    NameRule::NonEmpty => write!(f, "{what} is empty"),
                    _ if name.is_empty() => write!(f, "{what} is missing"),
                    _ => write!(f, "{what} '{name}' is not a C identifier"),
                }
            }
            Problem::NameOffset { site, off } => {
                write!(
                    f,
                    "{} offset {off:#x} is outside the strings",
                    site_str(*site)
                )
            }
            Problem::MemberOrder { member } => {
                write!(f, "member #{member} has a lower offset than the one before")
            }
            Problem::MemberStart { member } => {
                write!(f, "member #{member} starts past the end of the struct")
            }
            Problem::UnionOffset { member } => {
                write!(f, "union member #{member} is not at offset 0")
            }
            Problem::MemberVoid { member } => write!(f, "member #{member} has type void"),
            Problem::MemberSize { member, type_id } => write!(
                f,
                "member #{member} (type id {type_id}) does not fit in the struct"
            ),
            Problem::EnumSize { size } => write!(f, "enum size {size} is not 1, 2, 4 or 8"),
            Problem::ReturnType { type_id } => {
                write!(f, "return type id {type_id} is past the last id")
            }
            Problem::Loop => write!(
                f,
                "is on a loop of modifiers, typedefs, pointers or arrays (\"Loop detected\")"
            ),
            Problem::Header(what) => write!(f, "{what}"),
        }
    }
}

/// One type that the kernel would refuse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Type id.
    pub id: u32,
    /// Its kind.
    pub kind: u8,
    /// Its name (lossy; empty when anonymous).
    pub name: String,
    /// Offset in the BTF blob of the record.
    pub offset: usize,
    /// What is wrong.
    pub problem: Problem,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Problem::Header(_) = self.problem {
            return write!(
                f,
                "header (BTF offset {:#x}): {}",
                self.offset, self.problem
            );
        }
        write!(
            f,
            "type [{}] {} '{}' (BTF offset {:#x}): {}",
            self.id,
            kind_name(self.kind),
            self.name,
            self.offset,
            self.problem
        )
    }
}

/// The func_protos that own FUNCs use (their parameters must be named).
pub fn protos_of_funcs(btf: &Btf<'_>) -> HashSet<u32> {
    let mut out = HashSet::new();
    for (i, &k) in btf.own_kinds().iter().enumerate() {
        if k == kind::FUNC {
            if let Some(t) = btf.type_header(btf.start_id() + i as u32) {
                out.insert(t.size_or_type);
            }
        }
    }
    out
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The name at `off` as the kernel reads it (`None`: outside the table).
fn name_at<'a>(btf: &Btf<'a>, off: u32) -> Option<&'a [u8]> {
    if off == 0 {
        return Some(b"");
    }
    btf.name_bytes(off)
}

/// Every problem of the names of own type `id` (see the module docs).
pub fn name_problems(btf: &Btf<'_>, id: u32, named_params: &HashSet<u32>, out: &mut Vec<Problem>) {
    let Some(t) = btf.type_header(id) else { return };
    let named = t.kind == kind::FUNC_PROTO && named_params.contains(&id);
    // A func_proto's trailing vararg (type 0) must stay anonymous.
    let vararg = t.kind == kind::FUNC_PROTO
        && t.vlen > 0
        && btf.record_u32(id, 12 + 8 * (t.vlen as usize - 1) + 4) == Some(0);
    btf.for_each_name(id, |site, _, off| {
        let mut rule = name_rule(t.kind, site, named);
        if let NameSite::Param(i) = site {
            if vararg && i + 1 == t.vlen {
                rule = NameRule::Anonymous;
            }
        }
        match name_at(btf, off) {
            None => out.push(Problem::NameOffset { site, off }),
            Some(s) if !rule.accepts(off, s) => out.push(Problem::BadName {
                site,
                name: lossy(s),
                rule,
            }),
            Some(_) => {}
        }
    });
}

/// A bounded walk to the type under typedefs and modifiers.
fn concrete(btf: &Btf<'_>, id: u32) -> Option<(u32, crate::btf::TypeHeader)> {
    let id = btf.skip_mods_and_typedefs(id).ok()?;
    Some((id, btf.type_header(id)?))
}

/// The size in bytes of type `id` as the kernel resolves it
/// (`__btf_resolve_size`); `None` when it has none or cannot be worked out.
pub fn type_size(btf: &Btf<'_>, id: u32, ptr_size: u32) -> Option<u64> {
    let mut id = id;
    let mut nelems: u64 = 1;
    for _ in 0..32 {
        let (cid, t) = concrete(btf, id)?;
        match t.kind {
            kind::INT | kind::STRUCT | kind::UNION | kind::ENUM | kind::ENUM64 | kind::FLOAT => {
                return nelems.checked_mul(t.size_or_type as u64)
            }
            kind::PTR => return nelems.checked_mul(ptr_size as u64),
            kind::ARRAY => {
                let n = btf.record_u32(cid, 20)? as u64;
                nelems = nelems.checked_mul(n)?;
                if nelems > u32::MAX as u64 {
                    return None;
                }
                id = btf.record_u32(cid, 12)?;
            }
            _ => return None,
        }
    }
    None
}

/// `btf_type_int_is_regular`: whole bytes, no bit offset, 1/2/4/8/16 bytes.
fn int_is_regular(int_data: u32) -> bool {
    let bits = int_data & 0xff;
    let off = (int_data >> 16) & 0xff;
    bits % 8 == 0 && off == 0 && matches!(bits / 8, 1 | 2 | 4 | 8 | 16)
}

/// Whether member `i` (type `mtype`, raw offset word `moff`) fits in a
/// struct of `size` bytes, per the kernel's `check_member` callbacks (`None`
/// when the member's type cannot be worked out: not judged).
pub fn member_fits(
    btf: &Btf<'_>,
    kflag: bool,
    size: u32,
    mtype: u32,
    moff: u32,
    ptr_size: u32,
) -> Option<bool> {
    let (cid, t) = concrete(btf, mtype)?;
    let size = size as u64;
    let (bitfield, bit_off) = if kflag {
        (moff >> 24, (moff & 0x00ff_ffff) as u64)
    } else {
        (0, moff as u64)
    };
    let bytes_off = bit_off / 8;
    if bytes_off > size {
        return Some(false);
    }
    let room = size - bytes_off;
    match t.kind {
        kind::INT => {
            let data = btf.record_u32(cid, 12)?;
            let int_bits = (data & 0xff) as u64;
            let int_off = ((data >> 16) & 0xff) as u64;
            let (start, bits) = if kflag {
                if !int_is_regular(data) {
                    return Some(false);
                }
                match bitfield {
                    0 if bit_off % 8 != 0 => return Some(false),
                    0 => (bit_off, int_bits),
                    b if b as u64 > int_bits => return Some(false),
                    b => (bit_off, b as u64),
                }
            } else {
                (bit_off + int_off, int_bits)
            };
            let copy_bits = bits + start % 8;
            if copy_bits > 128 {
                return Some(false);
            }
            let first = start / 8;
            Some(first <= size && size - first >= copy_bits.div_ceil(8))
        }
        kind::ENUM | kind::ENUM64 if kflag => {
            let bits = match bitfield {
                0 if bit_off % 8 != 0 => return Some(false),
                0 => 32,
                b if b > 32 => return Some(false),
                b => b as u64,
            };
            Some(size >= (bit_off + bits).div_ceil(8))
        }
        kind::PTR
        | kind::STRUCT
        | kind::UNION
        | kind::ENUM
        | kind::ENUM64
        | kind::ARRAY
        | kind::FLOAT => {
            if kflag && bitfield != 0 {
                return Some(false);
            }
            let msize = type_size(btf, cid, ptr_size)?;
            if t.kind == kind::FLOAT {
                let align = (ptr_size as u64).min(msize).max(1) * 8;
                return Some(bit_off % align == 0 && bytes_off + msize <= size);
            }
            Some(bit_off % 8 == 0 && room >= msize)
        }
        _ => None,
    }
}

/// Every problem of the layout of own type `id` (struct members, enum
/// sizes).
pub fn layout_problems(btf: &Btf<'_>, id: u32, ptr_size: u32, out: &mut Vec<Problem>) {
    let Some(t) = btf.type_header(id) else { return };
    match t.kind {
        kind::ENUM | kind::ENUM64 if !matches!(t.size_or_type, 1 | 2 | 4 | 8) => {
            out.push(Problem::EnumSize {
                size: t.size_or_type,
            });
        }
        kind::STRUCT | kind::UNION => {
            let union = t.kind == kind::UNION;
            let mut last = 0u32;
            for i in 0..t.vlen {
                let at = 12 + 12 * i as usize;
                let (Some(mtype), Some(moff)) =
                    (btf.record_u32(id, at + 4), btf.record_u32(id, at + 8))
                else {
                    return;
                };
                let bit_off = if t.kflag { moff & 0x00ff_ffff } else { moff };
                if mtype == 0 {
                    out.push(Problem::MemberVoid { member: i });
                    continue;
                }
                if union && bit_off != 0 {
                    out.push(Problem::UnionOffset { member: i });
                } else if last > bit_off {
                    out.push(Problem::MemberOrder { member: i });
                } else if (bit_off as u64).div_ceil(8) > t.size_or_type as u64 {
                    out.push(Problem::MemberStart { member: i });
                } else if member_fits(btf, t.kflag, t.size_or_type, mtype, moff, ptr_size)
                    == Some(false)
                {
                    out.push(Problem::MemberSize {
                        member: i,
                        type_id: mtype,
                    });
                }
                last = last.max(bit_off);
            }
        }
        _ => {}
    }
}

/// What kernel 6.12 refuses in the header of `btf` (see the module docs).
pub fn header_violations(btf: &Btf<'_>) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut bad = |offset: usize, what: String| {
        out.push(Violation {
            id: 0,
            kind: 0,
            name: String::new(),
            offset,
            problem: Problem::Header(what),
        })
    };
    if btf.version() != 1 {
        bad(2, format!("version {}, not 1", btf.version()));
    }
    if btf.flags() != 0 {
        bad(3, format!("flags {:#x}, not 0", btf.flags()));
    }
    let raw = btf.raw();
    let hdr_len = btf.header_len();
    if hdr_len < crate::btf::HEADER_LEN {
        bad(
            4,
            format!(
                "header length {hdr_len}, below {}: the kernel reads the fields past it as 0",
                crate::btf::HEADER_LEN
            ),
        );
    } else if raw[crate::btf::HEADER_LEN..hdr_len].iter().any(|&b| b != 0) {
        bad(
            crate::btf::HEADER_LEN,
            format!(
                "header bytes {}..{hdr_len} are not all zero",
                crate::btf::HEADER_LEN
            ),
        );
    }
    let (type_off, type_len, str_off, str_len) = btf.sections();
    let body = (raw.len() - hdr_len.min(raw.len())) as u64;
    if type_off != 0 || str_off != type_len || str_off as u64 + str_len as u64 != body {
        bad(
            8,
            format!(
                "types at {type_off:#x}+{type_len:#x} and strings at {str_off:#x}+{str_len:#x} \
                 do not fill the {body:#x} bytes after the header, in that order"
            ),
        );
    }
    if str_len > 0 && str_len - 1 > MAX_NAME_OFFSET {
        bad(
            20,
            format!(
                "{str_len:#x} bytes of strings, over {:#x}",
                MAX_NAME_OFFSET as u64 + 1
            ),
        );
    }
    if btf.base().is_none() && type_len == 0 {
        bad(12, "no types".into());
    }
    out
}

/// The first loop of `btf`'s own types, as a violation.
pub fn loop_violation(btf: &Btf<'_>) -> Option<Violation> {
    let e = btf.first_loop()?;
    let id = e
        .msg
        .rsplit(' ')
        .next()
        .and_then(|n| n.parse::<u32>().ok())
        .unwrap_or(0);
    let t = btf.type_header(id);
    Some(Violation {
        id,
        kind: t.map(|t| t.kind).unwrap_or(0),
        name: lossy(t.and_then(|t| btf.name_bytes(t.name_off)).unwrap_or(b"")),
        offset: e.offset,
        problem: Problem::Loop,
    })
}

/// Every own type of `btf` that kernel 6.12 would refuse, in id order,
/// after what is wrong in its header. Over a loop only the loop is
/// reported (walks under typedefs and modifiers would not end).
/// `ptr_size`: 8 for a 64-bit object, 4 for a 32-bit one.
pub fn check(btf: &Btf<'_>, ptr_size: u32) -> Vec<Violation> {
    let mut out = header_violations(btf);
    if let Some(v) = loop_violation(btf) {
        out.push(v);
        return out;
    }
    let named = protos_of_funcs(btf);
    let mut problems = Vec::new();
    for i in 0..btf.own_kinds().len() {
        let id = btf.start_id() + i as u32;
        problems.clear();
        name_problems(btf, id, &named, &mut problems);
        layout_problems(btf, id, ptr_size, &mut problems);
        if btf.kind_of(id) == Some(kind::FUNC_PROTO) {
            if let Some(r) = btf.type_header(id).map(|t| t.size_or_type) {
                if r >= btf.type_count() {
                    problems.push(Problem::ReturnType { type_id: r });
                }
            }
        }
        if problems.is_empty() {
            continue;
        }
        let Some(t) = btf.type_header(id) else {
            continue;
        };
        let name = lossy(btf.name_bytes(t.name_off).unwrap_or(b""));
        let offset = btf.own_record_offset(id).unwrap_or(0);
        for p in problems.drain(..) {
            out.push(Violation {
                id,
                kind: t.kind,
                name: name.clone(),
                offset,
                problem: p,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests;
