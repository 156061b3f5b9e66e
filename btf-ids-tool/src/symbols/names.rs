//! `__BTF_ID__` symbol names as resolve_btfids reads them: the grammar is
//! `btf_ids_abi::names`; this is its edge in the tool, where a parse error
//! becomes resolve_btfids' message.

use btf_ids_abi::names::{self, BtfIdName, NameError, SetKind, SetName, BTF_ID_PREFIX};

pub use btf_ids_abi::names::IdKind;

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
/// resolve_btfids' message, with what follows the prefix.
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
    match names::parse(name) {
        Ok(None) => Ok(None),
        Ok(Some(BtfIdName::Entry { kind, name })) => Ok(Some(Parsed::Id(kind, name))),
        Ok(Some(BtfIdName::Set { kind, name })) => Ok(Some(Parsed::Set {
            set8: kind == SetKind::Set8,
            name,
        })),
        Err(e) => {
            let rest = String::from_utf8_lossy(&name[BTF_ID_PREFIX.len()..]).into_owned();
            Err(match e {
                NameError::UnsupportedPrefix => ParseError::UnsupportedPrefix(rest),
                NameError::BadSymbolName => ParseError::BadSymbolName(rest),
                NameError::BadSetName => ParseError::BadSetName(rest),
            })
        }
    }
}

/// The symbol of the set8 named `name`, as errors name it.
pub fn set8_symbol(name: &str) -> String {
    SetName {
        kind: SetKind::Set8,
        name,
        unique: None,
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sym(rest: &str) -> Vec<u8> {
        format!("{BTF_ID_PREFIX}{rest}").into_bytes()
    }

    #[test]
    fn resolve_btfids_messages() {
        // The grammar's cases are btf_ids_abi's; here the edge.
        assert_eq!(
            parse_symbol(&sym("func__vfs_truncate__1234")).unwrap(),
            Some(Parsed::Id(IdKind::Func, b"vfs_truncate"))
        );
        assert_eq!(
            parse_symbol(&sym("set8__s")).unwrap(),
            Some(Parsed::Set {
                set8: true,
                name: b"s"
            })
        );
        assert_eq!(parse_symbol(b"list_label").unwrap(), None);
        let msg = |rest: &str| parse_symbol(&sym(rest)).unwrap_err().to_string();
        assert_eq!(msg("enum__x__1"), "FAILED unsupported prefix enum__x__1");
        assert_eq!(msg("func__x_1"), "FAILED to parse symbol name: func__x_1");
        assert_eq!(msg("set__"), "FAILED to parse set name: set__");
        assert_eq!(set8_symbol("ks"), format!("{BTF_ID_PREFIX}set8__ks"));
    }
}
