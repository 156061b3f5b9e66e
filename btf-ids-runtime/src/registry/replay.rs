//! The registration replay: the checks of `register_btf_kfunc_id_set()`
//! applied to the registrations in order, one kfunc table per owner, and
//! the errors a refused registration gets, and [`AcceptedRegistrations`],
//! the record of one replay that a registry keeps.

use super::{
    BpfProgType, BtfKfuncFilter, BtfKfuncIdSet, KfuncHook, KfuncRegistration,
    BTF_KFUNC_FILTER_MAX_CNT, BTF_KFUNC_HOOK_MAX, BTF_KFUNC_SET_MAX_CNT,
};
use crate::flags::{BTF_SET8_KFUNCS, KF_ITER_DESTROY, KF_ITER_NEW, KF_ITER_NEXT};
use core::fmt;

pub use crate::kernel::{E2BIG, EINVAL};

/// Why the kernel would refuse a registration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegisterError {
    /// The set lacks `BTF_SET8_KFUNCS` (declared with `btf_set8!` rather than
    /// `btf_kfuncs!`): `-EINVAL`.
    NotKfuncSet,
    /// The program type maps to no kfunc hook: `-EINVAL`.
    NoKfuncHook(BpfProgType),
    /// An entry's ID is 0 (unresolved): type 0 is `void`, not a FUNC, so
    /// `btf_check_kfunc_protos` refuses it: `-EINVAL`.
    UnresolvedEntry {
        /// Position in the set.
        index: usize,
    },
    /// An entry has more than one of `KF_ITER_NEW`, `KF_ITER_NEXT`,
    /// `KF_ITER_DESTROY` (`btf_check_iter_kfuncs`): `-EINVAL`.
    IterFlags {
        /// The entry's ID.
        id: u32,
        /// The entry's flags.
        flags: u32,
    },
    /// The hook already has [`BTF_KFUNC_FILTER_MAX_CNT`] other filters:
    /// `-E2BIG`.
    TooManyFilters(KfuncHook),
    /// A module registered a second non-empty set on the same hook; a
    /// module BTF holds one set per hook (the kernel WARNs): `-EINVAL`.
    ModuleHookTaken(KfuncHook),
    /// The hook would hold more than [`BTF_KFUNC_SET_MAX_CNT`] kfuncs:
    /// `-E2BIG`.
    TooManyKfuncs {
        /// The hook.
        hook: KfuncHook,
        /// Kfuncs already on it.
        registered: usize,
        /// Kfuncs in the refused set.
        adding: usize,
    },
}

impl RegisterError {
    /// The negative errno the kernel returns.
    pub const fn errno(&self) -> i32 {
        match self {
            RegisterError::TooManyFilters(_) | RegisterError::TooManyKfuncs { .. } => -E2BIG,
            _ => -EINVAL,
        }
    }
}

impl fmt::Display for RegisterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegisterError::NotKfuncSet => {
                f.write_str("the set is not a kfunc set (BTF_SET8_KFUNCS is not set)")
            }
            RegisterError::NoKfuncHook(t) => write!(f, "{t} has no kfunc hook"),
            RegisterError::UnresolvedEntry { index } => {
                write!(f, "entry {index} has BTF ID 0, which is not a function")
            }
            RegisterError::IterFlags { id, flags } => write!(
                f,
                "kfunc with BTF ID {id} has flags {flags:#x}: at most one iterator flag may be set"
            ),
            RegisterError::ModuleHookTaken(h) => {
                write!(f, "the module already registered a kfunc set on {h}")
            }
            RegisterError::TooManyFilters(h) => {
                write!(f, "{h} already has {BTF_KFUNC_FILTER_MAX_CNT} filters")
            }
            RegisterError::TooManyKfuncs {
                hook,
                registered,
                adding,
            } => write!(
                f,
                "{hook} holds {registered} kfuncs, {adding} more exceed {BTF_KFUNC_SET_MAX_CNT}"
            ),
        }
    }
}

/// Checks that need only the set (`btf_check_kfunc_protos` as far as it can
/// go without BTF).
fn check_set(kset: &BtfKfuncIdSet) -> Result<(), RegisterError> {
    if kset.set.set_flags() & BTF_SET8_KFUNCS == 0 {
        return Err(RegisterError::NotKfuncSet);
    }
    for (index, pair) in kset.set.pairs().iter().enumerate() {
        if pair.id == 0 {
            return Err(RegisterError::UnresolvedEntry { index });
        }
        let iter = pair.flags & (KF_ITER_NEW | KF_ITER_NEXT | KF_ITER_DESTROY);
        if iter != 0 && !iter.is_power_of_two() {
            return Err(RegisterError::IterFlags {
                id: pair.id,
                flags: pair.flags,
            });
        }
    }
    Ok(())
}

/// The state of every hook of one BTF's kfunc table while its registrations
/// are replayed in order.
pub(super) struct Replay {
    counts: [usize; BTF_KFUNC_HOOK_MAX],
    filters: [[Option<BtfKfuncFilter>; BTF_KFUNC_FILTER_MAX_CNT]; BTF_KFUNC_HOOK_MAX],
    nr_filters: [usize; BTF_KFUNC_HOOK_MAX],
}

