//! `resolve --kfunc-tags`: the BTF changes that pahole (`decl_tag_kfuncs`,
//! before 2026) and then resolve_btfids itself (7.3, Aug 2026) make for
//! kfuncs: a `bpf_kfunc` DECL_TAG (component_idx -1, kflag 0) on every FUNC
//! listed in a set8 flagged `BTF_SET8_KFUNCS`, and a `bpf_fastcall` DECL_TAG
//! where the entry has `KF_FASTCALL`. A tag that already exists is not added
//! again, so running twice changes nothing.
//!
//! Scope: the tags go into the object's own `.BTF` section, and only on
//! FUNCs of that BTF (for split BTF: not on base types, as 7.3's
//! `btf__find_by_name_kind_own`). A kfunc listed in several sets with
//! different flags is an error, as in 7.3.
//!
//! Writing: the grown BTF (old types, then the new tags; old strings, then
//! any new tag names) is appended at the end of the file and the `.BTF`
//! section header is pointed at it. Nothing else in the file moves: the old
//! bytes stay in place, unreferenced. A `.BTF` section that is part of a
//! loaded segment (`SHF_ALLOC`) is refused, since moving it would break the
//! program headers.

use crate::btf::{kind, Btf};
use crate::elf::patch::SectionHeaderEdit;
use crate::elf::{ElfInfo, SectionInfo};
use crate::flag_names::{BTF_SET8_KFUNCS, KF_FASTCALL};
use crate::resolve::Collected;
use crate::symbols::names::set8_symbol;
use crate::Error;
use btf_ids_abi::layout::SET8_ENTRY_FLAGS_OFFSET;
use std::collections::{BTreeMap, HashSet};

/// Name of the kfunc decl tag.
pub const TAG_KFUNC: &str = "bpf_kfunc";
/// Name of the fastcall decl tag.
pub const TAG_FASTCALL: &str = "bpf_fastcall";

/// The kfuncs of the `BTF_SET8_KFUNCS` sets in `ids` (the patched
/// `.BTF_ids` bytes): id -> flags. Errors on inconsistent flags.
pub fn kfuncs_of(
    elf: &ElfInfo<'_>,
    ids: &[u8],
    col: &Collected<'_>,
) -> Result<BTreeMap<u32, u32>, Error> {
    let mut out: BTreeMap<u32, u32> = BTreeMap::new();
    for s in &col.sets {
        let Some(flags_at) = s.flags_at() else {
            continue;
        };
        let hdr_flags = elf.read_u32(ids, flags_at as usize).unwrap_or(0);
        if hdr_flags & BTF_SET8_KFUNCS == 0 {
            continue;
        }
        for i in 0..s.count() {
            let p = s.entry_at(i) as usize;
            let (Some(id), Some(fl)) = (
                elf.read_u32(ids, p),
                elf.read_u32(ids, p + SET8_ENTRY_FLAGS_OFFSET),
            ) else {
                break;
            };
            if id == 0 {
                continue;
            }
            if let Some(&old) = out.get(&id) {
                if old != fl {
                    return Err(Error::resolve(format!(
                        "kfunc with BTF id {id} has inconsistent flags across BTF ID sets: {old:#x} != {fl:#x}"
                    ))
                    .symbol(&set8_symbol(&String::from_utf8_lossy(s.name))));
                }
            }
            out.insert(id, fl);
        }
    }
    Ok(out)
}

