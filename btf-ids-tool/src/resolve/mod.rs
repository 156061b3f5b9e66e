//! `btf-ids resolve`: the kernel's resolve_btfids (6.12) rules, on our own
//! ELF and BTF readers.
//!
//! Rules (from resolve_btfids 6.12, `tools/bpf/resolve_btfids/main.c`):
//! - collect `__BTF_ID__*` symbols defined in `.BTF_ids` (read and checked
//!   by [`crate::symbols::table`], names as [`crate::symbols::names`] says);
//!   a name may repeat (up to 100 addresses), a set name may not;
//! - walk every type id from 1 (base ids included for split BTF); only
//!   FUNC, STRUCT, UNION and TYPEDEF are looked at, a kind only while its
//!   counter (symbol occurrences minus names resolved) is above zero;
//! - first id wins, later ones warn `WARN: multiple IDs found ...`;
//! - unresolved names warn and stay 0; set counts come from symbol sizes
//!   (set: size/4-1, set8: size/8-1); sets are sorted by id (stable), set8
//!   as (id, flags) pairs.
//!
//! Ids and counts are written in the ELF's byte order; flags words are left
//! as the assembler wrote them (the differential tests check big-endian
//! objects of both classes against the C tool).
//!
//! Differences, all on input the C tool mishandles: we check every bound and
//! report an error where resolve_btfids would write out of bounds or crash
//! (a set symbol smaller than its header, a name without `__<n>` suffix).

pub mod hints;
pub mod names;
pub mod report;
pub mod rerun;
pub mod tags;

use crate::btf::{Btf, TypeVisitor};
use crate::elf::{ElfInfo, SectionInfo, BTF_IDS_SECTION};
use crate::resolve::names::{
    cstr_prefix_key, cstr_word_key, hash_cstr, hash_name, prefix_key, word_key, NameTable,
};
use crate::symbols::names::IdKind;
use crate::symbols::table::{self, Problem, Record, SymbolError, Table};
use crate::Error;
use std::collections::HashSet;

/// resolve_btfids' limit of addresses per name (`ADDR_CNT`).
pub const ADDR_CNT: usize = 100;

/// One name of one kind, with every address it must be written to. Kept to
/// one cache line (64 bytes): an object has thousands of names, and each
/// step of a resolve walks them all.
#[derive(Debug, Clone)]
pub struct NameEntry<'a> {
    /// The name.
    pub name: &'a [u8],
    /// Section-relative addresses (`st_value - sh_addr`).
    pub addrs: Addrs,
    /// The id found (0: unresolved).
    pub id: u32,
    /// Further ids found for the same name and kind.
    pub others: Box<[u32]>,
}

/// A name's addresses: almost always one, kept inline; more go to the heap.
#[derive(Debug, Clone)]
pub struct Addrs {
    first: u64,
    more: Box<[u64]>,
}

impl Addrs {
    /// One address.
    pub fn new(first: u64) -> Self {
        Addrs {
            first,
            more: Box::default(),
        }
    }

    /// Number of addresses (at least one).
    pub fn len(&self) -> usize {
        1 + self.more.len()
    }

    /// Always false: there is at least one.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Adds one.
    pub fn push(&mut self, a: u64) {
        push_boxed(&mut self.more, a);
    }

    /// The addresses, in symbol-table order.
    pub fn iter(&self) -> impl Iterator<Item = &u64> + '_ {
        std::iter::once(&self.first).chain(self.more.iter())
    }
}

