//! Typed views over the blocks the macros emit.
//!
//! The layouts are the kernel's: a list is `u32[]`, a set is
//! `struct btf_id_set { u32 cnt; u32 ids[]; }` and a set8 is
//! `struct btf_id_set8 { u32 cnt; u32 flags; struct { u32 id, flags; } pairs[]; }`.
//! `N` is the number of entries declared; the count a set reports is the one
//! resolve_btfids wrote, which is `N` after a successful resolve and 0 before.

use btf_ids_abi::layout;
use core::mem::{offset_of, size_of};
use core::ops::Index;

// The views are the ABI crate's layouts: checked when this crate builds.
const _: () = {
    assert!(size_of::<BtfIdList<3>>() == 3 * layout::ID_SIZE);
    assert!(offset_of!(BtfIdSet<3>, ids) == layout::SET_HEADER);
    assert!(size_of::<BtfIdSet<3>>() == layout::SET_HEADER + 3 * layout::ID_SIZE);
    assert!(offset_of!(BtfIdSet8<3>, flags) == layout::SET8_FLAGS_OFFSET);
    assert!(offset_of!(BtfIdSet8<3>, pairs) == layout::SET8_HEADER);
    assert!(size_of::<BtfIdSet8Pair>() == layout::SET8_ENTRY);
    assert!(offset_of!(BtfIdSet8Pair, flags) == layout::SET8_ENTRY_FLAGS_OFFSET);
    assert!(size_of::<BtfIdSet8<3>>() == layout::SET8_HEADER + 3 * layout::SET8_ENTRY);
};

/// A `BTF_ID_LIST`: IDs in declaration order, `BTF_ID_UNUSED` slots stay 0.
///
/// ```
/// btf_ids_runtime::btf_id_list! { static IDS = [struct task_struct, unused]; }
///
/// fn main() {
///     assert_eq!(IDS.len(), 2);
///     assert_eq!(IDS.get(1), Some(0));
///     assert_eq!(IDS.get(2), None);
/// }
/// ```
#[repr(C)]
pub struct BtfIdList<const N: usize> {
    ids: [u32; N],
}

impl<const N: usize> BtfIdList<N> {
    /// A list of zeros, what the header declares without BTF.
    pub const fn zeroed() -> Self {
        BtfIdList { ids: [0; N] }
    }

    /// Number of slots, unused ones included.
    pub const fn len(&self) -> usize {
        N
    }

    /// True for a list of no slots.
    pub const fn is_empty(&self) -> bool {
        N == 0
    }

    /// The ID in slot `i`, or `None` past the end.
    pub fn get(&self, i: usize) -> Option<u32> {
        self.ids.get(i).copied()
    }

    /// The slots as a slice.
    pub fn as_slice(&self) -> &[u32] {
        &self.ids
    }

    /// The IDs in declaration order.
    pub fn iter(&self) -> core::iter::Copied<core::slice::Iter<'_, u32>> {
        self.ids.iter().copied()
    }
}

impl<const N: usize> Index<usize> for BtfIdList<N> {
    type Output = u32;
    fn index(&self, i: usize) -> &u32 {
        &self.ids[i]
    }
}

impl<'a, const N: usize> IntoIterator for &'a BtfIdList<N> {
    type Item = u32;
    type IntoIter = core::iter::Copied<core::slice::Iter<'a, u32>>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// The slots, unused ones (0) included.
impl<const N: usize> core::fmt::Debug for BtfIdList<N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("BtfIdList").field(&self.as_slice()).finish()
    }
}

/// A `BTF_SET_START`/`BTF_SET_END` set: a count, then IDs sorted by
/// resolve_btfids.
///
/// ```
/// btf_ids_runtime::btf_set! { static SET = [func bpf_task_acquire]; }
///
/// fn main() {
///     assert_eq!(SET.capacity(), 1);
///     // Unresolved, the count is still 0: the set is empty.
///     assert!(!SET.contains(0));
/// }
/// ```
#[repr(C)]
pub struct BtfIdSet<const N: usize> {
    cnt: u32,
    ids: [u32; N],
}

impl<const N: usize> BtfIdSet<N> {
    /// An empty set, what the header declares without BTF.
    pub const fn empty() -> Self {
        BtfIdSet {
            cnt: 0,
            ids: [0; N],
        }
    }

