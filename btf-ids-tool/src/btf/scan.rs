//! Resolving against BTF that nothing needs afterwards, without holding
//! it: vmlinux's own `.BTF` when Kbuild runs `resolve_btfids vmlinux`, or a
//! `--btf` file. The blob is read in pieces into two small buffers, one
//! running over the type section and one over the strings the types name,
//! and is checked with [`crate::btf`]'s rules (libbpf's) as it goes: the
//! same types are shown to the same [`TypeVisitor`] with the same names as
//! [`Btf::parse_visiting`](crate::btf::Btf::parse_visiting) would, possibly
//! in another order (the caller sorts what it found by id).
//!
//! Why: the blob is megabytes (4.9 MB for Debian's vmlinux), and reading it
//! into fresh memory costs a page fault per 4 KiB, more than the parse
//! itself on a virtual machine; two buffers of some hundred KiB, filled
//! with `pread`, fault once.
//!
//! Names: a type's name offset is served from the string window when it
//! is at or after the window's start (offsets mostly grow with the ids);
//! one behind it is kept, and those are served, in offset order, by a
//! second window at the end. Each string is read at most twice.
//!
//! Anything the rules refuse makes [`scan`] answer [`Scanned::Invalid`]:
//! the caller then parses the whole blob with [`crate::btf::Btf`], which
//! says what and where.

use crate::btf::shape::RECORDS;
use crate::btf::{
    info_kind, info_vlen, kind, word, Header, TypeVisitor, HEADER_LEN, MAX_NR_TYPES, TYPE_LEN,
};
use std::fs::File;
use std::io;

/// A BTF blob to read from.
pub trait Blob {
    /// Its length.
    fn len(&self) -> u64;
    /// Whether it has no bytes.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Fills `buf` from `off` (the range lies in the blob).
    fn read_at(&self, off: u64, buf: &mut [u8]) -> io::Result<()>;
}

/// A range of a file.
pub struct FileBlob<'f> {
    /// The file.
    pub file: &'f File,
    /// Where the blob starts in it.
    pub start: u64,
    /// The blob's length.
    pub len: u64,
}

impl Blob for FileBlob<'_> {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, off: u64, buf: &mut [u8]) -> io::Result<()> {
        use std::os::unix::fs::FileExt;
        self.file.read_exact_at(buf, self.start + off).map_err(|e| {
            if e.kind() == io::ErrorKind::UnexpectedEof {
                io::Error::other("changed size while being read")
            } else {
                e
            }
        })
    }
}

/// A blob in memory.
pub struct MemBlob<'m>(pub &'m [u8]);

impl Blob for MemBlob<'_> {
    fn len(&self) -> u64 {
        self.0.len() as u64
    }

    fn read_at(&self, off: u64, buf: &mut [u8]) -> io::Result<()> {
        let s = off as usize;
        buf.copy_from_slice(&self.0[s..s + buf.len()]);
        Ok(())
    }
}

/// A window running forward over `[start, end)` of a blob.
struct Window<'b, B: Blob> {
    blob: &'b B,
    start: u64,
    end: u64,
    /// Blob offset of `buf[0]`.
    lo: u64,
    buf: Vec<u8>,
    have: usize,
}

impl<'b, B: Blob> Window<'b, B> {
    fn new(blob: &'b B, start: u64, end: u64, cap: usize) -> Self {
        Window {
            blob,
            start,
            end,
            lo: start,
            buf: vec![0; cap],
            have: 0,
        }
    }

    /// Moves the window to start at `at` (in the range) and fills it.
    fn fill(&mut self, at: u64) -> io::Result<()> {
        let n = ((self.end - at) as usize).min(self.buf.len());
        self.blob.read_at(at, &mut self.buf[..n])?;
        self.lo = at;
        self.have = n;
        Ok(())
    }

    /// The window from `at` on, at least `n` bytes (fewer only where the
    /// range ends), refilling and growing as needed.
    #[inline(always)]
    fn rest(&mut self, at: u64, n: usize) -> io::Result<&[u8]> {
        let rel = at.wrapping_sub(self.lo);
        if at >= self.lo && rel + n as u64 <= self.have as u64 {
            return Ok(&self.buf[rel as usize..self.have]);
        }
        self.bytes_slow(at, n)?;
        let rel = (at - self.lo) as usize;
        Ok(&self.buf[rel..self.have])
    }

