//! Making an object's own `.BTF` acceptable to kernel 6.12, in place:
//! the order of the work and the checks around it. Reading and planning
//! only; the result is the new blob (same size) for the caller to write.
//!
//! 1. The split BTF must fit its base ([`crate::btf::fix::base_match`]).
//! 2. Kernel types ([`crate::btf::fix::kernel_types`], unless turned off) and names
//!    ([`crate::btf::fix::names`]), planned on the same parse (they touch
//!    different words).
//! 3. Layout ([`crate::btf::fix::layout`]: member order, pahole's fake int),
//!    planned on the result of 2 (sorting moves member records).
//! 4. The result must pass every check of [`crate::btf::rules`]; anything
//!    left is an error naming the type.
//!
//! Ids resolved afterwards are looked up in the result, so that a module's
//! `struct task_struct` resolves to vmlinux's id.

pub mod base_match;
pub mod kernel_types;
pub mod layout;
pub mod names;
pub mod patch;

use self::base_match::Mismatch;
use self::patch::Patch;
use self::{layout as btf_layout, names as btf_names};
use crate::btf::rules::{self as btf_rules, Violation};
use crate::btf::{Btf, BtfError};
use crate::Error;
use std::fmt;

/// Options.
#[derive(Debug, Clone, Copy)]
pub struct FixOptions {
    /// Point module-local opaque types at the base's.
    pub kernel_types: bool,
    /// Pointer size of the object (8, or 4 for ELFCLASS32).
    pub ptr_size: u32,
}

/// Why the BTF cannot be made acceptable. Offsets are in the BTF blob.
#[derive(Debug, Clone)]
pub enum FixError {
    /// The blob does not parse.
    Parse(BtfError),
    /// Split BTF made over another base.
    Mismatch(Mismatch),
    /// A kernel type cannot be pointed (several base types of its name).
    KernelType(Error),
    /// A name cannot be made valid in place.
    Name(Error),
    /// Something else the kernel would refuse.
    Invalid(Violation),
    /// The base has a loop (offset in the base blob).
    Base(BtfError),
}

impl FixError {
    /// Offset in the BTF blob, where known.
    pub fn offset(&self) -> Option<usize> {
        match self {
            FixError::Parse(e) => Some(e.offset),
            FixError::Mismatch(m) => Some(m.offset),
            FixError::KernelType(e) | FixError::Name(e) => e.offset.map(|o| o as usize),
            FixError::Invalid(v) => Some(v.offset),
            FixError::Base(_) => None,
        }
    }
}

impl fmt::Display for FixError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FixError::Parse(e) => write!(f, "malformed BTF: {}", e.msg),
            FixError::Mismatch(m) => write!(f, "split BTF does not fit the base: {m}"),
            FixError::KernelType(e) | FixError::Name(e) => write!(f, "{}", e.message()),
            FixError::Invalid(v) => write!(
                f,
                "{v}; kernel 6.12 would drop the module's BTF, and btf-ids cannot fix this in place"
            ),
            FixError::Base(e) => write!(
                f,
                "the base BTF has a loop ({e}); no kernel boots with it, so it is not the base of a module"
            ),
        }
    }
}

impl From<BtfError> for FixError {
    fn from(e: BtfError) -> Self {
        FixError::Parse(e)
    }
}

/// What [`fix`] did.
#[derive(Debug, Clone, Default)]
pub struct Fixed {
    /// The new blob; `None` when nothing had to change.
    pub btf: Option<Vec<u8>>,
    /// (local id, base id) of every kernel type pointed.
    pub pointed: Vec<(u32, u32)>,
    /// Lines for `-v`: every type pointed or left alone, every name and
    /// layout changed.
    pub notes: Vec<String>,
}

/// Loops first: every later step walks under typedefs and modifiers. A loop
/// in the base (which the kernel it came from would not have booted with)
/// is refused as well.
fn no_loops(btf: &Btf<'_>) -> Result<(), FixError> {
    if let Some(v) = btf_rules::loop_violation(btf) {
        return Err(FixError::Invalid(v));
    }
    if let Some(e) = btf.base().and_then(|b| b.first_loop()) {
        return Err(FixError::Base(e));
    }
    Ok(())
}

fn first_violation(btf: &Btf<'_>, ptr_size: u32) -> Result<(), FixError> {
    match btf_rules::check(btf, ptr_size).into_iter().next() {
        Some(v) => Err(FixError::Invalid(v)),
        None => Ok(()),
    }
}

/// Checks and repairs `own` (split over `base` when given); see the
/// module docs.
pub fn fix(own: &[u8], base: Option<&Btf<'_>>, opts: FixOptions) -> Result<Fixed, FixError> {
    let mut out = Fixed::default();
    let first = Btf::parse_split(own, base)?;
    base_match::check(&first).map_err(FixError::Mismatch)?;
    no_loops(&first)?;
    // 2: kernel types and names.
    let mut patch = Patch::new();
    if opts.kernel_types {
        let kt = kernel_types::plan(&first).map_err(FixError::KernelType)?;
        out.notes.extend(kt.notes);
        out.pointed = kt.pointed;
        patch.extend(kt.patch);
    }
    let names = btf_names::plan(&first).map_err(FixError::Name)?;
    out.notes.extend(names.notes);
    patch.extend(names.patch);
    let after_a = if patch.is_empty() {
        None
    } else {
        Some(patch.apply(own).map_err(FixError::Name)?)
    };
    let parsed_a;
    let (data_a, btf_a): (&[u8], &Btf<'_>) = match &after_a {
        Some(d) => {
            parsed_a = Btf::parse_split(d, base)?;
            (d, &parsed_a)
        }
        None => (own, &first),
    };
    // 3: layout.
    let layout = btf_layout::plan(btf_a, opts.ptr_size);
    out.notes.extend(layout.notes);
    if layout.patch.is_empty() {
        first_violation(btf_a, opts.ptr_size)?;
        out.btf = after_a;
        return Ok(out);
    }
    let after_b = layout.patch.apply(data_a).map_err(FixError::Name)?;
    // 4: what is left.
    first_violation(&Btf::parse_split(&after_b, base)?, opts.ptr_size)?;
    out.btf = Some(after_b);
    Ok(out)
}

/// The read-only side, for `check`: the problems of `btf` that `resolve`
/// would repair or refuse: first a base mismatch (an error, since nothing
/// else means anything then), else every violation of the 6.12 rules and
/// every module-local opaque type that still shadows a base type.
pub fn problems(
    btf: &Btf<'_>,
    kernel_types: bool,
    ptr_size: u32,
) -> Result<(Vec<Violation>, Vec<kernel_types::Shadow>), FixError> {
    base_match::check(btf).map_err(FixError::Mismatch)?;
    if let Some(e) = btf.base().and_then(|b| b.first_loop()) {
        return Err(FixError::Base(e));
    }
    if btf_rules::loop_violation(btf).is_some() {
        // Nothing else is judged over a loop.
        return Ok((btf_rules::check(btf, ptr_size), Vec::new()));
    }
    let shadows = if kernel_types {
        kernel_types::scan(btf)
            .into_iter()
            .filter(|s| {
                !matches!(
                    s.base,
                    kernel_types::BaseMatch::Nothing | kernel_types::BaseMatch::OnlyFwd(_)
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok((btf_rules::check(btf, ptr_size), shadows))
}
