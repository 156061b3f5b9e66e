//! Lookup and verdict: [`KfuncRegistry`] answers `btf_kfunc_id_set_contains()`
//! and the verifier's `check_kfunc_call` from the accepted registrations,
//! which it replays once, when it is built.

use super::replay::{first_of_owner, replay_result, AcceptedRegistrations};
use super::sets::set_get;
use super::{
    BpfProg, BpfProgType, BtfKfuncFilter, KfuncHook, KfuncHooks, KfuncNameTable, KfuncRegistration,
    RegisterError, BTF_KFUNC_FILTER_MAX_CNT, BTF_KFUNC_ID_SET_REGISTRATIONS, BTF_KFUNC_NAME_TABLES,
};
use crate::flags::KF_SLEEPABLE;
use crate::insn::{BpfInsn, NotKfuncCall};
use core::fmt;

/// A view of a list of registrations, by default every one in the binary.
///
/// ```
/// use btf_ids_runtime::registry::*;
/// let registry = KfuncRegistry::global();
/// let prog = BpfProg::new(BPF_PROG_TYPE_KPROBE);
/// // Nothing registered here, so nothing is callable.
/// assert_eq!(registry.btf_kfunc_id_set_contains(1, &prog), None);
/// ```
#[derive(Clone, Copy)]
pub struct KfuncRegistry<'a> {
    regs: &'a [KfuncRegistration],
    names: &'a [KfuncNameTable],
    /// The replay of `regs`, made by the constructors; `None` past
    /// `RECORDED_MAX` registrations, and then each query replays.
    accepted: Option<AcceptedRegistrations>,
}

/// What one hook answers for one ID and program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HookAnswer {
    /// Every filter passed and the ID is in the hook's merged set.
    Allowed {
        /// The entry's flags.
        flags: u32,
        /// The registration whose set holds it.
        registration: &'static str,
    },
    /// A filter on the hook returned non-zero.
    Filtered {
        /// The registration that brought the filter.
        registration: &'static str,
        /// What the filter returned.
        ret: i32,
        /// Whether the ID is in the hook's set (a filter hides the hook for
        /// every ID, its own or not).
        in_set: bool,
    },
    /// The filters passed but the ID is in no set of the hook.
    Absent,
}

impl KfuncRegistry<'static> {
    /// Every registration and name table linked into this binary, replayed
    /// once, here: keep the value to ask it many questions (the free
    /// functions [`check_kfunc_call`] and [`btf_kfunc_id_set_contains`]
    /// build one per call). A `no_std` crate without an allocator has no
    /// safe place to keep one for the whole process.
    pub fn global() -> KfuncRegistry<'static> {
        KfuncRegistry::from_parts(&BTF_KFUNC_ID_SET_REGISTRATIONS, &BTF_KFUNC_NAME_TABLES)
    }
}

