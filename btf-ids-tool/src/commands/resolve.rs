//! `btf-ids resolve`: resolve_btfids' algorithm, the module `.BTF` repairs
//! and `--kfunc-tags`, and the write that keeps the file.

use super::btf_source::{BtfBytes, BtfSource, StreamFile, Streamed};
use crate::btf::own as own_btf;
use crate::btf::Btf;
use crate::elf::{BTF_IDS_SECTION, BTF_ID_PREFIX};
use crate::resolve::report::ResolveReport;
use crate::resolve::Collected;
use crate::{Error, ErrorKind};
use std::path::{Path, PathBuf};

/// Options of `btf-ids resolve`.
#[derive(Debug, Clone, Default)]
pub struct ResolveOptions {
    /// BTF source.
    pub src: BtfSource,
    /// `-v` count.
    pub verbose: u8,
    /// Unresolved or ambiguous names are errors; missing `.BTF_ids` too.
    pub strict: bool,
    /// Output file (default: in place).
    pub output: Option<PathBuf>,
    /// Also add `bpf_kfunc` / `bpf_fastcall` decl tags to `.BTF`.
    pub kfunc_tags: bool,
    /// `fdatasync` the output before the rename (and the directory after),
    /// so that it survives a power loss. Off by default, as for the C tool
    /// and the rest of a kernel build's tools: the rename alone already
    /// means no reader ever sees a half-written file.
    pub fsync: bool,
    /// Leave module-local opaque types alone instead of pointing them at
    /// the base's (`btf::fix::kernel_types`).
    pub no_kernel_types: bool,
}