    #[cold]
    fn bytes_slow(&mut self, at: u64, n: usize) -> io::Result<()> {
        let avail = (self.end - at) as usize;
        let n = n.min(avail);
        if at < self.lo || at + n as u64 > self.lo + self.have as u64 {
            if n > self.buf.len() {
                self.buf.resize(n.next_power_of_two().min(avail.max(n)), 0);
            }
            self.fill(at)?;
        }
        Ok(())
    }
}

/// The string window: the string at a name offset, with its NUL. The
/// window always ends just after a NUL, so that every string starting in
/// it ends in it.
struct Strings<'b, B: Blob>(Window<'b, B>);

impl<'b, B: Blob> Strings<'b, B> {
    fn new(blob: &'b B, start: u64, len: u64, cap: usize) -> Self {
        Strings(Window::new(blob, start, start + len, cap))
    }

    /// The string at string offset `off` (below the section's length) and
    /// whatever follows it in the window, or `None` when `off` lies
    /// behind the window.
    #[inline(always)]
    fn at(&mut self, off: u32) -> io::Result<Option<&[u8]>> {
        let at = self.0.start + off as u64;
        if at < self.0.lo {
            return Ok(None);
        }
        if at - self.0.lo >= self.0.have as u64 {
            self.refill(at)?;
        }
        let w = &self.0;
        let rel = (at - w.lo) as usize;
        Ok(Some(&w.buf[rel..w.have]))
    }

    /// Moves the window to `at`, growing it until a NUL is in it (the
    /// section ends with one), and cuts it after its last NUL.
    #[cold]
    fn refill(&mut self, at: u64) -> io::Result<()> {
        let w = &mut self.0;
        loop {
            w.fill(at)?;
            if let Some(i) = crate::bytes::memrchr(0, &w.buf[..w.have]) {
                w.have = i + 1;
                return Ok(());
            }
            if at + w.have as u64 >= w.end {
                return Ok(());
            }
            let n = w.buf.len() * 2;
            w.buf.resize(n, 0);
        }
    }
}

/// What [`scan`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scanned {
    /// The blob follows the rules; one past its last type id.
    Valid(u32),
    /// It does not (parse it whole for the error).
    Invalid,
}

/// A set of type ids (one bit each).
struct Ids(Vec<u64>);

impl Ids {
    /// Stores the word of the 64 ids around `id` (sized for every id
    /// already).
    #[inline(always)]
    fn store(&mut self, id: u32, w: u64) {
        if let Some(x) = self.0.get_mut((id / 64) as usize) {
            *x = w;
        }
    }

    /// The word of the 64 ids around `id`.
    #[inline(always)]
    fn word(&self, id: u32) -> u64 {
        self.0.get((id / 64) as usize).copied().unwrap_or(0)
    }

    fn has(&self, id: u32) -> bool {
        self.0
            .get((id / 64) as usize)
            .is_some_and(|w| w & (1 << (id % 64)) != 0)
    }
}

/// Scans base (non-split) BTF `blob` (see the module docs), showing each
/// type of a kind `visitor` asks for to it.
pub fn scan<B: Blob, V>(blob: &B, visitor: &mut V) -> io::Result<Scanned>
where
    V: for<'x> TypeVisitor<'x>,
{
    scan_sized(blob, visitor, 64 << 10, 64 << 10)
}

/// [`scan`] with windows of `types_cap` and `strings_cap` bytes to start
/// with (they grow for records and strings that do not fit).
fn scan_sized<B: Blob, V>(
    blob: &B,
    visitor: &mut V,
    types_cap: usize,
    strings_cap: usize,
) -> io::Result<Scanned>
where
    V: for<'x> TypeVisitor<'x>,
{
    let len = blob.len();
    let mut head = [0u8; HEADER_LEN];
    if len < HEADER_LEN as u64 || len > usize::MAX as u64 {
        return Ok(Scanned::Invalid);
    }
    blob.read_at(0, &mut head)?;
    let Ok(h) = Header::check(&head, len as usize) else {
        return Ok(Scanned::Invalid);
    };
    let str_start = (h.hdr_len + h.str_off) as u64;
    let str_len = h.str_len as u64;
    let (mut first, mut last) = ([0u8], [0u8]);
    if str_len > 0 {
        blob.read_at(str_start, &mut first)?;
        blob.read_at(str_start + str_len - 1, &mut last)?;
    }
    let some = |b: [u8; 1]| (str_len > 0).then_some(b[0]);
    if h.check_strings(some(first), some(last), false).is_err() || str_len > u32::MAX as u64 {
        return Ok(Scanned::Invalid);
    }
    let caps = (types_cap.max(TYPE_LEN), strings_cap.max(1));
    if h.big_endian {
        scan_types::<true, B, V>(blob, &h, visitor, caps)
    } else {
        scan_types::<false, B, V>(blob, &h, visitor, caps)
    }
}

