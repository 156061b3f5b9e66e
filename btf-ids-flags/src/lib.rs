//! `KF_*` kfunc flags of include/linux/btf.h and `BTF_SET8_KFUNCS` of
//! include/linux/btf_ids.h, with the kernel's names and bit values.
//!
//! The one table of them: `btf_ids_runtime::flags` re-exports it for code
//! that names flags, the macros read it to write flag words as numbers, and
//! the `btf-ids` tool decodes flags with it.
//!
//! Bit 3 (`KF_KPTR_GET`, removed in 6.4) is unused and was never reused.
//! `KF_TRUSTED_ARGS` (bit 4) exists in 6.12, our reference kernel; 7.0 made
//! trusted pointer arguments the default and removed the flag, leaving bit 4
//! unused. Bits 12 to 16 arrived after 6.12 or in its cycle: see each item.
//!
//! ```
//! use btf_ids_flags::*;
//! assert_eq!(KF_ACQUIRE | KF_RET_NULL, 0b101);
//! assert_eq!(flag_name(KF_SLEEPABLE), Some("KF_SLEEPABLE"));
//! ```

#![no_std]
#![warn(missing_docs)]

/// The set8 holds kfuncs (`BTF_SET8_KFUNCS`, 6.9+): the set flags word of a
/// `BTF_KFUNCS_START` set.
pub const BTF_SET8_KFUNCS: u32 = 1 << 0;

/// Returns an acquired (referenced) pointer the program must release.
pub const KF_ACQUIRE: u32 = 1 << 0;
/// Releases the referenced pointer passed in.
pub const KF_RELEASE: u32 = 1 << 1;
/// The returned pointer may be NULL and must be checked.
pub const KF_RET_NULL: u32 = 1 << 2;
/// Pointer arguments must be trusted (6.12; the default and removed in 7.0).
pub const KF_TRUSTED_ARGS: u32 = 1 << 4;
/// May sleep: only sleepable programs may call it.
pub const KF_SLEEPABLE: u32 = 1 << 5;
/// Destructive operation: the caller needs CAP_SYS_BOOT.
pub const KF_DESTRUCTIVE: u32 = 1 << 6;
/// Accepts RCU-protected pointers as well as trusted ones.
pub const KF_RCU: u32 = 1 << 7;
/// Iterator constructor (`bpf_iter_<type>_new`).
pub const KF_ITER_NEW: u32 = 1 << 8;
/// Iterator step (`bpf_iter_<type>_next`).
pub const KF_ITER_NEXT: u32 = 1 << 9;
/// Iterator destructor (`bpf_iter_<type>_destroy`).
pub const KF_ITER_DESTROY: u32 = 1 << 10;
/// Must be called inside an RCU read-side critical section.
pub const KF_RCU_PROTECTED: u32 = 1 << 11;
/// Follows the bpf_fastcall contract (6.13+).
pub const KF_FASTCALL: u32 = 1 << 12;
/// Returns an arena pointer (6.15+).
pub const KF_ARENA_RET: u32 = 1 << 13;
/// Argument 1 is an arena pointer (6.15+).
pub const KF_ARENA_ARG1: u32 = 1 << 14;
/// Argument 2 is an arena pointer (6.15+).
pub const KF_ARENA_ARG2: u32 = 1 << 15;
/// The verifier supplies trailing hidden arguments (7.0+).
pub const KF_IMPLICIT_ARGS: u32 = 1 << 16;

/// Every flag with its kernel name, in bit order.
pub const KF_FLAGS: [(&str, u32); 16] = [
    ("KF_ACQUIRE", KF_ACQUIRE),
    ("KF_RELEASE", KF_RELEASE),
    ("KF_RET_NULL", KF_RET_NULL),
    ("KF_TRUSTED_ARGS", KF_TRUSTED_ARGS),
    ("KF_SLEEPABLE", KF_SLEEPABLE),
    ("KF_DESTRUCTIVE", KF_DESTRUCTIVE),
    ("KF_RCU", KF_RCU),
    ("KF_ITER_NEW", KF_ITER_NEW),
    ("KF_ITER_NEXT", KF_ITER_NEXT),
    ("KF_ITER_DESTROY", KF_ITER_DESTROY),
    ("KF_RCU_PROTECTED", KF_RCU_PROTECTED),
    ("KF_FASTCALL", KF_FASTCALL),
    ("KF_ARENA_RET", KF_ARENA_RET),
    ("KF_ARENA_ARG1", KF_ARENA_ARG1),
    ("KF_ARENA_ARG2", KF_ARENA_ARG2),
    ("KF_IMPLICIT_ARGS", KF_IMPLICIT_ARGS),
];

/// The kernel names of the flags set in `flags`, in bit order; bits no
/// flag owns are left out (see [`unknown_bits`]).
///
/// ```
/// use btf_ids_flags::*;
/// let names: Vec<_> = flag_names(KF_ACQUIRE | KF_RET_NULL).collect();
/// assert_eq!(names, ["KF_ACQUIRE", "KF_RET_NULL"]);
/// ```
pub fn flag_names(flags: u32) -> impl Iterator<Item = &'static str> {
    KF_FLAGS
        .iter()
        .filter(move |(_, bit)| flags & bit != 0)
        .map(|(name, _)| *name)
}

/// The bits of `flags` that no `KF_*` flag owns (bit 3, bits above 16).
pub fn unknown_bits(flags: u32) -> u32 {
    KF_FLAGS.iter().fold(flags, |rest, (_, bit)| rest & !bit)
}

/// The kernel name of a single flag bit, or `None` for an unknown bit or a
/// value that is not exactly one bit.
pub fn flag_name(flag: u32) -> Option<&'static str> {
    KF_FLAGS.iter().find(|(_, v)| *v == flag).map(|(n, _)| *n)
}
