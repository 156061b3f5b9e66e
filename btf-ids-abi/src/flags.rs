//! `KF_*` kfunc flags of include/linux/btf.h and `BTF_SET8_KFUNCS` of
//! include/linux/btf_ids.h, with the kernel's names, bit values and the
//! words `#[kfunc(...)]` takes for them.
//!
//! The one table of them: `btf_ids_runtime::flags` re-exports it for code
//! that names flags, the macros read it to write flag words as numbers and
//! to parse `#[kfunc]` attributes, and the `btf-ids` tool decodes flags
//! with it.
//!
//! Bit 3 (`KF_KPTR_GET`, removed in 6.4) is unused and was never reused.
//! `KF_TRUSTED_ARGS` (bit 4) exists in 6.12, our reference kernel; 7.0 made
//! trusted pointer arguments the default and removed the flag, leaving bit 4
//! unused. Bits 12 to 16 arrived after 6.12 or in its cycle: see each item.
//!
//! ```
//! use btf_ids_abi::flags::*;
//! assert_eq!(KF_ACQUIRE | KF_RET_NULL, 0b101);
//! assert_eq!(flag_name(KF_SLEEPABLE), Some("KF_SLEEPABLE"));
//! assert_eq!(KfFlag::from_word("ret_null"), Some(KfFlag::RetNull));
//! ```

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

/// One `KF_*` flag: its kernel name, its bit, and its `#[kfunc(...)]` word
/// (the name in lower case without `KF_`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KfFlag {
    /// [`KF_ACQUIRE`]
    Acquire,
    /// [`KF_RELEASE`]
    Release,
    /// [`KF_RET_NULL`]
    RetNull,
    /// [`KF_TRUSTED_ARGS`]
    TrustedArgs,
    /// [`KF_SLEEPABLE`]
    Sleepable,
    /// [`KF_DESTRUCTIVE`]
    Destructive,
    /// [`KF_RCU`]
    Rcu,
    /// [`KF_ITER_NEW`]
    IterNew,
    /// [`KF_ITER_NEXT`]
    IterNext,
    /// [`KF_ITER_DESTROY`]
    IterDestroy,
    /// [`KF_RCU_PROTECTED`]
    RcuProtected,
    /// [`KF_FASTCALL`]
    Fastcall,
    /// [`KF_ARENA_RET`]
    ArenaRet,
    /// [`KF_ARENA_ARG1`]
    ArenaArg1,
    /// [`KF_ARENA_ARG2`]
    ArenaArg2,
    /// [`KF_IMPLICIT_ARGS`]
    ImplicitArgs,
}

/// (flag, kernel name, attribute word, bit), in bit order: the one table.
/// The names are the constants' own (`stringify!`), so they cannot drift.
const TABLE: [(KfFlag, &str, &str, u32); 16] = {
    macro_rules! rows {
        ($($flag:ident $constant:ident $word:ident),* $(,)?) => {
            [$((KfFlag::$flag, stringify!($constant), stringify!($word), $constant)),*]
        };
    }
    rows![
        Acquire KF_ACQUIRE acquire,
        Release KF_RELEASE release,
        RetNull KF_RET_NULL ret_null,
        TrustedArgs KF_TRUSTED_ARGS trusted_args,
        Sleepable KF_SLEEPABLE sleepable,
        Destructive KF_DESTRUCTIVE destructive,
        Rcu KF_RCU rcu,
        IterNew KF_ITER_NEW iter_new,
        IterNext KF_ITER_NEXT iter_next,
        IterDestroy KF_ITER_DESTROY iter_destroy,
        RcuProtected KF_RCU_PROTECTED rcu_protected,
        Fastcall KF_FASTCALL fastcall,
        ArenaRet KF_ARENA_RET arena_ret,
        ArenaArg1 KF_ARENA_ARG1 arena_arg1,
        ArenaArg2 KF_ARENA_ARG2 arena_arg2,
        ImplicitArgs KF_IMPLICIT_ARGS implicit_args,
    ]
};

impl KfFlag {
    /// Every flag, in bit order.
    pub const ALL: [KfFlag; 16] = {
        let mut all = [KfFlag::Acquire; 16];
        let mut i = 0;
        while i < 16 {
            all[i] = TABLE[i].0;
            i += 1;
        }
        all
    };

    const fn row(self) -> (KfFlag, &'static str, &'static str, u32) {
        TABLE[self as usize]
    }

    /// The kernel's name, as in `KF_RET_NULL`.
    pub const fn name(self) -> &'static str {
        self.row().1
    }

    /// The word `#[kfunc(...)]` takes, as in `ret_null`.
    pub const fn word(self) -> &'static str {
        self.row().2
    }

    /// The flag's bit.
    pub const fn bit(self) -> u32 {
        self.row().3
    }

    /// The flag a `#[kfunc(...)]` word names.
    pub fn from_word(word: &str) -> Option<KfFlag> {
        TABLE.iter().find(|r| r.2 == word).map(|r| r.0)
    }

    /// The flag a kernel name names (`KF_RCU`).
    pub fn from_name(name: &str) -> Option<KfFlag> {
        TABLE.iter().find(|r| r.1 == name).map(|r| r.0)
    }
}

/// Every flag with its kernel name, in bit order.
pub const KF_FLAGS: [(&str, u32); 16] = {
    let mut out = [("", 0); 16];
    let mut i = 0;
    while i < 16 {
        out[i] = (TABLE[i].1, TABLE[i].3);
        i += 1;
    }
    out
};

/// The kernel names of the flags set in `flags`, in bit order; bits no
/// flag owns are left out (see [`unknown_bits`]).
///
/// ```
/// use btf_ids_abi::flags::*;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_in_bit_order_and_words_are_the_names() {
        for (i, f) in KfFlag::ALL.iter().enumerate() {
            assert_eq!(*f as usize, i);
            assert_eq!(f.bit().count_ones(), 1);
            assert!(i == 0 || KfFlag::ALL[i - 1].bit() < f.bit());
            let mut upper = [0u8; 32];
            let w = f.word().as_bytes();
            for (u, c) in upper.iter_mut().zip(w) {
                *u = c.to_ascii_uppercase();
            }
            assert_eq!(&f.name().as_bytes()[3..], &upper[..w.len()]);
            assert_eq!(KfFlag::from_word(f.word()), Some(*f));
            assert_eq!(KfFlag::from_name(f.name()), Some(*f));
        }
    }
}