const _: () = assert!(std::mem::size_of::<NameEntry<'_>>() <= 64);

/// Appends to a boxed slice: a copy each time, which is fine for the rare,
/// short lists kept this way (a boxed slice is 8 bytes smaller than a Vec).
fn push_boxed<T: Copy>(b: &mut Box<[T]>, v: T) {
    let mut all = std::mem::take(b).into_vec();
    all.push(v);
    *b = all.into_boxed_slice();
}

/// The [`NameTable`] hash of a (kind, name) pair, from the name's hash.
#[inline(always)]
fn kind_hash(ki: usize, name_hash: u64) -> u64 {
    name_hash ^ (ki as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// A [`NameTable`] value: kind index in the top two bits, entry index below.
const IDX_BITS: u32 = 30;
const IDX_MASK: u32 = (1 << IDX_BITS) - 1;

/// The entry a [`NameTable`] value stands for.
#[inline(always)]
fn entry<'n, 'a>(names: &'n [Vec<NameEntry<'a>>; 4], v: u32) -> &'n NameEntry<'a> {
    &names[(v >> IDX_BITS) as usize][(v & IDX_MASK) as usize]
}

/// Finds, one BTF type at a time, the types whose kind and name the
/// object's symbols ask for: the visitor of [`Btf::parse_visiting`], so
/// that matching rides on the parse's one pass over the types (see
/// [`crate::resolve::names`] for how most names are turned away unhashed).
pub struct Matcher<'c, 'a> {
    col: &'c Collected<'a>,
    /// [`IdKind::index`] per BTF kind of the kinds looked at (else MAX).
    wanted: [u8; 32],
    /// (type id, kind index, entry index), in the order the types came.
    matches: Vec<(u32, u8, u32)>,
}

impl Matcher<'_, '_> {
    /// The matches, for [`Collected::apply`].
    pub fn finish(self) -> Matches {
        Matches(self.matches)
    }
}

impl TypeVisitor<'_> for Matcher<'_, '_> {
    /// The BTF kinds it looks at.
    fn kinds(&self) -> u32 {
        (0..32u32)
            .filter(|&k| self.wanted[k as usize] != u8::MAX)
            .fold(0, |m, k| m | 1 << k)
    }

    /// Looks at type `id` of kind `kind` whose name starts `name` (the rest
    /// of the string table may follow it).
    #[inline(always)]
    fn visit(&mut self, id: u32, kind: u8, name: &[u8]) {
        let ki = self.wanted[(kind & 31) as usize];
        if ki == u8::MAX {
            return;
        }
        let lookup = &self.col.lookup;
        // Two filters before the name is hashed whole: its first eight
        // bytes (most names are turned away here), then its first 32.
        if !lookup.may_hold_word(kind_hash(ki as usize, cstr_word_key(name))) {
            return;
        }
        if !lookup.may_hold(kind_hash(ki as usize, cstr_prefix_key(name))) {
            return;
        }
        let Some((h, len)) = hash_cstr(name) else {
            return;
        };
        let h = kind_hash(ki as usize, h);
        let name = &name[..len];
        let names = &self.col.names;
        let found = lookup.find(h, |v| entry(names, v).name == name);
        if let Some(v) = found {
            self.matches.push((id, ki, v & IDX_MASK));
        }
    }
}

/// What a [`Matcher`] found.
#[derive(Debug, Default)]
pub struct Matches(Vec<(u32, u8, u32)>);

impl Matches {
    /// In type id order (a [`crate::btf::scan`] shows some types late).
    pub fn sorted(mut self) -> Matches {
        self.0.sort_unstable_by_key(|m| m.0);
        self
    }
}

/// A set symbol of the section, as the symbol table reading gives it.
pub use crate::symbols::table::SetSym;

/// Everything collected from the symbol table.
#[derive(Debug, Default)]
pub struct Collected<'a> {
    /// Names per kind (index: [`IdKind::index`]).
    pub names: [Vec<NameEntry<'a>>; 4],
    /// (kind, name) lookup; a value holds the kind index in its top two bits
    /// and the index in [`Collected::names`] below.
    pub lookup: NameTable,
    /// Symbol occurrences per kind (resolve_btfids' `nr_<kind>`).
    pub nr: [usize; 4],
    /// Sets.
    pub sets: Vec<SetSym<'a>>,
}

impl<'a> Collected<'a> {
    /// Collects the `__BTF_ID__` symbols of `elf`'s `.BTF_ids` (`sec`),
    /// reading them as they come (`symbols::table::records`): resolve
    /// needs no kept table.
    pub fn collect(elf: &ElfInfo<'a>, sec: SectionInfo) -> Result<Self, Error> {
        Self::build(table::records(&elf.symbols, sec), elf.symbols.len())
    }

    /// Collects from a reading kept for other uses (`inspect`'s expected
    /// ids), so that the symbols are read once. The same names, addresses
    /// and sets as [`Collected::collect`]; only which of two of resolve's
    /// own errors comes first may differ (ids are taken before sets), and
    /// inspect asks only whether there is one.
    pub fn from_table(t: &Table<'a>) -> Result<Self, Error> {
        let ids = t.ids().iter().map(|&x| Ok(Record::Id(x)));
        let sets = t.sets().iter().map(|&x| Ok(Record::Set(x)));
        Self::build(ids.chain(sets), t.ids().len() + t.sets().len())
    }

    /// Adds resolve's own checks to the reading (`n`: records at most),
    /// symbol by symbol, so that errors come in symbol order as
    /// resolve_btfids meets them.
    fn build(
        records: impl Iterator<Item = Result<Record<'a>, SymbolError<'a>>>,
        n: usize,
    ) -> Result<Self, Error> {
        let mut c = Collected {
            lookup: NameTable::with_capacity(n),
            ..Default::default()
        };
        // Room for every symbol in each kind: untouched capacity costs
        // address space only, and no vector moves (a move of a large vector
        // is an mremap, copying page tables).
        for v in c.names.iter_mut() {
            v.reserve(n);
        }
        let mut set_names: HashSet<&'a [u8]> = HashSet::new();
        let twice = |name: &[u8], symbol: &[u8]| {
            Error::resolve(format!(
                "FAILED malformed data for set '{}': defined twice",
                String::from_utf8_lossy(name)
            ))
            .symbol(&String::from_utf8_lossy(symbol))
        };
        for r in records {
            let id = match r {
                Ok(Record::Id(id)) => id,
                Ok(Record::Label(_)) => continue,
                Ok(Record::Set(s)) => {
                    if !set_names.insert(s.name) {
                        return Err(twice(s.name, s.symbol));
                    }
                    if s.count() > i32::MAX as u64 {
                        return Err(Error::resolve("set count overflows 32 bits")
                            .symbol(&String::from_utf8_lossy(s.symbol)));
                    }
                    c.sets.push(s);
                    continue;
                }
                Err(e) => {
                    // A second definition comes before what is wrong with
                    // its size, as resolve always had it.
                    if let Problem::SetSize { name, .. } | Problem::SetExtent { name, .. } =
                        e.problem
                    {
                        if set_names.contains(name) {
                            return Err(twice(name, e.symbol));
                        }
                    }
                    return Err(e.into());
                }
            };
            let (ki, name, rel) = (id.kind.index(), id.name, id.offset);
            c.nr[ki] += 1;
            let hash = kind_hash(ki, hash_name(name));
            let prefix = kind_hash(ki, prefix_key(name));
            let names = &c.names;
            let found = c.lookup.find(hash, |v| entry(names, v).name == name);
            match found {
                Some(v) => {
                    let e = &mut c.names[ki][(v & IDX_MASK) as usize];
                    if e.addrs.len() >= ADDR_CNT {
                        return Err(Error::resolve(format!(
                            "FAILED symbol {} crossed the number of allowed lists",
                            String::from_utf8_lossy(name)
                        ))
                        .symbol(&String::from_utf8_lossy(id.symbol)));
                    }
                    e.addrs.push(rel);
                }
                None => {
                    c.names[ki].push(NameEntry {
                        name,
                        addrs: Addrs::new(rel),
                        id: 0,
                        others: Box::default(),
                    });
                    let v = ((ki as u32) << IDX_BITS) | (c.names[ki].len() - 1) as u32;
                    // The table holds one entry per symbol.
                    let word = kind_hash(ki, word_key(name));
                    if !c.lookup.insert_keyed(hash, prefix, word, v) {
                        return Err(Error::resolve("too many symbols")
                            .symbol(&String::from_utf8_lossy(id.symbol)));
                    }
                }
            }
        }
        Ok(c)
    }

    /// Total number of id symbols (occurrences).
    pub fn id_symbols(&self) -> usize {
        self.nr.iter().sum()
    }

    /// Resolves names against `btf` with resolve_btfids' walk. Returns the
    /// `WARN: multiple IDs ...` lines in the order the C tool prints them.
    /// With `all`, keeps looking after a kind's counter reaches zero to find
    /// every duplicate (for `--strict` and the report) without changing what
    /// is written or warned. (A parsed [`Btf`] has a valid name for every
    /// type, so there is nothing left to fail.)
    pub fn resolve(&mut self, btf: &Btf<'_>, all: bool) -> Vec<String> {
        let mut m = self.matcher();
        let mut parts = vec![btf];
        parts.extend(btf.base());
        for b in parts.into_iter().rev() {
            for (i, &k) in b.own_kinds().iter().enumerate() {
                let id = b.start_id() + i as u32;
                if let Some(name) = b.name_off(id).and_then(|o| b.string_tail(o)) {
                    m.visit(id, k, name);
                }
            }
        }
        let found = m.finish();
        self.apply(found, all)
    }

    /// A [`Matcher`] for these symbols' names.
    pub fn matcher(&self) -> Matcher<'_, 'a> {
        let mut wanted = [u8::MAX; 32];
        for k in IdKind::ALL {
            if !self.names[k.index()].is_empty() {
                wanted[k.btf_kind() as usize] = k.index() as u8;
            }
        }
        Matcher {
            col: self,
            wanted,
            matches: Vec::with_capacity(self.nr.iter().sum()),
        }
    }

    /// Applies what a [`Matcher`] found (every type it was shown, in id
    /// order) as [`Collected::resolve`] describes; returns its warnings.
    pub fn apply(&mut self, found: Matches, all: bool) -> Vec<String> {
        // In id order, with resolve_btfids' counters: a kind is looked at
        // only while its counter is above zero.
        let mut nr = self.nr;
        let mut warnings = Vec::new();
        for (id, ki, i) in found.0 {
            let ki = ki as usize;
            let counting = nr[ki] > 0;
            if !counting && !all {
                continue;
            }
            let e = &mut self.names[ki][i as usize];
            if e.id != 0 {
                if counting {
                    warnings.push(format!(
                        "WARN: multiple IDs found for '{}': {}, {} - using {}",
                        String::from_utf8_lossy(e.name),
                        e.id,
                        id,
                        e.id
                    ));
                }
                push_boxed(&mut e.others, id);
            } else {
                // A name still at 0 keeps its kind's counter above zero.
                e.id = id;
                nr[ki] = nr[ki].saturating_sub(1);
            }
        }
        warnings
    }

    /// Names in resolve_btfids' patch order for one kind: its red-black
    /// tree is walked from the greatest name (by `strcmp`) down.
    pub fn patch_order(&self, k: IdKind) -> Vec<&NameEntry<'a>> {
        let mut v: Vec<&NameEntry<'a>> = self.names[k.index()].iter().collect();
        v.sort_unstable_by(|a, b| b.name.cmp(a.name));
        v
    }

    /// Words that more than one id symbol writes, each with the entry whose
    /// value resolve_btfids leaves there: it patches kind by kind (struct,
    /// union, typedef, func), each kind from the greatest name down, so the
    /// value that stays is the one written last in that order. (Set counts
    /// are written after every id, so they win wherever they fall.)
    fn shared_words(&self, section_len: usize) -> Vec<(u64, &NameEntry<'a>)> {
        // Writers per word, counted up to 2; addresses were checked to lie
        // in the section when collected.
        let mut writers = vec![0u8; section_len.div_ceil(4)];
        for e in self.names.iter().flatten() {
            for &a in e.addrs.iter() {
                let w = &mut writers[(a >> 2) as usize];
                *w = w.saturating_add(1);
            }
        }
        if writers.iter().all(|&c| c < 2) {
            return Vec::new();
        }
        let mut shared: Vec<(u64, u8, &NameEntry<'a>)> = Vec::new();
        for (ki, v) in self.names.iter().enumerate() {
            for e in v {
                for &a in e.addrs.iter() {
                    if writers[(a >> 2) as usize] > 1 {
                        shared.push((a & !3, ki as u8, e));
                    }
                }
            }
        }
        shared.sort_by_key(|w| w.0);
        shared
            .chunk_by(|x, y| x.0 == y.0)
            .filter_map(|g| {
                let last = g
                    .iter()
                    .max_by(|x, y| x.1.cmp(&y.1).then(y.2.name.cmp(x.2.name)))?;
                Some((last.0, last.2))
            })
            .collect()
    }

    /// Sets in patch order (greatest name first).
    pub fn sets_order(&self) -> Vec<&SetSym<'a>> {
        let mut v: Vec<&SetSym<'a>> = self.sets.iter().collect();
        v.sort_by(|a, b| b.name.cmp(a.name));
        v
    }

    /// Writes ids and set counts into `ids` (the `.BTF_ids` bytes) and sorts
    /// the sets. Returns the `WARN: ... unresolved symbol` lines.
    pub fn patch(&self, elf: &ElfInfo<'_>, ids: &mut [u8]) -> Result<Vec<String>, Error> {
        let mut warnings = Vec::new();
        for k in IdKind::ALL {
            // Unresolved names are reported in the C tool's order.
            let mut unresolved: Vec<&[u8]> = Vec::new();
            for e in &self.names[k.index()] {
                if e.id == 0 {
                    unresolved.push(e.name);
                }
                for &a in e.addrs.iter() {
                    write_word(elf, ids, a, e.id, e.name)?;
                }
            }
            unresolved.sort_unstable_by(|a, b| b.cmp(a));
            warnings.reserve(unresolved.len());
            warnings.extend(unresolved.iter().map(|n| {
                // Sized exactly: a file may have hundreds of thousands.
                let n = String::from_utf8_lossy(n);
                const W: &str = "WARN: resolve_btfids: unresolved symbol ";
                let mut s = String::with_capacity(W.len() + n.len());
                s.push_str(W);
                s.push_str(&n);
                s
            }));
        }
        // Where symbols share a word, the C tool's write order decides.
        for (w, e) in self.shared_words(ids.len()) {
            write_word(elf, ids, w, e.id, e.name)?;
        }
        let order = self.sets_order();
        for s in &order {
            write_word(elf, ids, s.offset, s.count() as u32, s.name)?;
        }
        for s in &order {
            let start = (s.offset & !3) as usize;
            let cnt = elf.read_u32(ids, start).unwrap_or(0) as usize;
            let (hdr, unit) = s.shape();
            let (hdr, unit) = (hdr as usize, unit as usize);
            let body = cnt
                .checked_mul(unit)
                .and_then(|n| n.checked_add(start + hdr))
                .filter(|&end| end <= ids.len())
                .ok_or_else(|| {
                    Error::resolve(format!(
                        "set '{}' count {cnt} runs past the end of {BTF_IDS_SECTION}",
                        String::from_utf8_lossy(s.name)
                    ))
                })?;
            let region = &mut ids[start + hdr..body];
            sort_region(elf, region, unit);
        }
        Ok(warnings)
    }
}

