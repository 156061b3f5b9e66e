//! What the verifier reads from a kfunc parameter's name: the suffixes
//! (`__sz`, `__k`, ...) and the two whole names, with the type class each
//! needs. The one table of them: `#[kfunc]` checks parameter types with it,
//! `btf_ids_runtime::kfunc` re-exports it, and the tool reads module BTF
//! with it.
//!
//! ```
//! use btf_ids_abi::args::{ArgAnnotation, ArgClass};
//! assert_eq!(ArgAnnotation::of("mem__sz"), ArgAnnotation::Size);
//! assert_eq!(ArgAnnotation::Size.class(), ArgClass::Integer);
//! assert_eq!(ArgAnnotation::of("p__arena__nullable").suffix(), "__arena__nullable");
//! ```

/// What the verifier learns from a kfunc parameter's name.
///
/// The verifier matches a suffix when the name is strictly longer than it and
/// ends with it (`btf_param_match_suffix`). Two names are matched whole:
/// `rdonly_buf_size` and `rdwr_buf_size`. The kernel release given for each
/// is the first one whose verifier knows it, as far as we could establish;
/// `7.0+` items are not in 6.12, our reference kernel, and `removed in 7.0`
/// ones are gone from newer kernels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ArgAnnotation {
    /// No annotation: an ordinary argument.
    None,
    /// `__sz` (5.18+): the size in bytes of the memory the pointer argument
    /// just before it points to.
    Size,
    /// `__szk` (6.4+): like `__sz`, and the size must be a known constant.
    ConstSize,
    /// `__k` (6.2+): a scalar that must be a known constant.
    Const,
    /// `__ign` (6.2+): the verifier ignores the argument.
    Ignore,
    /// `__uninit` (6.4+): a `struct bpf_dynptr *` the kfunc initialises.
    Uninit,
    /// `__alloc` (6.2+): an object from `bpf_obj_new` (or its per-CPU twin).
    Alloc,
    /// `__opt` (6.4+, removed in 7.0 for `__nullable`): an optional buffer
    /// that may be NULL.
    Opt,
    /// `__str` (6.8+): a constant NUL-terminated string in read-only map data.
    Str,
    /// `__nullable` (6.10+): the pointer may be NULL.
    Nullable,
    /// `__refcounted_kptr` (6.4+): an allocated object with a `bpf_refcount`.
    RefcountedKptr,
    /// `__irq_flag` (6.14+): a stack slot holding saved IRQ flags.
    IrqFlag,
    /// `__map` (6.10+): a pointer treated as `struct bpf_map *`.
    Map,
    /// `__prog` (after 6.12, removed in 7.0, where a `struct bpf_prog_aux *`
    /// parameter is recognised by its type): the verifier passes the
    /// program. 6.12 does not know it and passes what the program gave.
    Prog,
    /// `__iter` (6.12+): an initialised `struct bpf_iter_*` passed
    /// to a kfunc that is not itself an iterator kfunc.
    Iter,
    /// `__nonown_allowed` (7.x, 2026): a list node that may be a
    /// non-owning reference.
    NonownAllowed,
    /// `__arena` (7.x, 2026): an arena pointer, tagged `address_space(1)`.
    Arena,
    /// `__arena__nullable` (7.x, 2026): an arena pointer that may be NULL.
    ArenaNullable,
    /// The whole name `rdonly_buf_size` (6.1+): a constant giving the size of
    /// the read-only memory the kfunc returns.
    RdonlyBufSize,
    /// The whole name `rdwr_buf_size` (6.1+): a constant giving the size of
    /// the writable memory the kfunc returns.
    RdwrBufSize,
}

/// What a parameter's type must be for its annotation to make sense.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ArgClass {
    /// Any type.
    Any,
    /// An integer (a BTF `INT`): sizes and constants.
    Integer,
    /// A pointer.
    Pointer,
}

/// How a name is matched: as a suffix (the name strictly longer than it,
/// `btf_param_match_suffix`) or whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Match {
    Suffix,
    Whole,
}

/// (annotation, spelling, match, class): every annotation but `None`, in
/// matching order: the whole names first, then a suffix that ends with a
/// shorter one before it (`__arena__nullable` before `__nullable`). The
/// one table; `of`, `suffix`, `is_whole_name` and `class` read it.
const TABLE: [(ArgAnnotation, &str, Match, ArgClass); 19] = {
    use ArgAnnotation as A;
    use ArgClass::{Any, Integer, Pointer};
    use Match::{Suffix, Whole};
    [
        (A::RdonlyBufSize, "rdonly_buf_size", Whole, Integer),
        (A::RdwrBufSize, "rdwr_buf_size", Whole, Integer),
        (A::ArenaNullable, "__arena__nullable", Suffix, Pointer),
        (A::RefcountedKptr, "__refcounted_kptr", Suffix, Pointer),
        (A::NonownAllowed, "__nonown_allowed", Suffix, Pointer),
        (A::IrqFlag, "__irq_flag", Suffix, Pointer),
        (A::Nullable, "__nullable", Suffix, Pointer),
        (A::Uninit, "__uninit", Suffix, Pointer),
        (A::Alloc, "__alloc", Suffix, Pointer),
        (A::Arena, "__arena", Suffix, Pointer),
        (A::Iter, "__iter", Suffix, Pointer),
        (A::Prog, "__prog", Suffix, Pointer),
        (A::ConstSize, "__szk", Suffix, Integer),
        (A::Ignore, "__ign", Suffix, Any),
        (A::Opt, "__opt", Suffix, Pointer),
        (A::Str, "__str", Suffix, Pointer),
        (A::Map, "__map", Suffix, Pointer),
        (A::Size, "__sz", Suffix, Integer),
        (A::Const, "__k", Suffix, Integer),
    ]
};

const fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The verifier's suffix rule: `name` is strictly longer than `suffix` and
/// ends with it.
const fn ends_with_suffix(name: &[u8], suffix: &[u8]) -> bool {
    if name.len() <= suffix.len() {
        return false;
    }
    let start = name.len() - suffix.len();
    let mut i = 0;
    while i < suffix.len() {
        if name[start + i] != suffix[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The table's row of `a` (`None` has none).
const fn row(a: ArgAnnotation) -> Option<(ArgAnnotation, &'static str, Match, ArgClass)> {
    let mut i = 0;
    while i < TABLE.len() {
        if TABLE[i].0 as u8 == a as u8 {
            return Some(TABLE[i]);
        }
        i += 1;
    }
    None
}

impl ArgAnnotation {
    /// Every annotation, `None` first.
    pub const ALL: [ArgAnnotation; 20] = {
        let mut all = [ArgAnnotation::None; 20];
        let mut i = 0;
        while i < TABLE.len() {
            all[i + 1] = TABLE[i].0;
            i += 1;
        }
        all
    };

    /// Reads a parameter name the way the verifier does.
    ///
    /// ```
    /// use btf_ids_abi::args::ArgAnnotation;
    /// assert_eq!(ArgAnnotation::of("mem__sz"), ArgAnnotation::Size);
    /// assert_eq!(ArgAnnotation::of("p__arena__nullable"), ArgAnnotation::ArenaNullable);
    /// // The name must be longer than the suffix.
    /// assert_eq!(ArgAnnotation::of("__sz"), ArgAnnotation::None);
    /// assert_eq!(ArgAnnotation::of("size"), ArgAnnotation::None);
    /// ```
    pub const fn of(name: &str) -> ArgAnnotation {
        let name = name.as_bytes();
        let mut i = 0;
        while i < TABLE.len() {
            let (a, spelling, how, _) = TABLE[i];
            let hit = match how {
                Match::Whole => bytes_eq(name, spelling.as_bytes()),
                Match::Suffix => ends_with_suffix(name, spelling.as_bytes()),
            };
            if hit {
                return a;
            }
            i += 1;
        }
        ArgAnnotation::None
    }

    /// The suffix (or whole name) as the kernel spells it; `""` for `None`.
    pub const fn suffix(self) -> &'static str {
        match row(self) {
            Some(r) => r.1,
            None => "",
        }
    }

    /// Whether the kernel matches the whole name (`rdonly_buf_size`,
    /// `rdwr_buf_size`) rather than a suffix.
    pub const fn is_whole_name(self) -> bool {
        matches!(row(self), Some((_, _, Match::Whole, _)))
    }

    /// Whether the argument is the size of the pointer argument before it
    /// (`__sz`, `__szk`).
    pub const fn is_size(self) -> bool {
        matches!(self, ArgAnnotation::Size | ArgAnnotation::ConstSize)
    }

    /// The type class the annotation needs; `#[kfunc]` checks it at compile
    /// time.
    pub const fn class(self) -> ArgClass {
        match row(self) {
            Some(r) => r.3,
            None => ArgClass::Any,
        }
    }

    /// The variant's name, as code naming it spells it (`ConstSize`).
    pub const fn variant_name(self) -> &'static str {
        match self {
            ArgAnnotation::None => "None",
            ArgAnnotation::Size => "Size",
            ArgAnnotation::ConstSize => "ConstSize",
            ArgAnnotation::Const => "Const",
            ArgAnnotation::Ignore => "Ignore",
            ArgAnnotation::Uninit => "Uninit",
            ArgAnnotation::Alloc => "Alloc",
            ArgAnnotation::Opt => "Opt",
            ArgAnnotation::Str => "Str",
            ArgAnnotation::Nullable => "Nullable",
            ArgAnnotation::RefcountedKptr => "RefcountedKptr",
            ArgAnnotation::IrqFlag => "IrqFlag",
            ArgAnnotation::Map => "Map",
            ArgAnnotation::Prog => "Prog",
            ArgAnnotation::Iter => "Iter",
            ArgAnnotation::NonownAllowed => "NonownAllowed",
            ArgAnnotation::Arena => "Arena",
            ArgAnnotation::ArenaNullable => "ArenaNullable",
            ArgAnnotation::RdonlyBufSize => "RdonlyBufSize",
            ArgAnnotation::RdwrBufSize => "RdwrBufSize",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_annotation_reads_back_from_its_spelling() {
        for a in ArgAnnotation::ALL {
            if a == ArgAnnotation::None {
                continue;
            }
            let name = if a.is_whole_name() {
                a.suffix()
            } else {
                // A parameter named with the suffix.
                match a.suffix() {
                    s if s.len() < 24 => {
                        let mut buf = [0u8; 32];
                        buf[0] = b'p';
                        buf[1..1 + s.len()].copy_from_slice(s.as_bytes());
                        let n = core::str::from_utf8(&buf[..1 + s.len()]).unwrap();
                        assert_eq!(ArgAnnotation::of(n), a, "{n}");
                        continue;
                    }
                    _ => unreachable!(),
                }
            };
            assert_eq!(ArgAnnotation::of(name), a);
        }
        // Each variant once in ALL.
        for (i, a) in ArgAnnotation::ALL.iter().enumerate() {
            assert!(!ArgAnnotation::ALL[..i].contains(a));
        }
    }
}