impl<'a> KfuncRegistry<'a> {
    /// A registry over registrations and name tables of your own, for
    /// tests and tools. The registrations are replayed here, once; the
    /// queries read the result.
    pub fn from_parts(
        regs: &'a [KfuncRegistration],
        names: &'a [KfuncNameTable],
    ) -> KfuncRegistry<'a> {
        KfuncRegistry {
            regs,
            names,
            accepted: AcceptedRegistrations::replay(regs),
        }
    }

    /// The same registry without its record, replaying on each query (as
    /// one over more than `RECORDED_MAX` registrations does).
    #[cfg(test)]
    pub(super) fn replaying(self) -> KfuncRegistry<'a> {
        KfuncRegistry {
            accepted: None,
            ..self
        }
    }

    /// True when the kernel accepts the `index`th registration.
    fn is_accepted(&self, index: usize) -> bool {
        match &self.accepted {
            Some(record) => record.is_accepted(index),
            None => replay_result(self.regs, index).is_ok(),
        }
    }

    /// The result of the `index`th registration: `Ok` straight from the
    /// record, an error (which the record does not keep) replayed.
    fn result_of(&self, index: usize) -> Result<(), RegisterError> {
        match &self.accepted {
            Some(record) if record.is_accepted(index) => Ok(()),
            _ => replay_result(self.regs, index),
        }
    }

    /// True when the `index`th registration is the first of its owner.
    fn is_first_of_owner(&self, index: usize) -> bool {
        match &self.accepted {
            Some(record) => record.is_first_of_owner(index),
            None => first_of_owner(self.regs, index),
        }
    }

    /// The registrations, in the order they are replayed.
    pub fn registrations(&self) -> &'a [KfuncRegistration] {
        self.regs
    }

    /// Replays every registration in order with its result. Each owner
    /// (`None`: vmlinux) has its own table, as each BTF has in the kernel,
    /// so limits and the module rule count per owner.
    pub fn register_results(
        &self,
    ) -> impl Iterator<Item = (&'a KfuncRegistration, Result<(), RegisterError>)> {
        let this = *self;
        self.regs
            .iter()
            .enumerate()
            .map(move |(i, r)| (r, this.result_of(i)))
    }

    /// The kfunc tables: `None` (vmlinux) first, then each module owner in
    /// order of first registration.
    pub fn owners(&self) -> impl Iterator<Item = Option<&'static str>> + 'a {
        let this = *self;
        let vmlinux = match &self.accepted {
            Some(record) => record.has_vmlinux(),
            None => self.regs.iter().any(|r| r.kset.owner.is_none()),
        };
        let modules = self.regs.iter().enumerate().filter_map(move |(i, r)| {
            let owner = r.kset.owner?;
            this.is_first_of_owner(i).then_some(Some(owner))
        });
        vmlinux.then_some(None).into_iter().chain(modules)
    }

    /// What `register_btf_kfunc_id_set` returns for the `index`th
    /// registration (earlier ones count against the per-hook limits).
    pub fn register_result(&self, index: usize) -> Option<Result<(), RegisterError>> {
        self.regs.get(index).map(|_| self.result_of(index))
    }

    /// The first registration the kernel would refuse, if any.
    pub fn check_registrations(&self) -> Result<(), (&'a KfuncRegistration, RegisterError)> {
        match self.register_results().find(|(_, r)| r.is_err()) {
            Some((reg, Err(e))) => Err((reg, e)),
            _ => Ok(()),
        }
    }

    /// The accepted, non-empty registrations on `hook`, in order.
    pub fn hook_registrations(
        &self,
        hook: KfuncHook,
    ) -> impl Iterator<Item = &'a KfuncRegistration> {
        let this = *self;
        self.regs
            .iter()
            .enumerate()
            .filter(move |(i, r)| r.hook() == Some(hook) && this.is_accepted(*i))
            .map(|(_, r)| r)
            .filter(|r| !r.kset.set.pairs().is_empty())
    }

    /// The number of kfuncs on `hook` (the merged set's `cnt`).
    pub fn hook_len(&self, hook: KfuncHook) -> usize {
        self.hook_registrations(hook)
            .map(|r| r.kset.set.pairs().len())
            .sum()
    }

    /// The flags of `id` in the merged set of `hook`, running no filter
    /// (what 7.0's `btf_kfunc_flags` reads per hook).
    pub fn hook_flags(&self, hook: KfuncHook, id: u32) -> Option<u32> {
        self.hook_registrations(hook)
            .find_map(|r| set_get(r.kset.set, id))
    }

    /// `__btf_kfunc_id_set_contains` on the table of `owner` (`None`:
    /// vmlinux), with the reason: the hook's filters first (each distinct one
    /// once), then the merged set.
    pub fn hook_answer(
        &self,
        owner: Option<&str>,
        hook: KfuncHook,
        id: u32,
        prog: &BpfProg,
    ) -> HookAnswer {
        let mut found = None;
        let mut denied = None;
        let mut seen: [Option<BtfKfuncFilter>; BTF_KFUNC_FILTER_MAX_CNT] =
            [None; BTF_KFUNC_FILTER_MAX_CNT];
        let mut nr_seen = 0;
        for reg in self
            .hook_registrations(hook)
            .filter(|r| r.kset.owner == owner)
        {
            if let Some(f) = reg.kset.filter {
                let dup = seen[..nr_seen]
                    .iter()
                    .flatten()
                    .any(|g| core::ptr::fn_addr_eq(*g, f));
                if !dup {
                    seen[nr_seen] = Some(f);
                    nr_seen += 1;
                    let ret = f(prog, id);
                    if ret != 0 && denied.is_none() {
                        denied = Some((reg.name, ret));
                    }
                }
            }
            if found.is_none() {
                found = set_get(reg.kset.set, id).map(|flags| (flags, reg.name));
            }
        }
        match (denied, found) {
            (Some((registration, ret)), found) => HookAnswer::Filtered {
                registration,
                ret,
                in_set: found.is_some(),
            },
            (None, Some((flags, registration))) => HookAnswer::Allowed {
                flags,
                registration,
            },
            (None, None) => HookAnswer::Absent,
        }
    }

    /// `btf_kfunc_id_set_contains()` of Linux 6.12: the flags of `id` if
    /// `prog` may call it, looking in the COMMON hook and then in the hook of
    /// the program's resolved type, filters honoured.
    ///
    /// ```
    /// use btf_ids_runtime::registry::*;
    /// let prog = BpfProg::new(BPF_PROG_TYPE_XDP);
    /// assert_eq!(KfuncRegistry::global().btf_kfunc_id_set_contains(42, &prog), None);
    /// ```
    pub fn btf_kfunc_id_set_contains(&self, id: u32, prog: &BpfProg) -> Option<u32> {
        self.lookup(id, prog).map(|(flags, _, _)| flags)
    }

    /// Searches the table of each owner (vmlinux first): COMMON, then the
    /// program type's hook.
    fn lookup(&self, id: u32, prog: &BpfProg) -> Option<(u32, KfuncHook, &'static str)> {
        let hooks = [
            Some(KfuncHook::Common),
            prog.resolve_prog_type().kfunc_hook(),
        ];
        self.owners().find_map(|owner| {
            hooks.into_iter().flatten().find_map(|hook| {
                match self.hook_answer(owner, hook, id, prog) {
                    HookAnswer::Allowed {
                        flags,
                        registration,
                    } => Some((flags, hook, registration)),
                    _ => None,
                }
            })
        })
    }

    /// The hooks whose merged sets hold `id`, filters aside.
    pub fn hooks_of(&self, id: u32) -> KfuncHooks {
        KfuncHook::ALL
            .into_iter()
            .filter(|h| self.hook_flags(*h, id).is_some())
            .fold(KfuncHooks::EMPTY, KfuncHooks::with)
    }

    /// The name a [`btf_kfunc_names!`](crate::btf_kfunc_names) table gives `id`.
    pub fn kfunc_name(&self, id: u32) -> Option<&'static str> {
        self.names.iter().find_map(|t| t.name_of(id))
    }

    /// The verifier's judgement of a kfunc call instruction in `prog`, as far
    /// as the registry decides it (`check_kfunc_call` / `fetch_kfunc_meta`):
    /// the instruction must be a well-formed kfunc call, the ID must be
    /// registered for the program (COMMON hook or the program type's hook)
    /// with every filter passing, and a `KF_SLEEPABLE` kfunc needs a
    /// sleepable program. Checks that need BTF (is the ID a FUNC, do the
    /// arguments match) are not made.
    ///
    /// ```
    /// use btf_ids_runtime::insn::BpfInsn;
    /// use btf_ids_runtime::registry::*;
    /// let prog = BpfProg::new(BPF_PROG_TYPE_SYSCALL).sleepable();
    /// let refused = KfuncRegistry::global()
    ///     .check_kfunc_call(&BpfInsn::exit(), &prog)
    ///     .unwrap_err();
    /// assert!(matches!(refused, CallRefused::NotKfuncCall(_)));
    /// ```
    pub fn check_kfunc_call(
        &self,
        insn: &BpfInsn,
        prog: &BpfProg,
    ) -> Result<KfuncCallInfo, CallRefused> {
        let call = insn
            .kfunc_call_target()
            .map_err(CallRefused::NotKfuncCall)?;
        let id = call.btf_id;
        let name = self.kfunc_name(id);
        let prog_type = prog.resolve_prog_type();
        if let Some((flags, hook, registration)) = self.lookup(id, prog) {
            if flags & KF_SLEEPABLE != 0 && !prog.sleepable {
                return Err(CallRefused::NotSleepable { btf_id: id, name });
            }
            return Ok(KfuncCallInfo {
                btf_id: id,
                fd_array_index: call.fd_array_index,
                flags,
                hook,
                registration,
                name,
            });
        }
        // Refused: find out why.
        let hooks = [Some(KfuncHook::Common), prog_type.kfunc_hook()];
        for owner in self.owners() {
            for hook in hooks.into_iter().flatten() {
                if let HookAnswer::Filtered {
                    registration,
                    ret,
                    in_set: true,
                } = self.hook_answer(owner, hook, id, prog)
                {
                    return Err(CallRefused::Filtered {
                        btf_id: id,
                        name,
                        hook,
                        registration,
                        ret,
                    });
                }
            }
        }
        let registered_on = self.hooks_of(id);
        if registered_on.is_empty() {
            return Err(CallRefused::UnknownId { btf_id: id });
        }
        Err(CallRefused::NotAllowed {
            btf_id: id,
            name,
            prog_type,
            registered_on,
        })
    }
}