    /// A full set over IDs already in ascending order, as resolve_btfids
    /// leaves one; for sets built in memory (tests, benchmarks) rather than
    /// declared with `btf_set!`.
    ///
    /// # Panics
    ///
    /// If the IDs are not in ascending order (equal neighbours are allowed),
    /// or `N` does not fit the `u32` count.
    ///
    /// ```
    /// use btf_ids_runtime::BtfIdSet;
    /// const SET: BtfIdSet<3> = BtfIdSet::from_sorted([2, 7, 90]);
    /// assert!(SET.contains(7) && !SET.contains(8));
    /// ```
    pub const fn from_sorted(ids: [u32; N]) -> Self {
        assert!(N <= u32::MAX as usize, "too many IDs for a u32 count");
        let mut i = 1;
        while i < N {
            assert!(ids[i - 1] <= ids[i], "IDs are not in ascending order");
            i += 1;
        }
        BtfIdSet { cnt: N as u32, ids }
    }

    /// The count resolve_btfids wrote (0 before it ran).
    pub fn len(&self) -> usize {
        (self.cnt as usize).min(N)
    }

    /// True when the count is 0.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of entries declared.
    pub const fn capacity(&self) -> usize {
        N
    }

    /// The counted IDs, ascending once resolved.
    pub fn ids(&self) -> &[u32] {
        &self.ids[..self.len()]
    }

    /// `btf_id_set_contains`: binary search of the sorted IDs.
    pub fn contains(&self, id: u32) -> bool {
        let ids = self.ids();
        search(ids.len(), |i| ids[i], id).is_some()
    }

    /// The counted IDs in stored order (ascending once resolved), as its
    /// siblings' `iter` gives theirs.
    ///
    /// ```
    /// use btf_ids_runtime::BtfIdSet;
    /// const SET: BtfIdSet<2> = BtfIdSet::from_sorted([4, 9]);
    /// assert_eq!(SET.iter().collect::<Vec<_>>(), [4, 9]);
    /// ```
    pub fn iter(&self) -> core::iter::Copied<core::slice::Iter<'_, u32>> {
        self.ids().iter().copied()
    }
}

impl<'a, const N: usize> IntoIterator for &'a BtfIdSet<N> {
    type Item = u32;
    type IntoIter = core::iter::Copied<core::slice::Iter<'a, u32>>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// The resolved IDs, as `{count, ids}`.
impl<const N: usize> core::fmt::Debug for BtfIdSet<N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("BtfIdSet")
            .field("cnt", &self.cnt)
            .field("ids", &self.ids())
            .finish()
    }
}

/// One `(id, flags)` pair of a set8.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BtfIdSet8Pair {
    /// The BTF ID.
    pub id: u32,
    /// The entry's flags (`KF_*` for a kfunc set).
    pub flags: u32,
}

/// A `BTF_SET8_START`/`BTF_SET8_END` (or `BTF_KFUNCS_START`/`END`) set: a
/// count, the set's flags, then `(id, flags)` pairs sorted by ID.
///
/// ```
/// use btf_ids_runtime::flags::*;
/// btf_ids_runtime::btf_set8! { static SET8 = [func bpf_task_acquire(KF_ACQUIRE)]; }
///
/// fn main() {
///     assert_eq!(SET8.flags(), 0);
///     assert_eq!(SET8.get(0), None); // unresolved: the count is 0
/// }
/// ```
#[repr(C)]
pub struct BtfIdSet8<const N: usize> {
    cnt: u32,
    flags: u32,
    pairs: [BtfIdSet8Pair; N],
}

impl<const N: usize> BtfIdSet8<N> {
    /// An empty set8 with the given set flags, what the header declares
    /// without BTF.
    pub const fn empty(flags: u32) -> Self {
        BtfIdSet8 {
            cnt: 0,
            flags,
            pairs: [BtfIdSet8Pair { id: 0, flags: 0 }; N],
        }
    }