/// Builds the grown BTF blob with the missing tags; `None` when every tag
/// is already there. Returns the blob and the number of tags added.
pub fn add_tags(
    btf: &Btf<'_>,
    kfuncs: &BTreeMap<u32, u32>,
) -> Result<Option<(Vec<u8>, usize)>, Error> {
    // Existing decl tags: (target, component, name).
    let mut have: HashSet<(u32, u32, Vec<u8>)> = HashSet::new();
    let start = btf.start_id();
    for id in start..btf.type_count() {
        if let Some(t) = btf.type_header(id) {
            if t.kind == kind::DECL_TAG && !t.kflag {
                let comp = btf.record_u32(id, 12).unwrap_or(0);
                let name = btf.name_bytes(t.name_off).unwrap_or(b"").to_vec();
                have.insert((t.size_or_type, comp, name));
            }
        }
    }
    let mut wanted: Vec<(u32, &str)> = Vec::new();
    for (&id, &fl) in kfuncs {
        if id < start || btf.kind_of(id) != Some(kind::FUNC) {
            continue;
        }
        for (tag, on) in [(TAG_KFUNC, true), (TAG_FASTCALL, fl & KF_FASTCALL != 0)] {
            if on && !have.contains(&(id, u32::MAX, tag.as_bytes().to_vec())) {
                wanted.push((id, tag));
            }
        }
    }
    if wanted.is_empty() {
        return Ok(None);
    }
    let w32 = |v: &mut Vec<u8>, x: u32| v.extend_from_slice(&btf.encode_u32(x));
    let old_types = btf.type_section();
    let old_strs = btf.string_section();
    let own_str_base = btf.strings_len() - old_strs.len() as u32;
    let mut new_strs: Vec<u8> = Vec::new();
    let str_off = |name: &str, new_strs: &mut Vec<u8>| -> u32 {
        // Reuse an existing string of the own table when there is one.
        let needle: Vec<u8> = [name.as_bytes(), b"\0"].concat();
        let mut pos = 0usize;
        while pos < old_strs.len() {
            let end = crate::bytes::memchr(0, &old_strs[pos..])
                .map(|e| pos + e + 1)
                .unwrap_or(old_strs.len());
            if old_strs[pos..end] == needle[..] {
                return own_str_base + pos as u32;
            }
            pos = end;
        }
        if let Some(p) = new_strs
            .windows(needle.len())
            .position(|w| w == &needle[..])
        {
            return btf.strings_len() + p as u32;
        }
        let off = btf.strings_len() + new_strs.len() as u32;
        new_strs.extend_from_slice(&needle);
        off
    };
    let mut new_types: Vec<u8> = Vec::with_capacity(wanted.len() * 16);
    for &(id, tag) in &wanted {
        let off = str_off(tag, &mut new_strs);
        w32(&mut new_types, off);
        w32(&mut new_types, (kind::DECL_TAG as u32) << 24);
        w32(&mut new_types, id);
        w32(&mut new_types, u32::MAX);
    }
    // A 24-byte header at least: of a shorter one the kernel reads the rest
    // as zeros.
    let hdr_len = btf.header_len().max(crate::btf::HEADER_LEN);
    let tlen = old_types.len() + new_types.len();
    let slen = old_strs.len() + new_strs.len();
    if (hdr_len + tlen + slen) as u64 > u32::MAX as u64 {
        return Err(Error::refused("BTF too large after adding tags"));
    }
    let raw = btf.raw();
    let mut blob = Vec::with_capacity(hdr_len + tlen + slen);
    blob.extend_from_slice(&raw[..4]);
    w32(&mut blob, hdr_len as u32);
    w32(&mut blob, 0);
    w32(&mut blob, tlen as u32);
    w32(&mut blob, tlen as u32);
    w32(&mut blob, slen as u32);
    blob.resize(hdr_len, 0);
    blob.extend_from_slice(old_types);
    blob.extend_from_slice(&new_types);
    blob.extend_from_slice(old_strs);
    blob.extend_from_slice(&new_strs);
    Ok(Some((blob, wanted.len())))
}