fn write_word(
    elf: &ElfInfo<'_>,
    ids: &mut [u8],
    addr: u64,
    v: u32,
    name: &[u8],
) -> Result<(), Error> {
    // resolve_btfids indexes an int array: the address is rounded down.
    let at = (addr & !3) as usize;
    if !elf.write_u32(ids, at, v) {
        return Err(Error::resolve(format!(
            "FAILED patching index {addr} out of bounds {}",
            ids.len()
        ))
        .symbol(&String::from_utf8_lossy(name)));
    }
    Ok(())
}

/// Stable sort of `unit`-byte records (4 or 8) by their first `u32` (as
/// a signed int, like resolve_btfids' compare), in place. A region that is
/// sorted already (every set the second time overlapping sets reach it) is
/// only read; the sort is adaptive, so a sorted run plus a few records
/// costs a merge.
fn sort_region(elf: &ElfInfo<'_>, region: &mut [u8], unit: usize) {
    let endian = elf.endian();
    let key = move |r: &[u8]| -> i32 {
        use object::Endian;
        endian.read_u32_bytes([r[0], r[1], r[2], r[3]]) as i32
    };
    let sorted = region
        .chunks_exact(unit)
        .zip(region.chunks_exact(unit).skip(1))
        .all(|(a, b)| key(a) <= key(b));
    if sorted {
        return;
    }
    if unit == 8 {
        let mut recs: Vec<[u8; 8]> = region
            .chunks_exact(8)
            .map(|c| [c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]])
            .collect();
        recs.sort_by_key(|r| key(r));
        for (dst, src) in region.chunks_exact_mut(8).zip(&recs) {
            dst.copy_from_slice(src);
        }
    } else {
        // Equal keys are equal words: stability does not matter.
        let mut recs: Vec<[u8; 4]> = region
            .chunks_exact(4)
            .map(|c| [c[0], c[1], c[2], c[3]])
            .collect();
        recs.sort_unstable_by_key(|r| key(r));
        for (dst, src) in region.chunks_exact_mut(4).zip(&recs) {
            dst.copy_from_slice(src);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::elf::Sym;
    use crate::symbols::table::tests::{abi, sym};

    const SEC: SectionInfo = SectionInfo {
        index: 1,
        file_offset: 0x40,
        size: 0x20,
        address: 0,
    };

    fn collect(syms: &[Sym<'static>]) -> Result<Collected<'static>, Error> {
        Collected::build(table::records(syms, SEC), syms.len())
    }

    #[test]
    fn errors_in_symbol_order() {
        let twice = abi("FAILED malformed data for set 's': defined twice (symbol @set__s)");
        // A second definition comes before what the reading refuses of it,
        // and before a later symbol's problem.
        let bad_size = [sym(1, "@set__s", 0, 8), sym(2, "@set__s", 0, 6)];
        assert_eq!(collect(&bad_size).unwrap_err().to_string(), twice);
        let later = [
            sym(1, "@set__s", 0, 8),
            sym(2, "@set__s", 8, 8),
            sym(3, "@enum__e__1", 0, 0),
        ];
        assert_eq!(collect(&later).unwrap_err().to_string(), twice);
        // An address outside comes first, as resolve always had it.
        let outside = [sym(1, "@set__s", 0, 8), sym(2, "@set__s", 0x40, 8)];
        assert_eq!(
            collect(&outside).unwrap_err().to_string(),
            abi("FAILED patching index 64 out of bounds 32 (symbol @set__s)")
        );
    }

    #[test]
    fn a_kept_table_collects_the_same() {
        let syms = [
            sym(1, "l", 0, 0),
            sym(2, "@func__f__1", 0, 0),
            sym(3, "@set8__k", 4, 16),
            sym(4, "@func__f__2", 12, 0),
            sym(5, "@struct__s__3", 20, 0),
        ];
        let a = collect(&syms).unwrap();
        let b = Collected::from_table(&Table::from_symbols(&syms, SEC).unwrap()).unwrap();
        let view = |c: &Collected<'static>| {
            let names: Vec<Vec<(Vec<u8>, Vec<u64>)>> = c
                .names
                .iter()
                .map(|v| {
                    v.iter()
                        .map(|e| (e.name.to_vec(), e.addrs.iter().copied().collect()))
                        .collect()
                })
                .collect();
            let sets: Vec<_> = c.sets.iter().map(|s| (s.name, s.offset, s.size)).collect();
            (names, sets, c.nr)
        };
        assert_eq!(view(&a), view(&b));
        assert_eq!(a.nr, [1, 0, 0, 2]);
        assert_eq!(a.sets[0].index, 3);
    }
}
