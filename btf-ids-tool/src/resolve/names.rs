//! Name hashing and the (kind, name) table that `resolve` looks BTF names up
//! in.
//!
//! Why not a `HashMap<&[u8], _>`: a BTF name is a NUL-terminated string of
//! unknown length, so hashing it through `Hash for [u8]` first needs a
//! `memchr` for its end and then a second pass for the hash, for each of
//! some 80,000 vmlinux names, most of which are in no table at all. Here a
//! name is first checked against a bitmap by its [`prefix_key`] (its first
//! [`PREFIX_BYTES`] bytes: two loads and no branch on its length), which
//! turns most names away; only the others are hashed whole ([`hash_cstr`]
//! finds the NUL and hashes in one pass, eight bytes at a time) and looked
//! up in [`NameTable`].

/// How many leading bytes of a name its [`prefix_key`] covers.
pub const PREFIX_BYTES: usize = 32;

/// Multiplier of the word mix (FxHash's).
const K: u64 = 0x517c_c1b7_2722_0a95;
/// Every byte 0x01 / 0x80, for finding a zero byte in a word.
const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

#[inline(always)]
fn mix(h: u64, w: u64) -> u64 {
    (h.rotate_left(5) ^ w).wrapping_mul(K)
}

#[inline(always)]
fn finish(h: u64) -> u64 {
    // The table indexes by the high bits; fold the low ones in.
    h ^ (h >> 32)
}

/// Hashes a name of known length. Equal to [`hash_cstr`] of the same bytes
/// followed by a NUL.
pub fn hash_name(name: &[u8]) -> u64 {
    let mut h = 0;
    let mut words = name.chunks_exact(8);
    for w in &mut words {
        h = mix(h, word(w));
    }
    let rest = words.remainder();
    if !rest.is_empty() {
        h = mix(h, word_padded(rest));
    }
    finish(h)
}

/// Hashes the NUL-terminated string at the start of `s` and returns the
/// hash and the string's length; `None` if `s` holds no NUL.
#[inline]
pub fn hash_cstr(s: &[u8]) -> Option<(u64, usize)> {
    let mut h = 0;
    let mut i = 0;
    while let Some(w) = s.get(i..i + 8) {
        let (w, nul) = below_nul(word(w));
        if let Some(n) = nul {
            // A name that ends on a word boundary mixes no empty word, as
            // in `hash_name`.
            if n > 0 {
                h = mix(h, w);
            }
            return Some((finish(h), i + n));
        }
        h = mix(h, w);
        i += 8;
    }
    let rest = &s[i..];
    let n = crate::bytes::memchr(0, rest)?;
    if n > 0 {
        h = mix(h, word_padded(&rest[..n]));
    }
    Some((finish(h), i + n))
}

/// The first 8 bytes of `b`, little endian.
#[inline(always)]
fn word(b: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[..8]);
    u64::from_le_bytes(w)
}

/// Up to 8 bytes, little endian, zero-padded.
#[inline(always)]
fn word_padded(b: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w[..b.len()].copy_from_slice(b);
    u64::from_le_bytes(w)
}

/// The bits of `w` (little-endian bytes) below its first zero byte (all of
/// `w` if it has none), and that byte's index.
#[inline(always)]
fn below_nul(w: u64) -> (u64, Option<usize>) {
    // The lowest set bit of `zero` marks the first zero byte (bits above it
    // may be false positives, never bits below).
    let zero = w.wrapping_sub(LO) & !w & HI;
    let keep = (zero & zero.wrapping_neg()).wrapping_sub(1);
    (
        w & keep,
        (zero != 0).then(|| (zero.trailing_zeros() / 8) as usize),
    )
}

/// The prefix key of four words: rotations and one multiply, so that the
/// words are combined in parallel (a filter key need not be strong).
#[inline(always)]
fn fold(w0: u64, w1: u64, w2: u64, w3: u64) -> u64 {
    finish((w0 ^ w1.rotate_left(16) ^ w2.rotate_left(32) ^ w3.rotate_left(48)).wrapping_mul(K))
}

/// A hash of the first `PREFIX_BYTES` bytes of `name` (of known length):
/// equal to [`cstr_prefix_key`] of the same bytes followed by a NUL.
pub fn prefix_key(name: &[u8]) -> u64 {
    let mut b = [0u8; PREFIX_BYTES];
    let n = name.len().min(PREFIX_BYTES);
    b[..n].copy_from_slice(&name[..n]);
    fold(
        word(&b[..8]),
        word(&b[8..16]),
        word(&b[16..24]),
        word(&b[24..]),
    )
}

