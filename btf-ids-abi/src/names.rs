//! The section and the symbol names of `.BTF_ids`: formed by the macros
//! ([`EntryName`], [`SetName`]), parsed by the tool ([`parse`]), one
//! grammar.
//!
//! include/linux/btf_ids.h emits, into [`BTF_IDS_SECTION`]:
//! - an entry: a 4-byte slot under `__BTF_ID__<kind>__<name>__<unique>`,
//!   kind `struct`, `union`, `typedef` or `func`;
//! - a set: `__BTF_ID__set__<name>` or `__BTF_ID__set8__<name>` over its
//!   header and entries (see [`crate::layout`]).
//!
//! resolve_btfids (6.12, unchanged since) reads them back with string
//! prefixes, in the order struct, union, typedef, func, set8, set; skips
//! the two characters after the kind word without looking at them; and
//! cuts an entry's `<unique>` at the last `_`, which must follow another
//! `_`. So a unique part never holds `_`, and a set's name is everything
//! after `set__` / `set8__`, a suffix of ours included.
//!
//! ```
//! use btf_ids_abi::names::*;
//! let sym = EntryName { kind: IdKind::Func, name: "bpf_task_acquire", unique: "7" };
//! assert_eq!(sym.to_string(), "__BTF_ID__func__bpf_task_acquire__7");
//! let text = sym.to_string();
//! assert_eq!(
//!     parse(text.as_bytes()),
//!     Ok(Some(BtfIdName::Entry { kind: IdKind::Func, name: b"bpf_task_acquire" }))
//! );
//! ```

use core::fmt;

/// The section every entry, list and set goes to (`BTF_IDS_SECTION`).
pub const BTF_IDS_SECTION: &str = ".BTF_ids";

/// The section the types are in.
pub const BTF_SECTION: &str = ".BTF";

/// The prefix of every symbol resolve_btfids reads.
pub const BTF_ID_PREFIX: &str = "__BTF_ID__";

/// [`BTF_ID_PREFIX`] as an array, for a compare of two loads.
const PREFIX: [u8; 10] = {
    let b = BTF_ID_PREFIX.as_bytes();
    let mut a = [0u8; 10];
    let mut i = 0;
    while i < 10 {
        a[i] = b[i];
        i += 1;
    }
    a
};

/// Whether a symbol name starts with [`BTF_ID_PREFIX`] (two loads and no
/// `memcmp` call: the tool asks it of every symbol of a file).
#[inline]
pub fn has_btf_id_prefix(name: &[u8]) -> bool {
    match name.first_chunk::<10>() {
        Some(p) => *p == PREFIX,
        None => false,
    }
}

/// The kind of an entry: the word of `BTF_ID(<kind>, name)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IdKind {
    /// `struct`: `BTF_KIND_STRUCT`.
    Struct,
    /// `union`: `BTF_KIND_UNION`.
    Union,
    /// `typedef`: `BTF_KIND_TYPEDEF`.
    Typedef,
    /// `func`: `BTF_KIND_FUNC`.
    Func,
}

impl IdKind {
    /// All kinds, in the order resolve_btfids matches and patches them.
    pub const ALL: [IdKind; 4] = [IdKind::Struct, IdKind::Union, IdKind::Typedef, IdKind::Func];

    /// The word in the symbol name.
    pub const fn word(self) -> &'static str {
        match self {
            IdKind::Struct => "struct",
            IdKind::Union => "union",
            IdKind::Typedef => "typedef",
            IdKind::Func => "func",
        }
    }

    /// Its place in [`IdKind::ALL`].
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The kind a word names, matched whole.
    pub fn from_word(word: &str) -> Option<IdKind> {
        IdKind::ALL.into_iter().find(|k| k.word() == word)
    }

    /// The `BTF_KIND_*` number of the types it names.
    pub const fn btf_kind(self) -> u8 {
        match self {
            IdKind::Struct => 4,
            IdKind::Union => 5,
            IdKind::Typedef => 8,
            IdKind::Func => 12,
        }
    }

    /// The inverse of [`IdKind::btf_kind`].
    pub fn from_btf_kind(kind: u8) -> Option<IdKind> {
        IdKind::ALL.into_iter().find(|k| k.btf_kind() == kind)
    }
}

/// Which of the two set layouts a set symbol covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SetKind {
    /// `struct btf_id_set`: `BTF_SET_START`.
    Set,
    /// `struct btf_id_set8`: `BTF_SET8_START` (and `BTF_KFUNCS_START`).
    Set8,
}

impl SetKind {
    /// The word in the symbol name.
    pub const fn word(self) -> &'static str {
        match self {
            SetKind::Set => "set",
            SetKind::Set8 => "set8",
        }
    }
}

/// `__BTF_ID__<kind>__<name>__<unique>`: an entry's symbol. `unique` must
/// be non-empty and hold no `_` (resolve_btfids cuts at the last one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EntryName<'a> {
    /// The kind word.
    pub kind: IdKind,
    /// The BTF name.
    pub name: &'a str,
    /// What makes the symbol unique in the object.
    pub unique: &'a str,
}

impl fmt::Display for EntryName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", EntryHead(self.kind, self.name))?;
        write!(f, "__{}", self.unique)
    }
}