/// `btf-ids resolve`. On success the output is written (atomically) unless
/// nothing changed in place.
pub fn resolve(file: &Path, opts: &ResolveOptions) -> Result<ResolveReport, Error> {
    let f = file.display().to_string();
    let loaded = load(file, opts)?;
    let mut elf = loaded.elf().map_err(|e| e.file(&f))?;
    let out_path = opts.output.clone().unwrap_or_else(|| file.to_path_buf());
    let file_len = elf.file_len;
    let mut rep = ResolveReport {
        file: f.clone(),
        output: out_path.display().to_string(),
        ..Default::default()
    };
    let (Some(sec), true) = (elf.btf_ids, elf.has_symtab) else {
        return nothing_to_do(file, opts, &loaded, &elf, rep);
    };
    if opts.strict {
        if let Some(s) = elf.stray.first() {
            return Err(Error::refused(format!(
                "{BTF_ID_PREFIX} symbol outside {BTF_IDS_SECTION}"
            ))
            .symbol(&s.name)
            .file(&f));
        }
    }
    // Symbol errors come first, as in resolve_btfids.
    let stream = opts.src.base.is_none()
        && !opts.kfunc_tags
        && opts
            .src
            .btf
            .as_ref()
            .is_none_or(|p| !p.starts_with("/sys/kernel/btf/"));
    let streamed_res = stream.then(|| match &opts.src.btf {
        Some(p) => Streamed::open(p),
        None => match elf.btf {
            Some(s) => Ok(Streamed {
                file: StreamFile::Object(loaded.parts.file()),
                start: s.file_offset,
                len: s.size,
                name: f.clone(),
                path: None,
            }),
            None => Err(Error::new(ErrorKind::NoBtfSection {
                from: f.clone(),
                use_btf: true,
            })
            .file(&f)),
        },
    });
    let bytes_res = (!stream).then(|| BtfBytes::load(&opts.src, file, &elf));
    let mut col = Collected::collect(&elf, sec).map_err(|e| e.file(&f))?;
    // The names are collected (they point into the string table, not at
    // the symbol list): the list's memory is free for what follows.
    elf.symbols = Vec::new();
    let streamed = match &streamed_res {
        Some(r) => Some(r.as_ref().map_err(Clone::clone)?),
        None => None,
    };
    let bytes = match &bytes_res {
        Some(r) => Some(r.as_ref().map_err(Clone::clone)?),
        None => None,
    };
    // A file resolved before would get its set8 flags moved: refuse it.
    if let Some(r) = crate::resolve::rerun::first_resolved(&elf, &col, elf.section_bytes(sec)) {
        return Err(crate::resolve::rerun::error(&r, sec.file_offset).file(&f));
    }
    if opts.verbose >= 1 {
        crate::resolve::report::note_names(&col, &mut rep);
    }
    rep.btf = Some(match (streamed, bytes) {
        (Some(s), _) => s.name.clone(),
        (None, Some(b)) => b.name().to_string(),
        (None, None) => f.clone(),
    });
    let mut fixed_btf: Option<(usize, Vec<u8>)> = None;
    let has_base = bytes.is_some_and(|b| b.has_base());
    // The BTF parsed here, kept for --kfunc-tags (parsed once): the base
    // (-b), and the BTF the ids come from (split over the base if any).
    let mut base_btf: Option<Btf<'_>> = None;
    let mut ids_btf: Option<Btf<'_>> = None;
    let warn = if let Some(s) = streamed {
        s.resolve(&mut col)?
    } else if let (Some(bytes), true) = (bytes, opts.src.btf.is_none() && has_base) {
        // A module's own split BTF: made acceptable to the kernel first,
        // then the names are looked up in the result. (vmlinux's BTF is the
        // kernel build's own and is taken as it is, on the fast path below.)
        base_btf = bytes.parse_base()?;
        let Some((bsec, fixed)) = own_btf::fix_own(
            &f,
            &elf,
            base_btf.as_ref(),
            bytes.base_name(),
            !opts.no_kernel_types,
        )?
        else {
            return Err(Error::refused("no .BTF section").file(&f));
        };
        crate::resolve::report::note_fixes(&mut rep, &fixed, opts.verbose);
        fixed_btf = fixed.btf.map(|b| (bsec.file_offset as usize, b));
        let own = fixed_btf
            .as_ref()
            .map_or(bytes.main_bytes(), |(_, b)| &b[..]);
        let btf = Btf::parse_split(own, base_btf.as_ref()).map_err(|e| {
            own_btf::fix_error(
                &crate::btf::fix::FixError::Parse(e),
                &f,
                bsec,
                bytes.base_name(),
            )
        })?;
        let warn = col.resolve(&btf, true);
        ids_btf = Some(btf);
        warn
    } else if let Some(bytes) = bytes {
        // Names are matched as the parse reaches each type (no second pass).
        let mut m = col.matcher();
        let first = bytes.parse_first_visiting(&mut m)?;
        if bytes.has_base() {
            base_btf = Some(first);
        } else {
            ids_btf = Some(first);
        }
        if let Some(base) = &base_btf {
            if let Some(split) = bytes.parse_rest_visiting(base, &mut m)? {
                crate::btf::fix::base_match::check(&split).map_err(|e| {
                    Error::own_btf(format!(
                        "split BTF {} was not made over {}: {e}",
                        bytes.name(),
                        bytes.base_name().unwrap_or("the base")
                    ))
                    .file(&f)
                })?;
                ids_btf = Some(split);
            }
        }
        let found = m.finish();
        col.apply(found, true)
    } else {
        return Err(Error::internal("no BTF to resolve against").file(&f));
    };
    rep.btf_changed = fixed_btf.is_some();
    let ids = crate::resolve::report::patch(
        &elf,
        sec,
        &col,
        warn,
        crate::resolve::report::Patching {
            hints: has_base,
            verbose: opts.verbose,
            strict: opts.strict,
        },
        &mut rep,
    )
    .map_err(|e| e.file(&f))?;
    let start = sec.file_offset as usize;
    rep.changed = ids[..] != *elf.section_bytes(sec) || rep.btf_changed;
    let mut parts: Vec<(usize, &[u8])> = vec![(start, &ids[..])];
    if let Some((o, b)) = &fixed_btf {
        parts.push((*o, &b[..]));
    }
    let tagged = if opts.kfunc_tags {
        let parsed = crate::resolve::tags::Parsed {
            ids: ids_btf
                .as_ref()
                .ok_or_else(|| Error::internal("--kfunc-tags without BTF").file(&f))?,
            base: base_btf.as_ref(),
        };
        kfunc_tags(&loaded, &elf, &parts, parsed, &col, &mut rep).map_err(|e| e.file(&f))?
    } else {
        None
    };
    if opts.output.is_some() || rep.changed {
        match (&tagged, &opts.output) {
            // A grown .BTF changes the file's size: it must be rewritten.
            (Some(img), Some(out)) => {
                crate::output::write_new(out, &[img], &loaded.meta, opts.fsync)?
            }
            (Some(img), None) => crate::output::replace(file, &[img], opts.fsync)?,
            (None, _) => write(file, opts, &loaded, file_len, parts)?,
        }
    }
    if opts.verbose >= 1 {
        rep.debug.push(format!("update ok for {f}"));
    }
    Ok(rep)
}

/// Reads what resolving `file` needs: a new file (-o) or a grown one
/// (--kfunc-tags) needs every byte; in place only the headers and the
/// sections resolving reads (a module with nothing to do: its headers, and
/// its .BTF's strings when it may need repairs).
fn load(file: &Path, opts: &ResolveOptions) -> Result<crate::elf::Loaded, Error> {
    let whole = opts.output.is_some() || opts.kfunc_tags;
    let own = opts.src.btf.is_none();
    crate::elf::load(
        file,
        crate::elf::Want {
            symbols: false,
            // Without a base, vmlinux's own BTF is read in pieces as it is
            // resolved against (Streamed), never whole.
            btf: own && opts.src.base.is_some(),
            // With nothing to do, a module's own BTF is looked at only for
            // names C never has: its strings are enough to tell.
            btf_always: false,
            btf_strings: own && opts.src.base.is_some(),
            whole,
            ids_only: true,
        },
    )
}

