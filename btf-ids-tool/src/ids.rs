//! Parsing `__BTF_ID__*` symbol names with the rules of the kernel's
//! resolve_btfids (6.12; unchanged in later versions): kind words matched as
//! string prefixes in the order struct, union, typedef, func, set8, set; the
//! name cut at the last `_`, which must follow another `_`.

use crate::elf::BTF_ID_PREFIX;

/// The kind of a resolvable id symbol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IdKind {
    /// `BTF_KIND_STRUCT`
    Struct,
    /// `BTF_KIND_UNION`
    Union,
    /// `BTF_KIND_TYPEDEF`
    Typedef,
    /// `BTF_KIND_FUNC`
    Func,
}

impl IdKind {
    /// All kinds, in resolve_btfids' patch order.
    pub const ALL: [IdKind; 4] = [IdKind::Struct, IdKind::Union, IdKind::Typedef, IdKind::Func];

    /// The kind word used in symbol names.
    pub fn word(self) -> &'static str {
        match self {
            IdKind::Struct => "struct",
            IdKind::Union => "union",
            IdKind::Typedef => "typedef",
            IdKind::Func => "func",
        }
    }

    /// The matching `BTF_KIND_*`.
    pub fn btf_kind(self) -> u8 {
        match self {
            IdKind::Struct => crate::btf::kind::STRUCT,
            IdKind::Union => crate::btf::kind::UNION,
            IdKind::Typedef => crate::btf::kind::TYPEDEF,
            IdKind::Func => crate::btf::kind::FUNC,
        }
    }

    /// The inverse of [`IdKind::btf_kind`].
    pub fn from_btf_kind(k: u8) -> Option<IdKind> {
        match k {
            crate::btf::kind::STRUCT => Some(IdKind::Struct),
            crate::btf::kind::UNION => Some(IdKind::Union),
            crate::btf::kind::TYPEDEF => Some(IdKind::Typedef),
            crate::btf::kind::FUNC => Some(IdKind::Func),
            _ => None,
        }
    }

    /// Index 0..4 in [`IdKind::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// A parsed `__BTF_ID__` symbol name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed<'a> {
    /// `__BTF_ID__<kind>__<name>__<unique>`
    Id(IdKind, &'a [u8]),
    /// `__BTF_ID__set__<name>` (`set8 == false`) or `__BTF_ID__set8__<name>`.
    Set {
        /// Whether this is a set8.
        set8: bool,
        /// The set name.
        name: &'a [u8],
    },
}

/// Why a `__BTF_ID__` name could not be parsed; the `Display` text is
/// resolve_btfids' message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// No known kind word after the prefix.
    UnsupportedPrefix(String),
    /// The id part has no `__<unique>` suffix.
    BadSymbolName(String),
    /// Nothing after `set__` / `set8__`.
    BadSetName(String),
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParseError::UnsupportedPrefix(p) => write!(f, "FAILED unsupported prefix {p}"),
            ParseError::BadSymbolName(p) => write!(f, "FAILED to parse symbol name: {p}"),
            ParseError::BadSetName(p) => write!(f, "FAILED to parse set name: {p}"),
        }
    }
}

/// Parses a symbol name. `Ok(None)` when it does not start with `__BTF_ID__`
/// (a list label or anything else).
pub fn parse_symbol(name: &[u8]) -> Result<Option<Parsed<'_>>, ParseError> {
    if !crate::elf::has_btf_id_prefix(name) {
        return Ok(None);
    }
    let prefix = &name[BTF_ID_PREFIX.len()..];
    let lossy = || String::from_utf8_lossy(prefix).into_owned();
    for k in IdKind::ALL {
        if let Some(rest) = prefix.strip_prefix(k.word().as_bytes()) {
            return get_id(rest)
                .map(|n| Some(Parsed::Id(k, n)))
                .ok_or_else(|| ParseError::BadSymbolName(lossy()));
        }
    }
    for (word, set8) in [(&b"set8"[..], true), (&b"set"[..], false)] {
        if prefix.starts_with(word) {
            // The kind word plus two separator characters (not checked).
            let skip = word.len() + 2;
            return if skip < prefix.len() {
                Ok(Some(Parsed::Set {
                    set8,
                    name: &prefix[skip..],
                }))
            } else {
                Err(ParseError::BadSetName(lossy()))
            };
        }
    }
    Err(ParseError::UnsupportedPrefix(lossy()))
}

/// `rest` follows the kind word: skip two characters, then cut at the last
/// `_`, which must be preceded by `_`.
fn get_id(rest: &[u8]) -> Option<&[u8]> {
    if 2 >= rest.len() {
        return None;
    }
    let id = &rest[2..];
    let last = id.iter().rposition(|&b| b == b'_')?;
    if last == 0 || id[last - 1] != b'_' {
        return None;
    }
    Some(&id[..last - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(
            parse_symbol(b"__BTF_ID__func__vfs_truncate__1234").unwrap(),
            Some(Parsed::Id(IdKind::Func, b"vfs_truncate"))
        );
        assert_eq!(
            parse_symbol(b"__BTF_ID__struct__task_struct__12__34").unwrap(),
            Some(Parsed::Id(IdKind::Struct, b"task_struct__12"))
        );
        assert_eq!(
            parse_symbol(b"__BTF_ID__set8__my_set").unwrap(),
            Some(Parsed::Set {
                set8: true,
                name: b"my_set"
            })
        );
        assert_eq!(
            parse_symbol(b"__BTF_ID__set__s").unwrap(),
            Some(Parsed::Set {
                set8: false,
                name: b"s"
            })
        );
        assert_eq!(parse_symbol(b"list_label").unwrap(), None);
        assert!(matches!(
            parse_symbol(b"__BTF_ID__enum__x__1"),
            Err(ParseError::UnsupportedPrefix(_))
        ));
        assert!(matches!(
            parse_symbol(b"__BTF_ID__func__x_1"),
            Err(ParseError::BadSymbolName(_))
        ));
        assert!(matches!(
            parse_symbol(b"__BTF_ID__func__"),
            Err(ParseError::BadSymbolName(_))
        ));
        assert!(matches!(
            parse_symbol(b"__BTF_ID__func__x"),
            Err(ParseError::BadSymbolName(_))
        ));
        assert!(matches!(
            parse_symbol(b"__BTF_ID__set__"),
            Err(ParseError::BadSetName(_))
        ));
        // Prefix match only, like strncmp: "structx" is a struct.
        assert_eq!(
            parse_symbol(b"__BTF_ID__structx_foo__1").unwrap(),
            Some(Parsed::Id(IdKind::Struct, b"foo"))
        );
    }
}