/// `__BTF_ID__<kind>__<name>`: an entry's symbol without its unique tail
/// (for code that appends the tail itself).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EntryHead<'a>(pub IdKind, pub &'a str);

impl fmt::Display for EntryHead<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{BTF_ID_PREFIX}{}__{}", self.0.word(), self.1)
    }
}

/// `__BTF_ID__set__<name>` (C) or, with `unique`, `__BTF_ID__set__<name>__<unique>`
/// (resolve_btfids insists a set name occurs once in an object; the tail
/// keeps two crates' sets of one name apart, and is part of the name it
/// reads).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SetName<'a> {
    /// The layout word.
    pub kind: SetKind,
    /// The set's name.
    pub name: &'a str,
    /// What makes the symbol unique in the link, if anything.
    pub unique: Option<&'a str>,
}

impl fmt::Display for SetName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{BTF_ID_PREFIX}{}__{}", self.kind.word(), self.name)?;
        match self.unique {
            Some(u) => write!(f, "__{u}"),
            None => Ok(()),
        }
    }
}

/// A `__BTF_ID__` symbol as resolve_btfids reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BtfIdName<'a> {
    /// An entry: the BTF name to look up, as a `kind`.
    Entry {
        /// The kind word.
        kind: IdKind,
        /// The BTF name.
        name: &'a [u8],
    },
    /// A set symbol.
    Set {
        /// The layout word.
        kind: SetKind,
        /// Everything after the kind word and its separator.
        name: &'a [u8],
    },
}

/// Why a `__BTF_ID__` symbol does not parse (resolve_btfids then fails).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameError {
    /// No kind word after the prefix ("unsupported prefix").
    UnsupportedPrefix,
    /// An entry without `__<unique>` ("failed to parse symbol name").
    BadSymbolName,
    /// A set word with nothing after it ("failed to parse set name").
    BadSetName,
}

/// Parses a symbol name as resolve_btfids does. `Ok(None)`: not a
/// `__BTF_ID__` symbol (a list label, anything else).
pub fn parse(sym: &[u8]) -> Result<Option<BtfIdName<'_>>, NameError> {
    let Some(rest) = sym.strip_prefix(BTF_ID_PREFIX.as_bytes()) else {
        return Ok(None);
    };
    for kind in IdKind::ALL {
        if let Some(after) = rest.strip_prefix(kind.word().as_bytes()) {
            return entry_name(after)
                .map(|name| Some(BtfIdName::Entry { kind, name }))
                .ok_or(NameError::BadSymbolName);
        }
    }
    for kind in [SetKind::Set8, SetKind::Set] {
        if rest.starts_with(kind.word().as_bytes()) {
            // The word and two separator characters, not looked at.
            let skip = kind.word().len() + 2;
            return match rest.get(skip..) {
                Some(name) if !name.is_empty() => Ok(Some(BtfIdName::Set { kind, name })),
                _ => Err(NameError::BadSetName),
            };
        }
    }
    Err(NameError::UnsupportedPrefix)
}

/// After the kind word: two characters skipped, then the name up to the
/// `__` before the last `_`.
fn entry_name(after: &[u8]) -> Option<&[u8]> {
    let id = after.get(2..).filter(|id| !id.is_empty())?;
    let last = id.iter().rposition(|&b| b == b'_')?;
    (last > 0 && id[last - 1] == b'_').then(|| &id[..last - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_btfids_cases() {
        let entry = |kind, name: &'static [u8]| Ok(Some(BtfIdName::Entry { kind, name }));
        assert_eq!(
            parse(b"__BTF_ID__func__vfs_truncate__1234"),
            entry(IdKind::Func, b"vfs_truncate")
        );
        assert_eq!(
            parse(b"__BTF_ID__struct__task_struct__12__34"),
            entry(IdKind::Struct, b"task_struct__12")
        );
        assert_eq!(
            parse(b"__BTF_ID__set8__my_set"),
            Ok(Some(BtfIdName::Set {
                kind: SetKind::Set8,
                name: b"my_set"
            }))
        );
        assert_eq!(
            parse(b"__BTF_ID__set__s"),
            Ok(Some(BtfIdName::Set {
                kind: SetKind::Set,
                name: b"s"
            }))
        );
        assert_eq!(parse(b"list_label"), Ok(None));
        assert_eq!(
            parse(b"__BTF_ID__enum__x__1"),
            Err(NameError::UnsupportedPrefix)
        );
        assert_eq!(parse(b"__BTF_ID__func__x_1"), Err(NameError::BadSymbolName));
        assert_eq!(parse(b"__BTF_ID__func__"), Err(NameError::BadSymbolName));
        assert_eq!(parse(b"__BTF_ID__func__x"), Err(NameError::BadSymbolName));
        assert_eq!(parse(b"__BTF_ID__set__"), Err(NameError::BadSetName));
        // Prefixes, as strncmp matches them: "structx" is a struct.
        assert_eq!(
            parse(b"__BTF_ID__structx_foo__1"),
            entry(IdKind::Struct, b"foo")
        );
    }

    #[test]
    fn kinds() {
        for k in IdKind::ALL {
            assert_eq!(IdKind::from_word(k.word()), Some(k));
            assert_eq!(IdKind::from_btf_kind(k.btf_kind()), Some(k));
        }
        assert_eq!(IdKind::from_word("enum"), None);
    }
}