/// What the registry knows about an allowed kfunc call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KfuncCallInfo {
    /// The BTF ID called.
    pub btf_id: u32,
    /// The instruction's `fd_array` index (0: vmlinux).
    pub fd_array_index: i16,
    /// The entry's `KF_*` flags.
    pub flags: u32,
    /// The hook that allowed it (COMMON or the program type's).
    pub hook: KfuncHook,
    /// The registration whose set holds it.
    pub registration: &'static str,
    /// The function's name, when a [`btf_kfunc_names!`](crate::btf_kfunc_names) table knows it.
    pub name: Option<&'static str>,
}

/// Why a call is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallRefused {
    /// The instruction is not a well-formed kfunc call.
    NotKfuncCall(NotKfuncCall),
    /// The ID is in no registered set on any hook.
    UnknownId {
        /// The BTF ID called.
        btf_id: u32,
    },
    /// The ID is registered, but neither on COMMON nor on the program type's
    /// hook (the verifier's "calling kernel function ... is not allowed").
    NotAllowed {
        /// The BTF ID called.
        btf_id: u32,
        /// Its name, if known.
        name: Option<&'static str>,
        /// The program's (resolved) type.
        prog_type: BpfProgType,
        /// The hooks it is registered on.
        registered_on: KfuncHooks,
    },
    /// The ID is in the set of a hook the program may use, but a filter on
    /// that hook denied it.
    Filtered {
        /// The BTF ID called.
        btf_id: u32,
        /// Its name, if known.
        name: Option<&'static str>,
        /// The hook whose filter denied.
        hook: KfuncHook,
        /// The registration that brought the filter.
        registration: &'static str,
        /// What the filter returned.
        ret: i32,
    },
    /// A `KF_SLEEPABLE` kfunc called from a program that is not sleepable.
    NotSleepable {
        /// The BTF ID called.
        btf_id: u32,
        /// Its name, if known.
        name: Option<&'static str>,
    },
}

