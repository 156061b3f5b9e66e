//! A second line under resolve_btfids' `unresolved symbol` warning when the
//! name is a kfunc of a `BTF_SET8_KFUNCS` set8 in a module (split BTF):
//! the likely cause is that the module's BTF has no FUNC for it, and the
//! kernel would then refuse the whole set (`register_btf_kfunc_id_set`
//! returns -22). The first line keeps the C tool's text.
//!
//! Seen causes (December 2026): Debian's kbuild runs `pahole -J
//! --btf_gen_floats -j --lang_exclude=rust`, so Rust compilation units get
//! no BTF at all; and pahole 1.24 skips a function that has an unnamed
//! parameter (a Rust `_`); and LLVM's MergeFunctions, which rustc runs by
//! default, turns a kfunc whose machine code equals another's into an alias
//! of it: the alias keeps its symbol but loses its DWARF, so pahole gives it
//! no FUNC.

use crate::elf::ElfInfo;
use crate::flag_names::BTF_SET8_KFUNCS;
use crate::resolve::Collected;
use crate::symbols::names::IdKind;
use std::collections::HashMap;

/// The hint line for kfunc `name` of set8 `set`; `twin` is the function
/// whose code it shares (its address), when there is one.
pub fn hint(name: &str, set: &str, twin: Option<&str>) -> String {
    if let Some(twin) = twin {
        return format!(
            "      kfunc {name} (set8 '{set}', BTF_SET8_KFUNCS) has no BTF FUNC in the module's BTF: \
             it is at the address of {twin}, so LLVM merged the two identical functions and {name} \
             lost its DWARF; build with RUSTFLAGS=-Zmerge-functions=disabled (btf-ids-rust.mk does) \
             or make the bodies differ; as it is, register_btf_kfunc_id_set() fails with -22"
        );
    }
    format!(
        "      kfunc {name} (set8 '{set}', BTF_SET8_KFUNCS) has no BTF FUNC in the module's BTF: \
         Debian's kbuild runs pahole with --lang_exclude=rust, so Rust code gets none; build with \
         make PAHOLE_FLAGS=\"--btf_gen_floats -j\" (pahole 1.24 also skips a function with an unnamed `_` \
         parameter); as it is, register_btf_kfunc_id_set() fails with -22"
    )
}

/// The unresolved funcs of `col` that sit in a `BTF_SET8_KFUNCS` set8 of
/// `ids`, each with its set's name: the first such set in symbol order
/// holding any of the func's addresses. O(n log n): the addresses are
/// sorted once, and each set claims, through a skip list over them, the
/// addresses no earlier set took.
pub fn unresolved_kfuncs<'a>(
    elf: &ElfInfo<'_>,
    col: &Collected<'a>,
    ids: &[u8],
) -> Vec<(&'a [u8], &'a [u8])> {
    let kfunc_sets: Vec<_> = col
        .sets
        .iter()
        .filter(|s| {
            s.flags_at()
                .and_then(|at| elf.read_u32(ids, at as usize))
                .is_some_and(|flags| flags & BTF_SET8_KFUNCS != 0)
        })
        .collect();
    let funcs: Vec<_> = col.names[IdKind::Func.index()]
        .iter()
        .filter(|e| e.id == 0)
        .collect();
    if kfunc_sets.is_empty() || funcs.is_empty() {
        return Vec::new();
    }
    let mut points: Vec<u64> = funcs.iter().flat_map(|e| e.addrs.iter().copied()).collect();
    points.sort_unstable();
    points.dedup();
    // owner[i]: the first set (index in kfunc_sets) holding points[i];
    // next[i]: the first point at or after i without an owner yet.
    let mut owner: Vec<u32> = vec![u32::MAX; points.len()];
    let mut next: Vec<u32> = (0..=points.len() as u32).collect();
    fn find(next: &mut [u32], mut i: u32) -> u32 {
        let mut root = i;
        while next[root as usize] != root {
            root = next[root as usize];
        }
        while next[i as usize] != root {
            let n = next[i as usize];
            next[i as usize] = root;
            i = n;
        }
        root
    }
    for (si, s) in kfunc_sets.iter().enumerate() {
        let lo = points.partition_point(|&p| p < s.entry_at(0)) as u32;
        let hi = points.partition_point(|&p| p < s.offset + s.size) as u32;
        let mut i = find(&mut next, lo);
        while i < hi {
            owner[i as usize] = si as u32;
            next[i as usize] = i + 1;
            i = find(&mut next, i + 1);
        }
    }
    let mut out = Vec::new();
    for e in funcs {
        let set = e
            .addrs
            .iter()
            .filter_map(|a| {
                let i = points.binary_search(a).ok()?;
                (owner[i] != u32::MAX).then_some(owner[i])
            })
            .min();
        if let Some(si) = set {
            out.push((e.name, kfunc_sets[si as usize].name));
        }
    }
    out
}

