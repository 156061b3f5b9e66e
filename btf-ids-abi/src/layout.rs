//! The bytes under the symbols of `.BTF_ids`, as include/linux/btf_ids.h
//! lays them out and resolve_btfids fills them in. Every word is a `u32` in
//! the target's byte order.
//!
//! - An entry, and each slot of a `BTF_ID_LIST`: one [`ID_SIZE`] word,
//!   zero until resolved (`BTF_ID_UNUSED` stays zero).
//! - `struct btf_id_set`: a count word, then one id word per entry.
//! - `struct btf_id_set8`: a count word, a flags word ([`crate::flags::BTF_SET8_KFUNCS`]
//!   for `BTF_KFUNCS_START`), then an (id, flags) pair per entry.
//!
//! The macros write the count as zero; resolve_btfids writes it from the
//! set symbol's size and sorts the entries by id.
//!
//! ```
//! use btf_ids_abi::layout::*;
//! use btf_ids_abi::names::SetKind;
//! assert_eq!(set_entries(SetKind::Set8, 8 + 3 * 8), Some(3));
//! assert_eq!(set_entries(SetKind::Set, 4 + 2 * 4), Some(2));
//! assert_eq!(set_entries(SetKind::Set, 2), None);
//! ```

use crate::names::SetKind;

/// One BTF type id.
pub const ID_SIZE: usize = 4;

/// `struct btf_id_set`'s header: `u32 cnt`.
pub const SET_HEADER: usize = 4;

/// `struct btf_id_set8`'s header: `u32 cnt; u32 flags`.
pub const SET8_HEADER: usize = 8;

/// Where a set8's flags word is, from the set's start.
pub const SET8_FLAGS_OFFSET: usize = 4;

/// One `struct btf_id_set8` entry: `u32 id; u32 flags`.
pub const SET8_ENTRY: usize = 8;

/// Where an entry's flags word is, from the entry's start.
pub const SET8_ENTRY_FLAGS_OFFSET: usize = 4;

impl SetKind {
    /// The header's size.
    pub const fn header(self) -> usize {
        match self {
            SetKind::Set => SET_HEADER,
            SetKind::Set8 => SET8_HEADER,
        }
    }

    /// One entry's size.
    pub const fn entry(self) -> usize {
        match self {
            SetKind::Set => ID_SIZE,
            SetKind::Set8 => SET8_ENTRY,
        }
    }
}

/// How many entries a set symbol of `size` bytes covers, as resolve_btfids
/// counts them (the size less the header, over the entry size, rounded
/// down); `None` when the symbol is smaller than the header.
pub const fn set_entries(kind: SetKind, size: u64) -> Option<u64> {
    let header = kind.header() as u64;
    if size < header {
        None
    } else {
        Some((size - header) / kind.entry() as u64)
    }
}