/// A key of the first eight bytes of `name` (of known length): equal to
/// [`cstr_word_key`] of the same bytes followed by a NUL. The first,
/// cheapest filter: one load and a multiply.
#[inline(always)]
pub fn word_key(name: &[u8]) -> u64 {
    let n = name.len().min(8);
    finish(word_padded(&name[..n]).wrapping_mul(K))
}

/// [`word_key`] of the NUL-terminated name at the start of `s`.
#[inline(always)]
pub fn cstr_word_key(s: &[u8]) -> u64 {
    let w = match s.first_chunk::<8>() {
        Some(b) => u64::from_le_bytes(*b),
        None => word_padded(s),
    };
    finish(below_nul(w).0.wrapping_mul(K))
}

/// [`prefix_key`] of the NUL-terminated name at the start of `s` (a string
/// table from the name on). Without a NUL in `s`, some key all the same.
#[inline]
pub fn cstr_prefix_key(s: &[u8]) -> u64 {
    let mut pad = [0u8; PREFIX_BYTES];
    let b = match s.get(..PREFIX_BYTES) {
        Some(b) => b,
        None => {
            pad[..s.len()].copy_from_slice(s);
            &pad
        }
    };
    // Every word is hashed, those after the NUL as zero: no branch on
    // where the name ends.
    let ends = |w| {
        let (w, nul) = below_nul(w);
        (w, nul.is_some())
    };
    let (w0, e0) = ends(word(&b[..8]));
    let (w1, e1) = ends(word(&b[8..16]));
    let (w2, e2) = ends(word(&b[16..24]));
    let (w3, _) = ends(word(&b[24..]));
    let w1 = if e0 { 0 } else { w1 };
    let w2 = if e0 | e1 { 0 } else { w2 };
    let w3 = if e0 | e1 | e2 { 0 } else { w3 };
    fold(w0, w1, w2, w3)
}

/// An open-addressing table of `u32` values, probed with a caller-computed
/// hash and a caller-given equality test (the values index the caller's
/// own entries, which hold the keys). Sized once for a known number of
/// entries, so it never grows.
///
/// Most lookups are for names the table does not hold (vmlinux has some
/// 80,000 funcs, structs, unions and typedefs; an object names a few
/// thousand), so a bitmap of the entries' prefix keys, 8 bits per entry and
/// small enough to stay in the first-level cache, answers most of them
/// before the name is hashed whole ([`NameTable::may_hold`]). Each slot
/// keeps the high half of its hash beside the value, so the caller's entry
/// is read only when that half matches.
#[derive(Debug, Default)]
pub struct NameTable {
    /// High 32 bits of the hash, then `value + 1`; 0 is empty.
    slots: Vec<u64>,
    /// One bit per low-bits value of the entries' prefix keys.
    seen: Vec<u64>,
    /// The same for their [`word_key`]s.
    seen8: Vec<u64>,
    shift: u32,
    len: usize,
}

