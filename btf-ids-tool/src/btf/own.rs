//! The object's own `.BTF` in `resolve` and `check`: running
//! [`crate::btf::fix`] on it and turning the outcome into one-line errors
//! (with file offsets) or `check` failures. `resolve` applies the result;
//! `check` only reports.

use crate::btf::fix::kernel_types::BaseMatch;
use crate::btf::fix::{self as btf_fix, FixError, FixOptions, Fixed};
use crate::btf::Btf;
use crate::elf::{ElfInfo, SectionInfo};
use crate::Error;

/// At most this many violations are listed by `check`.
pub const SHOWN: usize = 8;

/// The pointer size of `elf`'s class.
pub fn ptr_size(elf: &ElfInfo<'_>) -> u32 {
    if elf.is_64 {
        8
    } else {
        4
    }
}

/// A one-line error for `e`, found in `.BTF` at `sec` of `file`.
pub fn fix_error(e: &FixError, file: &str, sec: SectionInfo, base: Option<&str>) -> Error {
    let mismatch = |what: &dyn std::fmt::Display, b: &str| {
        format!(
            "split BTF was not made over {b}: {what}; make it again with `pahole -J --btf_base {b}`, \
             or pass the base it was made over"
        )
    };
    let msg = match (e, base) {
        (FixError::Mismatch(m), b) => mismatch(m, b.unwrap_or("the base")),
        // Over a base, split BTF that does not parse (names or ids past the
        // end, a func whose prototype is something else) was made over
        // another base.
        (FixError::Parse(p), Some(b)) => mismatch(&p.msg, b),
        (other, _) => format!(".BTF: {other}"),
    };
    let err = Error::own_btf(msg).file(file);
    match e.offset() {
        Some(o) => err.at(sec.file_offset + o as u64),
        None => err,
    }
}

/// Whether a module's own strings may hold something [`btf_fix`] would
/// change: a byte that cannot be part of a C identifier (Rust's `<`, `&`,
/// `:`, `{`, space), that is one other than NUL, a letter, a digit, `_` or
/// `.`. Pure C modules have none, and are left as they are without reading
/// the base (the many "nothing to do" runs of a kernel build stay cheap).
pub fn strings_need_fixes(strings: &[u8]) -> bool {
    const OK: [bool; 256] = {
        let mut t = [false; 256];
        let mut c = 0;
        while c < 256 {
            let b = c as u8;
            t[c] = b == 0 || b.is_ascii_alphanumeric() || b == b'_' || b == b'.';
            c += 1;
        }
        t
    };
    // Eight at a time, without a branch per byte.
    let mut chunks = strings.chunks_exact(8);
    for c in &mut chunks {
        if !c.iter().fold(true, |ok, &b| ok & OK[b as usize]) {
            return true;
        }
    }
    chunks.remainder().iter().any(|&b| !OK[b as usize])
}

/// Repairs the own `.BTF` of `elf` (split over `base` when given). `None`
/// when the file has none.
pub fn fix_own(
    file: &str,
    elf: &ElfInfo<'_>,
    base: Option<&Btf<'_>>,
    base_name: Option<&str>,
    kernel_types: bool,
) -> Result<Option<(SectionInfo, Fixed)>, Error> {
    let Some(sec) = elf.btf else {
        return Ok(None);
    };
    let opts = FixOptions {
        kernel_types,
        ptr_size: ptr_size(elf),
    };
    btf_fix::fix(elf.section_bytes(sec), base, opts)
        .map(|f| Some((sec, f)))
        .map_err(|e| fix_error(&e, file, sec, base_name))
}

/// `data` with each `(offset, bytes)` put in place of as many bytes, as
/// slices to write in order. The replacements lie inside `data` and do not
/// overlap (sections).
pub fn splice<'d>(data: &'d [u8], mut parts: Vec<(usize, &'d [u8])>) -> Vec<&'d [u8]> {
    parts.sort_by_key(|p| p.0);
    let mut out = Vec::with_capacity(2 * parts.len() + 1);
    let mut at = 0usize;
    for (off, bytes) in parts {
        let off = off.clamp(at, data.len());
        out.push(&data[at..off]);
        out.push(bytes);
        at = (off + bytes.len()).min(data.len());
    }
    out.push(&data[at..]);
    out
}

/// The own `.BTF` of `elf`, split over `base` when there is one (`None`:
/// the file has no `.BTF`), with the error `check` and `resolve` give for a
/// blob that is not BTF or was made over another base.
pub fn parse_own<'a>(
    file: &str,
    elf: &ElfInfo<'a>,
    base: Option<&'a Btf<'a>>,
    base_name: Option<&str>,
) -> Result<Option<Btf<'a>>, Error> {
    let Some(sec) = elf.btf else {
        return Ok(None);
    };
    Btf::parse_split(elf.section_bytes(sec), base)
        .map(Some)
        .map_err(|e| fix_error(&FixError::Parse(e), file, sec, base_name))
}

/// `check`'s failures for the own `.BTF` of `elf`: a base mismatch is an
/// error; types the kernel would refuse and opaque types that shadow a
/// base type are failures, saying whether `btf-ids resolve` repairs them.
///
/// `btf` is that `.BTF` parsed, by [`parse_own`].
pub fn check_own(
    file: &str,
    elf: &ElfInfo<'_>,
    btf: &Btf<'_>,
    base: Option<&Btf<'_>>,
    base_name: Option<&str>,
    kernel_types: bool,
) -> Result<Vec<String>, Error> {
    let Some(sec) = elf.btf else {
        return Ok(Vec::new());
    };
    let blob = elf.section_bytes(sec);
    let ptr = ptr_size(elf);
    let (violations, shadows) = btf_fix::problems(btf, kernel_types, ptr)
        .map_err(|e| fix_error(&e, file, sec, base_name))?;
    let mut out = Vec::new();
    if !violations.is_empty() {
        // Whether resolve repairs them all, or which one it cannot.
        let verdict = match btf_fix::fix(
            blob,
            base,
            FixOptions {
                kernel_types,
                ptr_size: ptr,
            },
        ) {
            Ok(_) => "`btf-ids resolve` makes it valid".to_string(),
            Err(e) => format!("`btf-ids resolve` cannot repair all of them ({e})"),
        };
        for v in violations.iter().take(SHOWN) {
            out.push(format!(
                ".BTF {v}: kernel 6.12 would drop the module's BTF; {verdict}"
            ));
        }
        if violations.len() > SHOWN {
            out.push(format!(
                ".BTF: and {} more type(s) the kernel would refuse",
                violations.len() - SHOWN
            ));
        }
    }
    let base_arg = base_name.unwrap_or("<vmlinux>");
    for s in &shadows {
        let line = match &s.base {
            BaseMatch::One(b) if s.embedded_in.is_none() => format!(
                ".BTF: module {} [id {}] is opaque and shadows vmlinux's [id {b}]: the verifier would refuse \
                 vmlinux pointers for it; `btf-ids resolve -b {base_arg}` points it at vmlinux's",
                s.what(),
                s.local
            ),
            BaseMatch::Several(ids) => format!(
                ".BTF: module {} [id {}] is opaque, and vmlinux has several (ids {}): the verifier would refuse \
                 vmlinux pointers for it, and `btf-ids resolve` cannot tell which one it means",
                s.what(),
                s.local,
                ids.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
            ),
            _ => continue,
        };
        out.push(line);
    }
    Ok(out)
}