/// No `.BTF_ids` or no symbol table: nothing to resolve, as for
/// resolve_btfids. A module's own BTF is still made acceptable to the
/// kernel when it may need it (split BTF with names C never has): its
/// strings say, and only then is all of it read, and the ELF with it.
fn nothing_to_do(
    file: &Path,
    opts: &ResolveOptions,
    loaded: &crate::elf::Loaded,
    elf: &crate::elf::ElfInfo<'_>,
    mut rep: ResolveReport,
) -> Result<ResolveReport, Error> {
    let f = file.display().to_string();
    let file_len = elf.file_len;
    if opts.strict {
        return Err(Error::refused(format!(
            "Cannot find {BTF_IDS_SECTION} or symbols sections (--strict)"
        ))
        .file(&f));
    }
    if opts.verbose >= 1 {
        rep.debug.push(format!(
            "Cannot find {BTF_IDS_SECTION} or symbols sections, nothing to do"
        ));
    }
    rep.nothing_to_do = true;
    // Still make a module's own BTF acceptable to the kernel, when it
    // may need it (split BTF with names C never has): its strings say,
    // and only then is all of it read.
    let mut fixed_btf: Option<(usize, Vec<u8>)> = None;
    let may = elf.btf.is_some_and(|s| {
        loaded
            .btf_strings(s)
            .is_none_or(own_btf::strings_need_fixes)
    });
    if opts.src.btf.is_none() && opts.src.base.is_some() && may {
        // The symbol tables too: a file that is written must pass every
        // check a whole parse makes (`inspect` refuses a bad symbol
        // name, so a repair must not go ahead on one).
        let full = crate::elf::load(
            file,
            crate::elf::Want {
                btf_always: true,
                symbols: true,
                ids_only: true,
                ..Default::default()
            },
        )?;
        let elf = full.elf().map_err(|e| e.file(&f))?;
        let bytes = BtfBytes::load(&opts.src, file, &elf)?;
        let base = bytes.parse_base()?;
        if let Some((bsec, fixed)) = own_btf::fix_own(
            &f,
            &elf,
            base.as_ref(),
            bytes.base_name(),
            !opts.no_kernel_types,
        )? {
            crate::resolve::report::note_fixes(&mut rep, &fixed, opts.verbose);
            fixed_btf = fixed.btf.map(|b| (bsec.file_offset as usize, b));
        }
    }
    rep.btf_changed = fixed_btf.is_some();
    rep.changed = rep.btf_changed;
    if opts.output.is_some() || rep.changed {
        write(
            file,
            opts,
            loaded,
            file_len,
            fixed_btf.iter().map(|(o, b)| (*o, &b[..])).collect(),
        )?;
    }
    Ok(rep)
}

/// Writes the changed `parts` (file offset, bytes): in place only those
/// bytes; with -o a whole new file.
fn write(
    file: &Path,
    opts: &ResolveOptions,
    loaded: &crate::elf::Loaded,
    file_len: u64,
    parts: Vec<(usize, &[u8])>,
) -> Result<(), Error> {
    match &opts.output {
        Some(out) => {
            let data = loaded.whole().ok_or_else(|| {
                Error::internal("the file was not read whole").file(&file.display().to_string())
            })?;
            crate::output::write_new(out, &own_btf::splice(data, parts), &loaded.meta, opts.fsync)
        }
        None => {
            let patches: Vec<(u64, &[u8])> =
                parts.into_iter().map(|(o, b)| (o as u64, b)).collect();
            crate::output::patch_in_place(file, &patches, file_len, opts.fsync)
        }
    }
}

/// `--kfunc-tags`: the file as resolved (`parts` spliced in), grown by the
/// decl tags its kfuncs lack; `None` when every tag is there already.
fn kfunc_tags(
    loaded: &crate::elf::Loaded,
    elf: &crate::elf::ElfInfo<'_>,
    parts: &[(usize, &[u8])],
    parsed: crate::resolve::tags::Parsed<'_, '_>,
    col: &Collected<'_>,
    rep: &mut ResolveReport,
) -> Result<Option<Vec<u8>>, Error> {
    let data = loaded
        .whole()
        .ok_or_else(|| Error::internal("the file was not read whole"))?;
    let img: Vec<u8> = own_btf::splice(data, parts.to_vec()).concat();
    let (new, added) = crate::resolve::tags::add_kfunc_tags(&img, elf, parsed, col)?;
    rep.tags_added = added;
    if new.is_some() {
        rep.changed = true;
    }
    Ok(new)
}
