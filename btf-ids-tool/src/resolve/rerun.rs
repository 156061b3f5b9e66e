//! Refusing to resolve a file twice. resolve_btfids writes each id at its
//! symbol's slot and then sorts each set8's (id, flags) pairs by id; the
//! symbols keep their source positions, so on a second run every id is
//! written next to the flags word that the sort left in that slot, and the
//! sort then carries flags to other kfuncs (seen: a constructor ending up
//! with KF_RELEASE). Lists and plain sets come out the same on a second
//! run and are left to the C tool's behaviour.
//!
//! A set8 is taken as resolved when its count word is filled in (non-zero)
//! or any of its id words is: the assembler emits all of them as zero.

use crate::elf::ElfInfo;
use crate::resolve::{Collected, SetSym};
use crate::Error;

/// The evidence that a set8 was resolved before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The set's name.
    pub name: String,
    /// The count word.
    pub count: u32,
    /// Number of non-zero id words.
    pub ids: usize,
    /// Section offset of the set.
    pub offset: u64,
}

/// The first set8 of `col` (in section order) that `ids` (the `.BTF_ids`
/// bytes as read) shows resolved.
pub fn first_resolved(elf: &ElfInfo<'_>, col: &Collected<'_>, ids: &[u8]) -> Option<Resolved> {
    let mut sets: Vec<&SetSym<'_>> = col.sets.iter().filter(|s| s.set8).collect();
    sets.sort_by_key(|s| s.offset);
    sets.into_iter().find_map(|s| {
        let count = elf.read_u32(ids, s.offset as usize).unwrap_or(0);
        let filled = (0..s.count())
            .filter(|&i| elf.read_u32(ids, s.entry_at(i) as usize).unwrap_or(0) != 0)
            .count();
        (count != 0 || filled != 0).then(|| Resolved {
            name: String::from_utf8_lossy(s.name).into_owned(),
            count,
            ids: filled,
            offset: s.offset,
        })
    })
}

/// The error for a resolved set8 (`section_offset`: file offset of
/// `.BTF_ids`, so that the error carries the set's file offset).
pub fn error(r: &Resolved, section_offset: u64) -> Error {
    Error::refused(format!(
        "set8 '{}' is already resolved (count word {}, {} id word(s) filled in): the file was resolved before, \
         and resolving it again would give each kfunc another kfunc's flags; resolve the file as the linker wrote it",
        r.name, r.count, r.ids
    ))
    .symbol(&crate::symbols::names::set8_symbol(&r.name))
    .at(section_offset + r.offset)
}
