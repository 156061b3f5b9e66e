//! Turning a resolved object back into what resolve_btfids was given.
//!
//! What the assembler emits from the 6.12 btf_ids.h, and what resolve_btfids
//! 6.12 then changes (KERNEL-FACTS.md section 6):
//!
//! - every id slot (`BTF_ID`, `BTF_ID_FLAGS`, in lists, sets and set8s) is
//!   `.zero 4` under its `__BTF_ID__<kind>__<name>__<n>` symbol; the tool
//!   writes the id there. `BTF_ID_UNUSED` is `.zero 4` without a symbol and
//!   is never written.
//! - a set header (`__BTF_ID__set__<name>`) is one `.zero 4`: the tool
//!   writes the count there, then sorts the body's words by id (an unused
//!   zero word moves to the front).
//! - a set8 header (`__BTF_ID__set8__<name>`) is `.zero 4` then `.long
//!   <flags>`: 0 from `BTF_SET8_START`, `BTF_SET8_KFUNCS` from
//!   `BTF_KFUNCS_START`. The tool writes the count and leaves the flags word
//!   alone. Each entry is its id slot then `.long <entry flags>`; the tool
//!   sorts the (id, flags) pairs by id, so the flags words move with the
//!   ids while the symbols keep their source positions.
//!
//! So the input is recovered by zeroing every id slot, every set body and
//! every count, and by putting each set8 pair's flags back at the slot of
//! the symbol its id was resolved for: the id's kind and name in the BTF
//! (the file's own, split over the base for a module) name that symbol.

use btf_ids_tool::internals::Btf;
use btf_ids_tool::internals::ElfInfo;
use btf_ids_tool::internals::{parse_symbol, IdKind, Parsed};

/// A restored object.
pub struct Restored {
    /// The whole file, with `.BTF_ids` as resolve_btfids was given it.
    pub data: Vec<u8>,
    /// Id symbols (`__BTF_ID__{struct,union,typedef,func}__*`).
    pub id_symbols: usize,
    /// Plain sets.
    pub sets: usize,
    /// Set8s.
    pub set8s: usize,
    /// Set8 entries whose flags word had been carried to another slot by
    /// the sort (0 would mean the un-sorting proved nothing).
    pub moved_flags: usize,
}

struct Slot<'a> {
    off: u64,
    kind: IdKind,
    name: &'a [u8],
}