impl NameTable {
    /// A table for at most `n` entries (kept at most half full).
    pub fn with_capacity(n: usize) -> Self {
        let size = (n.max(4) * 2).next_power_of_two();
        NameTable {
            slots: vec![0; size],
            seen: vec![0; (size * 4 / 64).max(1)],
            seen8: vec![0; (size * 4 / 64).max(1)],
            shift: 64 - size.trailing_zeros(),
            len: 0,
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[inline(always)]
    fn mask(&self) -> usize {
        self.slots.len() - 1
    }

    /// Word and bit of `hash` in `seen`.
    #[inline(always)]
    fn seen_bit(&self, hash: u64) -> (usize, u64) {
        let b = hash as usize & (self.seen.len() * 64 - 1);
        (b / 64, 1 << (b % 64))
    }

    /// Whether an entry with this prefix key may be stored (false:
    /// certainly not).
    #[inline]
    pub fn may_hold(&self, prefix: u64) -> bool {
        if self.seen.is_empty() {
            return false;
        }
        let (w, bit) = self.seen_bit(prefix);
        self.seen[w] & bit != 0
    }

    /// Whether an entry with this [`word_key`] may be stored (false:
    /// certainly not): checked before [`NameTable::may_hold`].
    #[inline]
    pub fn may_hold_word(&self, key: u64) -> bool {
        if self.seen8.is_empty() {
            return false;
        }
        let (w, bit) = self.seen_bit(key);
        self.seen8[w] & bit != 0
    }

    /// The value whose entry `is` accepts, among those stored under `hash`.
    #[inline]
    pub fn find(&self, hash: u64, mut is: impl FnMut(u32) -> bool) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        let mut i = (hash >> self.shift) as usize;
        let tag = hash & !0xffff_ffff;
        loop {
            let s = self.slots[i];
            if s == 0 {
                return None;
            }
            let v = (s as u32).wrapping_sub(1);
            if s & !0xffff_ffff == tag && is(v) {
                return Some(v);
            }
            i = (i + 1) & self.mask();
        }
    }

    /// Stores `value` under `hash` (a key [`NameTable::find`] did not
    /// find), with the entry's prefix key. False when the table is full
    /// (more entries than its capacity) or `value` is `u32::MAX`.
    pub fn insert(&mut self, hash: u64, prefix: u64, value: u32) -> bool {
        self.insert_keyed(hash, prefix, 0, value)
    }

    /// [`NameTable::insert`] with the entry's [`word_key`] too (the names
    /// `resolve` looks up are stored this way).
    pub fn insert_keyed(&mut self, hash: u64, prefix: u64, word: u64, value: u32) -> bool {
        let Some(v) = value.checked_add(1) else {
            return false;
        };
        if self.slots.is_empty() || 2 * (self.len + 1) > self.slots.len() {
            return false;
        }
        let mut i = (hash >> self.shift) as usize;
        while self.slots[i] != 0 {
            i = (i + 1) & self.mask();
        }
        self.slots[i] = (hash & !0xffff_ffff) | v as u64;
        let (w, bit) = self.seen_bit(prefix);
        self.seen[w] |= bit;
        let (w, bit) = self.seen_bit(word);
        self.seen8[w] |= bit;
        self.len += 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cstr_hash_matches_name_hash() {
        let names: Vec<Vec<u8>> = (0..40)
            .map(|n| (0..n).map(|i| b'a' + (i * 7 % 26) as u8).collect())
            .collect();
        for n in &names {
            // Followed by junk, and at the very end of the buffer.
            let mut s = n.clone();
            s.push(0);
            let end = s.clone();
            s.extend_from_slice(b"junk\xffjunk\x01junk");
            assert_eq!(hash_cstr(&s), Some((hash_name(n), n.len())), "{n:?}");
            assert_eq!(hash_cstr(&end), Some((hash_name(n), n.len())), "{n:?}");
            assert_eq!(cstr_prefix_key(&s), prefix_key(n), "{n:?}");
            assert_eq!(cstr_prefix_key(&end), prefix_key(n), "{n:?}");
        }
        assert_eq!(hash_cstr(b"no terminator"), None);
        assert_eq!(hash_cstr(b"0123456789abcdef"), None);
        // A 0x80 byte before the NUL must not be taken for it.
        assert_eq!(hash_cstr(b"\x80\x81\0"), Some((hash_name(b"\x80\x81"), 2)));
        assert_eq!(hash_cstr(b"\x01\0"), Some((hash_name(b"\x01"), 1)));
        assert_eq!(cstr_prefix_key(b"\x80\x81\0zz"), prefix_key(b"\x80\x81"));
        assert_eq!(
            cstr_prefix_key(b"\x01\0zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"),
            prefix_key(b"\x01")
        );
        // Prefix keys differ within the covered bytes, agree beyond them.
        assert_ne!(prefix_key(b"task_struct"), prefix_key(b"task_structs"));
        assert_eq!(
            prefix_key(b"0123456789abcdef0123456789abcdefXYZ"),
            prefix_key(b"0123456789abcdef0123456789abcdef")
        );
    }

    #[test]
    fn table_finds_what_it_holds() {
        let keys: Vec<String> = (0..1000).map(|i| format!("name_{i}")).collect();
        let mut t = NameTable::with_capacity(keys.len());
        for (i, k) in keys.iter().enumerate() {
            let h = hash_name(k.as_bytes());
            assert_eq!(t.find(h, |v| keys[v as usize] == *k), None);
            assert!(t.insert(h, prefix_key(k.as_bytes()), i as u32));
            assert!(t.may_hold(prefix_key(k.as_bytes())));
        }
        assert_eq!(t.len(), keys.len());
        for (i, k) in keys.iter().enumerate() {
            let h = hash_name(k.as_bytes());
            assert_eq!(t.find(h, |v| keys[v as usize] == *k), Some(i as u32));
        }
        let h = hash_name(b"absent");
        assert_eq!(t.find(h, |v| keys[v as usize] == "absent"), None);
        // Full: a table for one entry takes no more than its slots allow.
        let mut small = NameTable::with_capacity(1);
        let stored = (0..keys.len())
            .filter(|&i| small.insert(hash_name(keys[i].as_bytes()), 0, i as u32))
            .count();
        assert_eq!(stored, 4);
        assert!(!t.insert(1, 1, u32::MAX));
    }
}
