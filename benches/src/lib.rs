//! Support for the set-lookup benchmark (`benches/set_lookup.rs`): the C
//! reference lookup, built by `build.rs` from `c/set_lookup.c`, and the data
//! both sides search.
//!
//! The C functions take the very memory of a [`BtfIdSet`] / [`BtfIdSet8`]:
//! the views are `#[repr(C)]` with the kernel's `struct btf_id_set` and
//! `struct btf_id_set8` layouts, so both sides search the same bytes.

use btf_ids_runtime::{BtfIdSet, BtfIdSet8, BtfIdSet8Pair};
use core::ffi::c_int;

unsafe extern "C" {
    fn c_btf_id_set_contains(set: *const u32, id: u32) -> c_int;
    fn c_btf_id_set8_contains(set: *const u32, id: u32) -> *const u32;
}

/// The kernel's way to test set membership: `bsearch()` with a compare
/// callback over `set`.
pub fn c_set_contains<const N: usize>(set: &BtfIdSet<N>, id: u32) -> bool {
    // SAFETY: `BtfIdSet<N>` is `struct btf_id_set` with `N` IDs and a count of
    // at most `N`; the C code only reads it.
    unsafe { c_btf_id_set_contains((set as *const BtfIdSet<N>).cast(), id) != 0 }
}

/// The kernel's way to look up a set8 entry: `bsearch()` with a compare
/// callback, then the flags word after the ID.
pub fn c_set8_get<const N: usize>(set: &BtfIdSet8<N>, id: u32) -> Option<u32> {
    // SAFETY: `BtfIdSet8<N>` is `struct btf_id_set8` with `N` pairs and a
    // count of at most `N`; the C code returns null or a pointer to a pair
    // inside it, whose second word is the flags.
    unsafe {
        let pair = c_btf_id_set8_contains((set as *const BtfIdSet8<N>).cast(), id);
        (!pair.is_null()).then(|| *pair.add(1))
    }
}

/// A small xorshift generator: the same pseudo-random data on every run.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a non-zero seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A value in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

/// `N` ascending BTF IDs spread like a vmlinux's (first IDs in the low
/// thousands, gaps of 2 to 40). Every ID `x` has `x + 1` free, so misses can
/// fall between members as well as outside the range.
pub fn sorted_ids<const N: usize>(seed: u64) -> [u32; N] {
    let mut rng = Rng::new(seed);
    let mut ids = [0u32; N];
    let mut id = 1000 + rng.below(1000) as u32;
    for slot in &mut ids {
        *slot = id;
        id += 2 + rng.below(39) as u32;
    }
    ids
}

/// A full set over [`sorted_ids`].
pub fn make_set<const N: usize>(seed: u64) -> Box<BtfIdSet<N>> {
    Box::new(BtfIdSet::from_sorted(sorted_ids::<N>(seed)))
}

/// A full set8 over [`sorted_ids`], each entry with some `KF_*`-like flags.
pub fn make_set8<const N: usize>(seed: u64) -> Box<BtfIdSet8<N>> {
    let ids = sorted_ids::<N>(seed);
    let mut rng = Rng::new(seed ^ 0x5eed);
    let pairs = ids.map(|id| BtfIdSet8Pair {
        id,
        flags: rng.below(1 << 12) as u32,
    });
    Box::new(BtfIdSet8::from_sorted_pairs(1, pairs))
}

/// What the probe keys are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Probe {
    /// Every key is a member.
    Hit,
    /// No key is a member: between two members, or below or above all.
    Miss,
    /// Members and non-members at random, half each.
    Mixed,
}

impl Probe {
    /// All three kinds, for iterating benchmark groups.
    pub const ALL: [Probe; 3] = [Probe::Hit, Probe::Miss, Probe::Mixed];

    /// The name used in benchmark IDs.
    pub fn name(self) -> &'static str {
        match self {
            Probe::Hit => "hit",
            Probe::Miss => "miss",
            Probe::Mixed => "mixed",
        }
    }
}

/// `count` pseudo-random probe keys for a set over `ids` (ascending,
/// non-empty, built by [`sorted_ids`]).
pub fn probes(ids: &[u32], probe: Probe, count: usize, seed: u64) -> Vec<u32> {
    let mut rng = Rng::new(seed);
    let max = *ids.last().expect("a non-empty set");
    (0..count)
        .map(|_| {
            let hit = match probe {
                Probe::Hit => true,
                Probe::Miss => false,
                Probe::Mixed => rng.below(2) == 0,
            };
            let member = ids[rng.below(ids.len() as u64) as usize];
            if hit {
                member
            } else {
                match rng.below(16) {
                    0 => rng.below(u64::from(ids[0])) as u32,
                    1 => max + 1 + rng.below(1 << 16) as u32,
                    _ => member + 1,
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agree<const N: usize>() {
        let set = make_set::<N>(N as u64);
        let set8 = make_set8::<N>(N as u64);
        for probe in Probe::ALL {
            for key in probes(set.ids(), probe, 4096, 7) {
                let member = set.ids().binary_search(&key).is_ok();
                assert_eq!(set.contains(key), member, "{key}");
                assert_eq!(c_set_contains(&set, key), member, "{key}");
                assert_eq!(set8.get(key), c_set8_get(&set8, key), "{key}");
                assert_eq!(set8.get(key).is_some(), member, "{key}");
                match probe {
                    Probe::Hit => assert!(member),
                    Probe::Miss => assert!(!member),
                    Probe::Mixed => {}
                }
            }
        }
    }

    #[test]
    fn rust_and_c_agree_on_every_size() {
        agree::<1>();
        agree::<8>();
        agree::<16>();
        agree::<64>();
        agree::<256>();
        agree::<1024>();
        agree::<4096>();
    }
}