fn scan_types<const BE: bool, B: Blob, V>(
    blob: &B,
    h: &Header,
    visitor: &mut V,
    (types_cap, strings_cap): (usize, usize),
) -> io::Result<Scanned>
where
    V: for<'x> TypeVisitor<'x>,
{
    let visit_kinds = visitor.kinds();
    let types_start = (h.hdr_len + h.type_off) as u64;
    let types_end = types_start + h.type_len as u64;
    let str_start = (h.hdr_len + h.str_off) as u64;
    let str_len = h.str_len as u64;
    let mut types = Window::new(blob, types_start, types_end, types_cap);
    let mut strings = Strings::new(blob, str_start, str_len, strings_cap);
    // At most one type per 12 bytes.
    let mut protos = Ids(vec![0; (h.type_len / TYPE_LEN + 2).div_ceil(64)]);
    // Funcs pointing at types not seen yet: checked at the end.
    let mut forward_funcs: Vec<u32> = Vec::new();
    // Names behind the string window: (name offset, id, kind).
    let mut behind: Vec<(u32, u32, u8)> = Vec::new();
    let (mut max_ref, mut max_name) = (0u32, 0u32);
    let mut bad_func = false;
    let mut near = 0u64;
    let mut id: u32 = 1;
    let mut at = types_start;
    while at < types_end {
        let w = types.rest(at, TYPE_LEN)?;
        let Some(head) = w.first_chunk::<TYPE_LEN>() else {
            return Ok(Scanned::Invalid);
        };
        let name_off = word::<BE>(head, 0);
        let info = word::<BE>(head, 4);
        let target = word::<BE>(head, 8);
        let k = info_kind(info);
        let vlen = info_vlen(info);
        let e = RECORDS[k as usize];
        if !e.valid {
            return Ok(Scanned::Invalid);
        }
        let len = TYPE_LEN + e.fixed as usize + e.per_vlen as usize * vlen;
        let rec = if w.len() >= len {
            &w[..len]
        } else {
            let r = types.rest(at, len)?;
            if r.len() < len {
                return Ok(Scanned::Invalid);
            }
            &r[..len]
        };
        let (r, n) = e.maxima::<BE>(name_off, target, &rec[TYPE_LEN..]);
        max_ref = max_ref.max(r);
        max_name = max_name.max(n);
        // The func_protos of the 64 ids around `id` are kept in a register
        // (`near`) and stored when `id` leaves them: a store and a load of
        // the same word for every type would chain the iterations.
        if k == kind::FUNC {
            if target < id {
                let w = if target / 64 == id / 64 {
                    near
                } else {
                    protos.word(target)
                };
                bad_func |= w & (1 << (target % 64)) == 0;
            } else {
                forward_funcs.push(target);
            }
        }
        near |= ((k == kind::FUNC_PROTO) as u64) << (id % 64);
        if id % 64 == 63 {
            protos.store(id, near);
            near = 0;
        }
        if visit_kinds & (1 << k) != 0 && (name_off as u64) < str_len {
            match strings.at(name_off)? {
                Some(name) => visitor.visit(id, k, name),
                None => behind.push((name_off, id, k)),
            }
        }
        at += len as u64;
        id += 1;
    }
    let count = id;
    protos.store(id, near);
    if bad_func
        || count - 1 > MAX_NR_TYPES
        || max_ref >= count
        || max_name as u64 >= str_len
        || forward_funcs.iter().any(|&t| !protos.has(t))
    {
        return Ok(Scanned::Invalid);
    }
    // The names behind the window, in offset order.
    behind.sort_unstable();
    // The first window's memory serves again.
    let mut again = Strings(strings.0);
    again.0.lo = str_start;
    again.0.have = 0;
    for (off, id, k) in behind {
        if let Some(name) = again.at(off)? {
            visitor.visit(id, k, name);
        }
    }
    Ok(Scanned::Valid(count))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::btf::Btf;

    /// Every type shown: (id, kind, the name up to its NUL).
    #[derive(Default)]
    struct Seen(Vec<(u32, u8, Vec<u8>)>);

    impl TypeVisitor<'_> for Seen {
        fn kinds(&self) -> u32 {
            u32::MAX
        }
        fn visit(&mut self, id: u32, kind: u8, name: &[u8]) {
            let n = crate::bytes::memchr(0, name).unwrap_or(name.len());
            self.0.push((id, kind, name[..n].to_vec()));
        }
    }

    fn lcg(x: &mut u64) -> u64 {
        *x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        *x >> 33
    }

    /// A blob of `n` random types over random strings (name offsets into
    /// the middle of strings too, and going back and forth).
    fn random_blob(x: &mut u64, n: usize, be: bool) -> Vec<u8> {
        let mut strs = vec![0u8];
        for i in 0..40 {
            let len = 1 + lcg(x) as usize % 30;
            strs.extend((0..len).map(|j| b'a' + ((i * 7 + j) % 26) as u8));
            strs.push(0);
        }
        let slen = strs.len() as u64;
        let mut words: Vec<u32> = Vec::new();
        let kinds = [
            1u32, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
        ];
        for id in 1..=n as u64 {
            let k = kinds[lcg(x) as usize % kinds.len()];
            let vlen = if matches!(k, 4 | 5 | 6 | 13 | 15 | 19) {
                lcg(x) as u32 % 4
            } else {
                0
            };
            let name = (lcg(x) % slen) as u32;
            // Type ids mostly valid; funcs mostly at a proto.
            let any = |x: &mut u64| (lcg(x) % (n as u64 + 1)) as u32;
            let target = if k == 12 {
                (id as u32).saturating_sub(1)
            } else {
                any(x)
            };
            words.extend([name, (k << 24) | vlen, target]);
            let (fixed, per) = match k {
                1 | 14 | 17 => (1, 0),
                3 => (3, 0),
                4 | 5 | 19 | 15 => (0, 3),
                6 | 13 => (0, 2),
                _ => (0, 0),
            };
            for _ in 0..fixed {
                words.push(any(x));
            }
            for _ in 0..vlen * per {
                words.push(if lcg(x) % 2 == 0 {
                    (lcg(x) % slen) as u32
                } else {
                    any(x)
                });
            }
        }
        let tbytes: Vec<u8> = words
            .iter()
            .flat_map(|w| if be { w.to_be_bytes() } else { w.to_le_bytes() })
            .collect();
        let hdr = [
            24u32,
            0,
            tbytes.len() as u32,
            tbytes.len() as u32,
            strs.len() as u32,
        ];
        let mut v = if be {
            vec![0xeb, 0x9f, 1, 0]
        } else {
            vec![0x9f, 0xeb, 1, 0]
        };
        for h in hdr {
            v.extend_from_slice(&if be { h.to_be_bytes() } else { h.to_le_bytes() });
        }
        v.extend(tbytes);
        v.extend(strs);
        v
    }

    /// The scan takes exactly what the parse takes and shows the same
    /// types with the same names, with windows small enough to move and
    /// grow all the time.
    #[test]
    fn scan_agrees_with_parse() {
        let mut x = 7u64;
        let (mut valid, mut invalid) = (0, 0);
        for round in 0..3000 {
            // BTF in the host's byte order, or any with a 24-byte header.
            let be = round % 5 == 0;
            let mut blob = random_blob(&mut x, 1 + round % 40, be);
            // Sometimes a byte changed anywhere.
            if round % 3 == 0 {
                let i = lcg(&mut x) as usize % blob.len();
                blob[i] ^= 1 << (lcg(&mut x) % 8);
            }
            let mut parsed = Seen::default();
            let whole = Btf::parse_visiting(&blob, None, &mut parsed);
            for caps in [(64usize << 10, 64usize << 10), (12, 1), (24, 7)] {
                let mut seen = Seen::default();
                let r = scan_sized(&MemBlob(&blob), &mut seen, caps.0, caps.1).unwrap();
                match (&whole, r) {
                    (Ok(b), Scanned::Valid(n)) => {
                        assert_eq!(b.type_count(), n, "round {round}");
                        seen.0.sort();
                        assert_eq!(seen.0, parsed.0, "round {round} caps {caps:?}");
                        valid += 1;
                    }
                    (Err(_), Scanned::Invalid) => invalid += 1,
                    (w, r) => panic!("round {round}: parse {w:?}, scan {r:?}"),
                }
            }
        }
        assert!(
            valid > 1000 && invalid > 1000,
            "{valid} valid, {invalid} invalid"
        );
    }
}