/// Writes a kfunc as the verifier names it: its name, else its BTF ID.
struct KfuncLabel(u32, Option<&'static str>);

impl fmt::Display for KfuncLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.1 {
            Some(name) => write!(f, "{name} (btf_id {})", self.0),
            None => write!(f, "btf_id {}", self.0),
        }
    }
}

impl fmt::Display for CallRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            CallRefused::NotKfuncCall(why) => write!(f, "not a kfunc call: {why}"),
            CallRefused::UnknownId { btf_id } => {
                write!(f, "kernel btf_id {btf_id} is in no registered kfunc set")
            }
            CallRefused::NotAllowed {
                btf_id,
                name,
                prog_type,
                registered_on,
            } => write!(
                f,
                "calling kernel function {} is not allowed for {prog_type}: it is registered for {registered_on}",
                KfuncLabel(btf_id, name)
            ),
            CallRefused::Filtered {
                btf_id,
                name,
                hook,
                registration,
                ret,
            } => write!(
                f,
                "calling kernel function {} is not allowed: the filter of {registration} on {hook} returned {ret}",
                KfuncLabel(btf_id, name)
            ),
            CallRefused::NotSleepable { btf_id, name } => write!(
                f,
                "program must be sleepable to call sleepable kfunc {}",
                KfuncLabel(btf_id, name)
            ),
        }
    }
}

/// [`KfuncRegistry::check_kfunc_call`] on every registration in the binary.
///
/// ```
/// use btf_ids_runtime::insn::BpfInsn;
/// use btf_ids_runtime::registry::*;
/// let prog = BpfProg::new(BPF_PROG_TYPE_TRACING);
/// let err = check_kfunc_call(&BpfInsn::kfunc_call(7, 0), &prog).unwrap_err();
/// assert_eq!(err, CallRefused::UnknownId { btf_id: 7 });
/// assert_eq!(err.to_string(), "kernel btf_id 7 is in no registered kfunc set");
/// ```
pub fn check_kfunc_call(insn: &BpfInsn, prog: &BpfProg) -> Result<KfuncCallInfo, CallRefused> {
    KfuncRegistry::global().check_kfunc_call(insn, prog)
}

/// [`KfuncRegistry::btf_kfunc_id_set_contains`] on every registration in the
/// binary.
pub fn btf_kfunc_id_set_contains(id: u32, prog: &BpfProg) -> Option<u32> {
    KfuncRegistry::global().btf_kfunc_id_set_contains(id, prog)
}