impl Replay {
    pub(super) fn new() -> Replay {
        Replay {
            counts: [0; BTF_KFUNC_HOOK_MAX],
            filters: [[None; BTF_KFUNC_FILTER_MAX_CNT]; BTF_KFUNC_HOOK_MAX],
            nr_filters: [0; BTF_KFUNC_HOOK_MAX],
        }
    }

    /// Applies one registration as `register_btf_kfunc_id_set` would.
    pub(super) fn register(&mut self, reg: &KfuncRegistration) -> Result<(), RegisterError> {
        let hook = reg
            .hook()
            .ok_or(RegisterError::NoKfuncHook(reg.prog_type))?;
        check_set(reg.kset)?;
        let h = hook as usize;
        let adding = reg.kset.set.pairs().len();
        if adding == 0 {
            // btf_populate_kfunc_set returns early: nothing added, not even
            // the filter.
            return Ok(());
        }
        let mut add_filter = reg.kset.filter;
        if let Some(f) = add_filter {
            let known = self.filters[h][..self.nr_filters[h]]
                .iter()
                .flatten()
                .any(|g| core::ptr::fn_addr_eq(*g, f));
            if known {
                add_filter = None;
            } else if self.nr_filters[h] == BTF_KFUNC_FILTER_MAX_CNT {
                return Err(RegisterError::TooManyFilters(hook));
            }
        }
        if reg.kset.owner.is_some() && self.counts[h] > 0 {
            // A module's BTF takes one set per hook (a WARN in the kernel).
            return Err(RegisterError::ModuleHookTaken(hook));
        }
        if self.counts[h] + adding > BTF_KFUNC_SET_MAX_CNT {
            return Err(RegisterError::TooManyKfuncs {
                hook,
                registered: self.counts[h],
                adding,
            });
        }
        self.counts[h] += adding;
        if let Some(f) = add_filter {
            self.filters[h][self.nr_filters[h]] = Some(f);
            self.nr_filters[h] += 1;
        }
        Ok(())
    }
}

/// What `register_btf_kfunc_id_set` returns for `regs[index]`: the earlier
/// registrations of its owner are replayed first, in order.
pub(super) fn replay_result(regs: &[KfuncRegistration], index: usize) -> Result<(), RegisterError> {
    let r = &regs[index];
    let mut replay = Replay::new();
    for earlier in regs[..index]
        .iter()
        .filter(|e| e.kset.owner == r.kset.owner)
    {
        let _ = replay.register(earlier);
    }
    replay.register(r)
}

/// True when `regs[index]` is the first registration of its owner (the
/// kfunc tables are searched in order of first registration).
pub(super) fn first_of_owner(regs: &[KfuncRegistration], index: usize) -> bool {
    let owner = regs[index].kset.owner;
    !regs[..index].iter().any(|e| e.kset.owner == owner)
}

/// How many registrations an [`AcceptedRegistrations`] holds. No kernel
/// bound caps the registrations a binary makes (refused and empty ones
/// count too), so a registry over more replays them on each query, as
/// [`replay_result`] does.
pub(super) const RECORDED_MAX: usize = 1024;

const WORDS: usize = RECORDED_MAX / 64;

/// One replay of a list of registrations, made once when a registry is
/// built and then only read: which registrations the kernel accepts, and
/// which come first for their owner. A bitmap each, bit `i` for `regs[i]`.
#[derive(Clone, Copy)]
pub(super) struct AcceptedRegistrations {
    accepted: [u64; WORDS],
    first_of_owner: [u64; WORDS],
    vmlinux: bool,
}

impl AcceptedRegistrations {
    /// Replays `regs`, one pass per owner's table; `None` for more than
    /// [`RECORDED_MAX`] registrations.
    ///
    /// The pass over an owner's table calls [`Replay::register`] on its
    /// registrations in order, the calls [`replay_result`] makes for the
    /// last of them, so every result is the one it gives.
    pub(super) fn replay(regs: &[KfuncRegistration]) -> Option<AcceptedRegistrations> {
        if regs.len() > RECORDED_MAX {
            return None;
        }
        let mut record = AcceptedRegistrations {
            accepted: [0; WORDS],
            first_of_owner: [0; WORDS],
            vmlinux: false,
        };
        for (i, r) in regs.iter().enumerate() {
            if !first_of_owner(regs, i) {
                continue;
            }
            set_bit(&mut record.first_of_owner, i);
            record.vmlinux |= r.kset.owner.is_none();
            let mut replay = Replay::new();
            for (j, e) in regs.iter().enumerate().skip(i) {
                if e.kset.owner == r.kset.owner && replay.register(e).is_ok() {
                    set_bit(&mut record.accepted, j);
                }
            }
        }
        Some(record)
    }

    /// True when the kernel accepts `regs[index]`.
    pub(super) fn is_accepted(&self, index: usize) -> bool {
        bit(&self.accepted, index)
    }

    /// True when `regs[index]` is the first registration of its owner.
    pub(super) fn is_first_of_owner(&self, index: usize) -> bool {
        bit(&self.first_of_owner, index)
    }

    /// True when some registration has no owner (vmlinux has a table).
    pub(super) fn has_vmlinux(&self) -> bool {
        self.vmlinux
    }
}

fn set_bit(words: &mut [u64; WORDS], index: usize) {
    words[index / 64] |= 1 << (index % 64);
}

fn bit(words: &[u64; WORDS], index: usize) -> bool {
    words[index / 64] & (1 << (index % 64)) != 0
}