/// Restores `data` (a resolved ELF file). `base` is the raw base BTF of a
/// module's split `.BTF` (vmlinux's `.BTF`), `None` for vmlinux itself.
pub fn restore(data: &[u8], base: Option<&[u8]>) -> Result<Restored, String> {
    let elf = ElfInfo::parse(data).map_err(|e| e.to_string())?;
    let sec = elf.btf_ids.ok_or("no .BTF_ids section")?;
    let own = elf
        .btf
        .map(|s| elf.section_bytes(s))
        .ok_or("no .BTF section")?;
    let base = base
        .map(Btf::parse)
        .transpose()
        .map_err(|e| format!("base BTF: {}", e.msg))?;
    let btf = Btf::parse_split(own, base.as_ref()).map_err(|e| format!(".BTF: {}", e.msg))?;

    let shipped = elf.section_bytes(sec);
    let mut ids = shipped.to_vec();
    let rd = |b: &[u8], off: u64| {
        elf.read_u32(b, off as usize)
            .ok_or_else(|| format!("offset {off:#x} outside .BTF_ids ({:#x} bytes)", b.len()))
    };
    let zero = |b: &mut Vec<u8>, off: u64| {
        if elf.write_u32(b, off as usize, 0) {
            Ok(())
        } else {
            Err(format!("offset {off:#x} outside .BTF_ids"))
        }
    };

    let mut slots: Vec<Slot<'_>> = Vec::new();
    let mut sets: Vec<(u64, u64, bool, String)> = Vec::new();
    for sym in &elf.symbols {
        let off = sym.value - sec.address;
        match parse_symbol(sym.name).map_err(|e| format!("{}: {e}", sym.name_str()))? {
            None => {} // a list label
            Some(Parsed::Id(kind, name)) => slots.push(Slot { off, kind, name }),
            Some(Parsed::Set { set8, name }) => sets.push((
                off,
                sym.size,
                set8,
                String::from_utf8_lossy(name).into_owned(),
            )),
        }
    }
    slots.sort_by_key(|s| s.off);

    let mut moved_flags = 0;
    for s in &slots {
        zero(&mut ids, s.off)?;
    }
    for (off, size, set8, name) in &sets {
        let unit = if *set8 { 8 } else { 4 };
        if size % unit != 0 || *size < unit {
            return Err(format!("set {name}: size {size} is no multiple of {unit}"));
        }
        zero(&mut ids, *off)?; // the count
        if !*set8 {
            // All words of the body: slots and unused ones alike were zero.
            for p in (off + 4..off + size).step_by(4) {
                zero(&mut ids, p)?;
            }
            continue;
        }
        // What BTF_SET8_START (0) or BTF_KFUNCS_START (BTF_SET8_KFUNCS)
        // wrote; resolve_btfids leaves it.
        let set_flags = rd(shipped, off + 4)?;
        if set_flags & !btf_ids_abi::flags::BTF_SET8_KFUNCS != 0 {
            return Err(format!(
                "set8 {name}: header flags {set_flags:#x}, not what btf_ids.h writes"
            ));
        }
        // The entry slots in source order, with their symbols.
        let body: Vec<u64> = (off + 8..off + size).step_by(8).collect();
        let sym_at = |p: u64| slots.iter().find(|s| s.off == p);
        let mut taken = vec![false; body.len()];
        let mut zero_id_flags: Vec<u32> = Vec::new();
        let mut placed: Vec<(u64, u32)> = Vec::new();
        for &p in &body {
            let (id, flags) = (rd(shipped, p)?, rd(shipped, p + 4)?);
            if id == 0 {
                zero_id_flags.push(flags);
                continue;
            }
            let kind = btf
                .kind_of(id)
                .and_then(IdKind::from_btf_kind)
                .ok_or_else(|| {
                    format!("set8 {name}: id {id} is no struct, union, typedef or func")
                })?;
            let tname = btf
                .type_name(id)
                .ok_or_else(|| format!("set8 {name}: id {id} has no name"))?;
            let i = (0..body.len())
                .find(|&i| {
                    !taken[i] && sym_at(body[i]).is_some_and(|s| s.kind == kind && s.name == tname)
                })
                .ok_or_else(|| {
                    format!(
                        "set8 {name}: id {id} ({} {}) has no entry symbol left",
                        kind.word(),
                        String::from_utf8_lossy(tname)
                    )
                })?;
            taken[i] = true;
            // One id in several pairs (a name listed twice) with different
            // flags: after the (unstable) sort, which was whose is unknown.
            for &q in &body {
                if rd(shipped, q)? == id && rd(shipped, q + 4)? != flags {
                    return Err(format!(
                        "set8 {name}: id {id} ({}) is in several pairs with different flags",
                        String::from_utf8_lossy(tname)
                    ));
                }
            }
            placed.push((body[i], flags));
        }
        // Pairs left with id 0 (unresolved names, unused slots) went to the
        // front; they belong to the slots no id claimed.
        let left: Vec<u64> = (0..body.len())
            .filter(|&i| !taken[i])
            .map(|i| body[i])
            .collect();
        if left.len() != zero_id_flags.len() {
            return Err(format!(
                "set8 {name}: {} pairs with id 0 but {} slots left",
                zero_id_flags.len(),
                left.len()
            ));
        }
        if zero_id_flags.windows(2).any(|w| w[0] != w[1]) {
            return Err(format!(
                "set8 {name}: pairs with id 0 and different flags {zero_id_flags:?}: their slots are unknown"
            ));
        }
        placed.extend(left.into_iter().zip(zero_id_flags));
        for (p, flags) in placed {
            zero(&mut ids, p)?;
            if rd(shipped, p + 4)? != flags {
                moved_flags += 1;
            }
            if !elf.write_u32(&mut ids, (p + 4) as usize, flags) {
                return Err(format!("offset {:#x} outside .BTF_ids", p + 4));
            }
        }
    }

    let start = sec.file_offset as usize;
    let mut out = data.to_vec();
    out[start..start + ids.len()].copy_from_slice(&ids);
    Ok(Restored {
        data: out,
        id_symbols: slots.len(),
        sets: sets.iter().filter(|s| !s.2).count(),
        set8s: sets.iter().filter(|s| s.2).count(),
        moved_flags,
    })
}