    /// A full set8 over pairs already in ascending ID order, as
    /// resolve_btfids leaves one, with the given set flags; for sets built in
    /// memory (tests, benchmarks) rather than declared with `btf_set8!`.
    ///
    /// # Panics
    ///
    /// If the pairs are not in ascending ID order (equal neighbours are
    /// allowed), or `N` does not fit the `u32` count.
    ///
    /// ```
    /// use btf_ids_runtime::{BtfIdSet8, BtfIdSet8Pair};
    /// const SET8: BtfIdSet8<2> = BtfIdSet8::from_sorted_pairs(
    ///     0,
    ///     [BtfIdSet8Pair { id: 4, flags: 1 }, BtfIdSet8Pair { id: 9, flags: 2 }],
    /// );
    /// assert_eq!(SET8.get(9), Some(2));
    /// assert_eq!(SET8.get(5), None);
    /// ```
    pub const fn from_sorted_pairs(flags: u32, pairs: [BtfIdSet8Pair; N]) -> Self {
        assert!(N <= u32::MAX as usize, "too many IDs for a u32 count");
        let mut i = 1;
        while i < N {
            assert!(
                pairs[i - 1].id <= pairs[i].id,
                "pairs are not in ascending ID order"
            );
            i += 1;
        }
        BtfIdSet8 {
            cnt: N as u32,
            flags,
            pairs,
        }
    }

    /// The count resolve_btfids wrote (0 before it ran).
    pub fn len(&self) -> usize {
        (self.cnt as usize).min(N)
    }

    /// True when the count is 0.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of entries declared.
    pub const fn capacity(&self) -> usize {
        N
    }

    /// The set's own flags word (`BTF_SET8_KFUNCS` for a kfunc set).
    pub fn flags(&self) -> u32 {
        self.flags
    }

    /// The counted pairs, ascending by ID once resolved.
    pub fn pairs(&self) -> &[BtfIdSet8Pair] {
        &self.pairs[..self.len()]
    }

    /// `btf_id_set8_contains`: the flags of the entry with this ID.
    pub fn get(&self, id: u32) -> Option<u32> {
        let pairs = self.pairs();
        search(pairs.len(), |i| pairs[i].id, id).map(|i| pairs[i].flags)
    }

    /// True when the ID is in the set.
    pub fn contains(&self, id: u32) -> bool {
        self.get(id).is_some()
    }

    /// `(id, flags)` in stored order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.pairs().iter().map(|p| (p.id, p.flags))
    }
}

/// The set's flags and its resolved pairs.
impl<const N: usize> core::fmt::Debug for BtfIdSet8<N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("BtfIdSet8")
            .field("cnt", &self.cnt)
            .field("flags", &format_args!("{:#x}", self.flags))
            .field("pairs", &self.pairs())
            .finish()
    }
}

/// Branch-light lower-bound search over `len` ascending keys.
///
/// The halving loop has no data-dependent branch, so it costs the same for a
/// hit and a miss, like the kernel's `bsearch` without the indirect call.
#[inline]
fn search(len: usize, key: impl Fn(usize) -> u32, id: u32) -> Option<usize> {
    if len == 0 {
        return None;
    }
    let mut base = 0;
    let mut size = len;
    while size > 1 {
        let half = size / 2;
        let mid = base + half;
        base = if key(mid) <= id { mid } else { base };
        size -= half;
    }
    (key(base) == id).then_some(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_what_resolve_btfids_wrote() {
        extern crate std;
        use std::format;
        let list = BtfIdList::<2> { ids: [7, 0] };
        assert_eq!(format!("{list:?}"), "BtfIdList([7, 0])");
        let set = BtfIdSet::from_sorted([2, 9]);
        assert_eq!(format!("{set:?}"), "BtfIdSet { cnt: 2, ids: [2, 9] }");
        let set8 = BtfIdSet8::<1>::empty(1);
        assert_eq!(
            format!("{set8:?}"),
            "BtfIdSet8 { cnt: 0, flags: 0x1, pairs: [] }"
        );
    }

    #[test]
    fn search_finds_every_member_and_no_other() {
        let keys = [3u32, 5, 5, 9, 100, 4000];
        for &k in &keys {
            let i = search(keys.len(), |i| keys[i], k).unwrap();
            assert_eq!(keys[i], k);
        }
        for k in [0u32, 4, 6, 99, 101, 5000] {
            assert_eq!(search(keys.len(), |i| keys[i], k), None);
        }
        assert_eq!(search(0, |_| 0, 0), None);
    }
}