/// Points the `.BTF` section (`sec`) of `img`, the file `elf` describes,
/// at `blob`, appended at the end of the file (4-byte aligned).
pub fn replace_btf_section(
    img: &[u8],
    elf: &ElfInfo<'_>,
    sec: SectionInfo,
    blob: &[u8],
) -> Result<Vec<u8>, Error> {
    let mut header = SectionHeaderEdit::read(img, sec.index)?;
    if header.flags() & object::elf::SHF_ALLOC as u64 != 0 {
        return Err(Error::refused(
            "the .BTF section is allocated (SHF_ALLOC); cannot grow it in place",
        ));
    }
    let new_off = img.len().div_ceil(4) * 4;
    if !elf.is_64 && (new_off + blob.len()) as u64 > u32::MAX as u64 {
        return Err(Error::refused(
            "file too large for ELFCLASS32 after growing .BTF",
        ));
    }
    let mut out = Vec::with_capacity(new_off + blob.len());
    out.extend_from_slice(img);
    out.resize(new_off, 0);
    out.extend_from_slice(blob);
    header.set_range(new_off as u64, blob.len() as u64)?;
    header.write(&mut out)?;
    Ok(out)
}

/// What `resolve` parsed already, for [`add_kfunc_tags`].
#[derive(Clone, Copy)]
pub struct Parsed<'a, 'd> {
    /// The BTF the ids were resolved against (split over `base` when there
    /// is one): the object's own, or `--btf`'s.
    pub ids: &'a Btf<'d>,
    /// The base BTF (`-b`), if any.
    pub base: Option<&'a Btf<'d>>,
}

/// The bytes of section `s` in `img` (an image of the file whose parse
/// placed `s`, so of its size).
fn section_in(img: &[u8], s: SectionInfo) -> Result<&[u8], Error> {
    let start = usize::try_from(s.file_offset).ok();
    let end = start.and_then(|o| o.checked_add(usize::try_from(s.size).ok()?));
    start
        .zip(end)
        .and_then(|(o, e)| img.get(o..e))
        .ok_or_else(|| Error::internal("section past the end of the image").at(s.file_offset))
}

/// Adds the kfunc decl tags to the ELF image `img` of the file `elf` (the
/// parse of that file, whose `.BTF_ids` `img` holds patched). Returns the
/// new image (None when nothing was added) and the number of tags added.
pub fn add_kfunc_tags(
    img: &[u8],
    elf: &ElfInfo<'_>,
    parsed: Parsed<'_, '_>,
    col: &Collected<'_>,
) -> Result<(Option<Vec<u8>>, usize), Error> {
    let Some(ids_sec) = elf.btf_ids else {
        return Ok((None, 0));
    };
    let Some(btf_sec) = elf.btf else {
        return Err(Error::refused(
            "--kfunc-tags needs a .BTF section in the file",
        ));
    };
    let kfuncs = kfuncs_of(elf, section_in(img, ids_sec)?, col)?;
    if kfuncs.is_empty() {
        return Ok((None, 0));
    }
    let own = section_in(img, btf_sec)?;
    // The own .BTF, split over the base when one was given: parsed already
    // when the ids came from the same bytes.
    let same_bytes = parsed.ids.raw() == own;
    let result = match parsed.base {
        Some(_) if same_bytes => add_tags(parsed.ids, &kfuncs)?,
        Some(base) => add_tags(&Btf::parse_split(own, Some(base))?, &kfuncs)?,
        None if same_bytes => add_tags(parsed.ids, &kfuncs)?,
        None => {
            // Ids came from another BTF (--btf): tag the own BTF only where
            // the same id is a FUNC of the same name there too.
            let btf = Btf::parse(own)?;
            let same: BTreeMap<u32, u32> = kfuncs
                .iter()
                .filter(|(&id, _)| {
                    btf.type_name(id).is_some() && btf.type_name(id) == parsed.ids.type_name(id)
                })
                .map(|(&a, &b)| (a, b))
                .collect();
            add_tags(&btf, &same)?
        }
    };
    match result {
        None => Ok((None, 0)),
        Some((blob, n)) => Ok((Some(replace_btf_section(img, elf, btf_sec, &blob)?), n)),
    }
}