/// The function symbols of an ELF file, for finding merged twins: by
/// name the first one's (section, address), and by (section, address)
/// every one there, in symbol order.
pub struct Twins {
    by_name: HashMap<Vec<u8>, (usize, u64, usize)>,
    at: HashMap<(usize, u64), Vec<Named>>,
}

/// A symbol index and its name.
type Named = (usize, Vec<u8>);

impl Twins {
    /// From the defined function symbols (index, name, section, address).
    fn of_functions(funcs: Vec<(usize, &[u8], usize, u64)>) -> Twins {
        let mut t = Twins {
            by_name: HashMap::new(),
            at: HashMap::new(),
        };
        for (idx, name, sec, addr) in funcs {
            t.by_name.entry(name.to_vec()).or_insert((sec, addr, idx));
            t.at.entry((sec, addr))
                .or_default()
                .push((idx, name.to_vec()));
        }
        t
    }

    /// The function symbols of `elf` (none when the file does not parse).
    pub fn of_elf(elf: &ElfInfo<'_>) -> Twins {
        Self::of_functions(elf.with_object(|o| o.functions()).unwrap_or_default())
    }

    /// Another function symbol at the address of function `name` in the
    /// same section (what a merged function's alias looks like), if any.
    pub fn of_name(&self, name: &str) -> Option<String> {
        let &(sec, addr, me) = self.by_name.get(name.as_bytes())?;
        self.at
            .get(&(sec, addr))?
            .iter()
            .find(|(i, _)| *i != me)
            .map(|(_, n)| String::from_utf8_lossy(n).into_owned())
    }
}

/// How many hints are given, at most: a module with thousands of
/// unresolved kfuncs needs the advice a few times, not thousands; one line
/// after the last warning counts the rest.
pub const FULL_HINTS: usize = 8;

/// The line counting the kfuncs past [`FULL_HINTS`].
pub fn more_hint(n: usize) -> String {
    format!(
        "      and {n} more kfuncs of BTF_SET8_KFUNCS sets have no BTF FUNC in the module's BTF \
         (the warnings above name them; the same causes apply)"
    )
}

/// Inserts the hints after the matching warnings (the last line warning
/// about the name: funcs come last in the C tool's order): the first
/// [`FULL_HINTS`] in the order they are printed, then one line counting
/// the rest. `elf` is the file, searched for merged twins.
pub fn add_hints(warnings: &mut Vec<String>, kfuncs: &[(&[u8], &[u8])], elf: &ElfInfo<'_>) {
    if kfuncs.is_empty() {
        return;
    }
    const PREFIX: &str = "WARN: resolve_btfids: unresolved symbol ";
    // The last warning line about each unresolved name.
    let mut last: HashMap<&[u8], usize> = HashMap::new();
    for (i, w) in warnings.iter().enumerate() {
        if let Some(name) = w.strip_prefix(PREFIX) {
            last.insert(name.as_bytes(), i);
        }
    }
    // (line, kfunc) for every kfunc warned about, in printing order.
    let mut at: Vec<(usize, usize)> = kfuncs
        .iter()
        .enumerate()
        .filter_map(|(k, &(name, _))| {
            let lossy = String::from_utf8_lossy(name);
            last.get(lossy.as_bytes()).map(|&i| (i, k))
        })
        .collect();
    drop(last);
    if at.is_empty() {
        return;
    }
    at.sort_unstable();
    let rest = at.len().saturating_sub(FULL_HINTS);
    let last_line = at[at.len() - 1].0;
    at.truncate(FULL_HINTS);
    let twins = Twins::of_elf(elf);
    let mut hints: Vec<(usize, String)> = at
        .iter()
        .map(|&(i, k)| {
            let (name, set) = kfuncs[k];
            let (name, set) = (String::from_utf8_lossy(name), String::from_utf8_lossy(set));
            (i, hint(&name, &set, twins.of_name(&name).as_deref()))
        })
        .collect();
    if rest > 0 {
        hints.push((last_line, more_hint(rest)));
    }
    // Each hint right after its line (a name is warned about once).
    let mut out = Vec::with_capacity(warnings.len() + hints.len());
    let mut hints = hints.into_iter().peekable();
    for (i, w) in std::mem::take(warnings).into_iter().enumerate() {
        out.push(w);
        while let Some((_, h)) = hints.next_if(|(j, _)| *j == i) {
            out.push(h);
        }
    }
    *warnings = out;
}
