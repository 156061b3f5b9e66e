//! The kfunc registry: a host-side model of `struct btf_kfunc_id_set` and
//! `register_btf_kfunc_id_set()` (kernel/bpf/btf.c), and of the verifier's
//! question "may this program call this kernel function?".
//!
//! Only with the `registry` feature (off by default), since it collects
//! registrations with `linkme`. A kernel module calls the kernel's real
//! `register_btf_kfunc_id_set()` through [`kernel`](crate::kernel) instead,
//! which needs no feature. Both take their program types from one table.
//!
//! A kernel-style crate declares a kfunc set with [`btf_kfuncs!`](crate::btf_kfuncs)
//! and registers it for a program type with [`register_btf_kfunc_id_set!`](crate::register_btf_kfunc_id_set).
//! Registrations from every crate linked into the final binary are collected
//! with `linkme` (no heap, no init code), then read by [`KfuncRegistry`].
//!
//! ```
//! use btf_ids_runtime::btf_kfuncs;
//! use btf_ids_runtime::flags::*;
//! use btf_ids_runtime::registry::*;
//!
//! btf_kfuncs! {
//!     static TASK_KFUNCS = [func bpf_task_acquire(KF_ACQUIRE | KF_RET_NULL),
//!                           func bpf_task_release(KF_RELEASE)];
//! }
//! btf_ids_runtime::register_btf_kfunc_id_set!(
//!     BPF_PROG_TYPE_TRACING,
//!     static TASK_KFUNC_SET = BtfKfuncIdSet::new(TASK_KFUNCS)
//! );
//! // The same set, registered for a second program type.
//! btf_ids_runtime::register_btf_kfunc_id_set!(BPF_PROG_TYPE_SYSCALL, TASK_KFUNC_SET);
//!
//! fn main() {
//!     let registry = KfuncRegistry::global();
//!     assert_eq!(registry.registrations().len(), 2);
//!     // Until resolve_btfids patches the binary the set's count is 0: the
//!     // kernel accepts an empty set and adds nothing, so nothing is callable.
//!     let prog = BpfProg::new(BPF_PROG_TYPE_TRACING);
//!     assert_eq!(registry.btf_kfunc_id_set_contains(0, &prog), None);
//!     assert!(registry.check_registrations().is_ok());
//! }
//! ```
//!
//! # Kernel version
//!
//! The rules are those of Linux 6.12 (Debian's reference kernel):
//!
//! * the hook table of `bpf_prog_type_to_kfunc_hook()` (the CGROUP hook
//!   covering every cgroup program type and SOCK_OPS since 6.12, KPROBE since
//!   6.10), see [`BpfProgType::kfunc_hook`];
//! * registration (`register_btf_kfunc_id_set` → `__register_btf_kfunc_id_set`
//!   → `btf_populate_kfunc_set`): the set must carry `BTF_SET8_KFUNCS`, the
//!   program type must map to a hook, every entry must be a resolved function
//!   ID (ID 0 is `void`), iterator flags must be exclusive
//!   (`btf_check_iter_kfuncs`), an empty set is accepted and adds nothing (not
//!   even its filter), at most [`BTF_KFUNC_FILTER_MAX_CNT`] distinct filters
//!   and [`BTF_KFUNC_SET_MAX_CNT`] kfuncs per hook. Like the vmlinux table,
//!   every accepted set of a hook is merged into one;
//! * lookup (`btf_kfunc_id_set_contains`, exported until 7.0): the COMMON hook
//!   first, then the hook of the program's resolved type; on each hook every
//!   filter registered there runs first, and any non-zero answer hides the
//!   whole hook for that ID. 7.0 split this into `btf_kfunc_flags` (no
//!   filters) and `btf_kfunc_is_allowed`; the answers for a call are the same.
//!
//! Each BTF has its own kfunc table in the kernel: vmlinux's, and one per
//! module. Here a set's [`owner`](BtfKfuncIdSet::owner) picks the table:
//! `None` is vmlinux (sets merged per hook), `Some(module)` a module, which
//! may register one set per hook and whose filters guard its own table only.
//! Lookups search every table, vmlinux first, with one BTF ID space: the IDs
//! the sets were resolved against. A call's `fd_array` index (which module
//! BTF the kernel would search) is reported, not used.

use crate::flags::{BTF_SET8_KFUNCS, KF_ITER_DESTROY, KF_ITER_NEW, KF_ITER_NEXT, KF_SLEEPABLE};
use crate::insn::{BpfInsn, NotKfuncCall};
use crate::{BtfIdList, BtfIdSet8, BtfIdSet8Pair};
use core::fmt;

#[doc(hidden)]
pub use linkme;

// ---------------------------------------------------------------------------
// Program types and hooks
// ---------------------------------------------------------------------------

macro_rules! prog_types {
    ($($(#[$doc:meta])* $variant:ident = $value:literal, $konst:ident, $hook:expr;)*) => {
        /// `enum bpf_prog_type` of include/uapi/linux/bpf.h, with the
        /// kernel's numeric values.
        ///
        /// ```
        /// use btf_ids_runtime::registry::*;
        /// assert_eq!(BPF_PROG_TYPE_SYSCALL as u32, 31);
        /// assert_eq!(BpfProgType::from_raw(31), Some(BpfProgType::Syscall));
        /// assert_eq!(BpfProgType::Syscall.name(), "BPF_PROG_TYPE_SYSCALL");
        /// assert_eq!(BpfProgType::ALL.len(), MAX_BPF_PROG_TYPE as usize);
        /// ```
        #[repr(u32)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum BpfProgType {
            $($(#[$doc])* $variant = $value,)*
        }

        $(
            #[doc = concat!("`", stringify!($konst), "` (", stringify!($value), ").")]
            pub const $konst: BpfProgType = BpfProgType::$variant;
        )*

        impl BpfProgType {
            /// Every program type, in value order (index = value).
            pub const ALL: [BpfProgType; MAX_BPF_PROG_TYPE as usize] = [$(BpfProgType::$variant,)*];

            /// The type with this `enum bpf_prog_type` value.
            pub const fn from_raw(value: u32) -> Option<BpfProgType> {
                match value {
                    $($value => Some(BpfProgType::$variant),)*
                    _ => None,
                }
            }

            /// The kernel's name of the constant, e.g. `BPF_PROG_TYPE_XDP`.
            pub const fn name(self) -> &'static str {
                match self {
                    $(BpfProgType::$variant => stringify!($konst),)*
                }
            }

            /// `bpf_prog_type_to_kfunc_hook()`: the hook kfuncs are registered
            /// on and looked up in for this type, `None` for the types that
            /// have none (the kernel's `BTF_KFUNC_HOOK_MAX`).
            ///
            /// ```
            /// use btf_ids_runtime::registry::*;
            /// assert_eq!(BPF_PROG_TYPE_LSM.kfunc_hook(), Some(KfuncHook::Tracing));
            /// assert_eq!(BPF_PROG_TYPE_SOCK_OPS.kfunc_hook(), Some(KfuncHook::Cgroup));
            /// assert_eq!(BPF_PROG_TYPE_SK_MSG.kfunc_hook(), None);
            /// ```
            pub const fn kfunc_hook(self) -> Option<KfuncHook> {
                match self {
                    $(BpfProgType::$variant => $hook,)*
                }
            }
        }
    };
}

pub use crate::kernel::MAX_BPF_PROG_TYPE;

use KfuncHook as H;

crate::prog_types::bpf_prog_types!(prog_types);

/// `bpf_prog_type_to_kfunc_hook()` under its kernel name; `None` stands for
/// `BTF_KFUNC_HOOK_MAX`.
pub const fn bpf_prog_type_to_kfunc_hook(prog_type: BpfProgType) -> Option<KfuncHook> {
    prog_type.kfunc_hook()
}

/// `enum btf_kfunc_hook` (kernel/bpf/btf.c), in the kernel's order.
///
/// ```
/// use btf_ids_runtime::registry::*;
/// assert_eq!(KfuncHook::Kprobe as usize, BTF_KFUNC_HOOK_MAX - 1);
/// assert_eq!(KfuncHook::Tc.name(), "BTF_KFUNC_HOOK_TC");
/// ```
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KfuncHook {
    /// Looked up for every program type first.
    Common = 0,
    /// XDP programs.
    Xdp = 1,
    /// tc classifiers (`BPF_PROG_TYPE_SCHED_CLS`).
    Tc = 2,
    /// struct_ops programs.
    StructOps = 3,
    /// Tracing, tracepoint, raw tracepoint, perf event and LSM programs.
    Tracing = 4,
    /// Syscall programs.
    Syscall = 5,
    /// fmod_ret attach points (`register_btf_fmodret_id_set`); no program
    /// type maps here.
    Fmodret = 6,
    /// cgroup programs and SOCK_OPS.
    Cgroup = 7,
    /// tc actions.
    SchedAct = 8,
    /// sk_skb programs.
    SkSkb = 9,
    /// Socket filters.
    SocketFilter = 10,
    /// Lightweight tunnel programs.
    Lwt = 11,
    /// Netfilter programs.
    Netfilter = 12,
    /// kprobe programs.
    Kprobe = 13,
}

/// `BTF_KFUNC_HOOK_MAX`: the number of hooks.
pub const BTF_KFUNC_HOOK_MAX: usize = 14;
/// `BTF_KFUNC_SET_MAX_CNT`: at most this many kfuncs on one hook.
pub const BTF_KFUNC_SET_MAX_CNT: usize = 256;
/// `BTF_KFUNC_FILTER_MAX_CNT`: at most this many distinct filters on one hook.
pub const BTF_KFUNC_FILTER_MAX_CNT: usize = 16;

impl KfuncHook {
    /// Every hook, in enum order (index = value).
    pub const ALL: [KfuncHook; BTF_KFUNC_HOOK_MAX] = [
        H::Common,
        H::Xdp,
        H::Tc,
        H::StructOps,
        H::Tracing,
        H::Syscall,
        H::Fmodret,
        H::Cgroup,
        H::SchedAct,
        H::SkSkb,
        H::SocketFilter,
        H::Lwt,
        H::Netfilter,
        H::Kprobe,
    ];

    /// The kernel's name of the enumerator, e.g. `BTF_KFUNC_HOOK_TRACING`.
    pub const fn name(self) -> &'static str {
        match self {
            H::Common => "BTF_KFUNC_HOOK_COMMON",
            H::Xdp => "BTF_KFUNC_HOOK_XDP",
            H::Tc => "BTF_KFUNC_HOOK_TC",
            H::StructOps => "BTF_KFUNC_HOOK_STRUCT_OPS",
            H::Tracing => "BTF_KFUNC_HOOK_TRACING",
            H::Syscall => "BTF_KFUNC_HOOK_SYSCALL",
            H::Fmodret => "BTF_KFUNC_HOOK_FMODRET",
            H::Cgroup => "BTF_KFUNC_HOOK_CGROUP",
            H::SchedAct => "BTF_KFUNC_HOOK_SCHED_ACT",
            H::SkSkb => "BTF_KFUNC_HOOK_SK_SKB",
            H::SocketFilter => "BTF_KFUNC_HOOK_SOCKET_FILTER",
            H::Lwt => "BTF_KFUNC_HOOK_LWT",
            H::Netfilter => "BTF_KFUNC_HOOK_NETFILTER",
            H::Kprobe => "BTF_KFUNC_HOOK_KPROBE",
        }
    }

    /// The program types whose lookups use this hook (after COMMON).
    pub fn prog_types(self) -> impl Iterator<Item = BpfProgType> {
        BpfProgType::ALL
            .into_iter()
            .filter(move |t| *t != BpfProgType::Unspec && t.kfunc_hook() == Some(self))
    }
}

impl fmt::Display for KfuncHook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for BpfProgType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of hooks, e.g. the hooks a kfunc is registered on.
///
/// ```
/// use btf_ids_runtime::registry::{KfuncHook, KfuncHooks};
/// let hooks = KfuncHooks::EMPTY.with(KfuncHook::Xdp).with(KfuncHook::Tc);
/// assert!(hooks.contains(KfuncHook::Tc));
/// assert_eq!(hooks.iter().count(), 2);
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct KfuncHooks(u16);

impl KfuncHooks {
    /// No hook.
    pub const EMPTY: KfuncHooks = KfuncHooks(0);

    /// This set plus `hook`.
    pub const fn with(self, hook: KfuncHook) -> KfuncHooks {
        KfuncHooks(self.0 | (1 << hook as u32))
    }

    /// True when `hook` is in the set.
    pub const fn contains(self, hook: KfuncHook) -> bool {
        self.0 & (1 << hook as u32) != 0
    }

    /// True for the empty set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The hooks in enum order.
    pub fn iter(self) -> impl Iterator<Item = KfuncHook> {
        KfuncHook::ALL
            .into_iter()
            .filter(move |h| self.contains(*h))
    }
}

impl fmt::Debug for KfuncHooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl fmt::Display for KfuncHooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("no hook");
        }
        for (i, h) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(h.name())?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Programs and filters
// ---------------------------------------------------------------------------

/// The little of `struct bpf_prog` that kfunc lookups and filters look at.
///
/// ```
/// use btf_ids_runtime::registry::*;
/// let prog = BpfProg::new(BPF_PROG_TYPE_SYSCALL).sleepable();
/// assert!(prog.sleepable);
/// let ext = BpfProg::new(BPF_PROG_TYPE_EXT).extending(BPF_PROG_TYPE_XDP);
/// assert_eq!(ext.resolve_prog_type(), BPF_PROG_TYPE_XDP);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BpfProg {
    /// `prog->type`.
    pub prog_type: BpfProgType,
    /// `prog->expected_attach_type` (`enum bpf_attach_type` value), which
    /// filters often test.
    pub expected_attach_type: u32,
    /// `prog->sleepable` (loaded with `BPF_F_SLEEPABLE`).
    pub sleepable: bool,
    /// For an EXT (freplace) program, the type of the program it extends
    /// (`prog->aux->dst_prog->type`).
    pub dst_prog_type: Option<BpfProgType>,
}

impl BpfProg {
    /// A non-sleepable program of this type, attach type 0.
    pub const fn new(prog_type: BpfProgType) -> BpfProg {
        BpfProg {
            prog_type,
            expected_attach_type: 0,
            sleepable: false,
            dst_prog_type: None,
        }
    }

    /// The same program, loaded with `BPF_F_SLEEPABLE`.
    pub const fn sleepable(mut self) -> BpfProg {
        self.sleepable = true;
        self
    }

    /// The same program with this `expected_attach_type`.
    pub const fn with_attach_type(mut self, attach_type: u32) -> BpfProg {
        self.expected_attach_type = attach_type;
        self
    }

    /// The same program as an extension of a program of type `target`.
    pub const fn extending(mut self, target: BpfProgType) -> BpfProg {
        self.dst_prog_type = Some(target);
        self
    }

    /// `resolve_prog_type()`: an EXT program with a target takes the
    /// target's type, every other program its own.
    pub const fn resolve_prog_type(&self) -> BpfProgType {
        match (self.prog_type, self.dst_prog_type) {
            (BpfProgType::Ext, Some(target)) => target,
            (t, _) => t,
        }
    }
}

/// `btf_kfunc_filter_t`: called with the program and the BTF ID being looked
/// up, for every kfunc looked up on the hook the filter is registered on.
/// Non-zero denies (kernel filters return `-EACCES`); a filter must therefore
/// return 0 for IDs outside its own set.
pub type BtfKfuncFilter = fn(&BpfProg, u32) -> i32;

// ---------------------------------------------------------------------------
// Sets
// ---------------------------------------------------------------------------

/// A type-erased `struct btf_id_set8`, so sets of any size can be registered.
///
/// Implemented by every [`BtfIdSet8`]; a test can implement it for data of
/// its own.
pub trait KfuncSetView: Sync {
    /// The set's flags word (`BTF_SET8_KFUNCS` for a kfunc set).
    fn set_flags(&self) -> u32;
    /// The counted `(id, flags)` pairs.
    fn pairs(&self) -> &[BtfIdSet8Pair];
}

impl<const N: usize> KfuncSetView for BtfIdSet8<N> {
    fn set_flags(&self) -> u32 {
        self.flags()
    }
    fn pairs(&self) -> &[BtfIdSet8Pair] {
        BtfIdSet8::pairs(self)
    }
}

/// Flags of the first pair with this ID (the kernel sorts the merged set and
/// bsearches it; sets are small, a scan is as good and needs no sorting).
fn set_get(set: &dyn KfuncSetView, id: u32) -> Option<u32> {
    set.pairs().iter().find(|p| p.id == id).map(|p| p.flags)
}

/// `struct btf_kfunc_id_set`: a kfunc set, the module that owns it and an
/// optional filter.
///
/// ```
/// use btf_ids_runtime::{btf_kfuncs, registry::*};
/// btf_kfuncs! { static MY_KFUNCS = [func bpf_rcu_read_lock, func bpf_rcu_read_unlock]; }
///
/// fn only_sleepable(prog: &BpfProg, id: u32) -> i32 {
///     if MY_KFUNCS.contains(id) && !prog.sleepable { -13 } else { 0 }
/// }
///
/// static MY_SET: BtfKfuncIdSet = BtfKfuncIdSet {
///     owner: Some("my_module"),
///     set: MY_KFUNCS,
///     filter: Some(only_sleepable),
/// };
/// // The same, built with the const builder.
/// static SAME: BtfKfuncIdSet = BtfKfuncIdSet::new(MY_KFUNCS)
///     .with_owner("my_module")
///     .with_filter(only_sleepable);
/// fn main() {
///     assert_eq!(MY_SET.set.set_flags(), btf_ids_runtime::flags::BTF_SET8_KFUNCS);
///     assert_eq!(SAME.owner, MY_SET.owner);
/// }
/// ```
#[derive(Clone, Copy)]
pub struct BtfKfuncIdSet {
    /// `owner` (`THIS_MODULE`): `None` for code built into the kernel (the
    /// vmlinux table), else the module's name (its own table).
    pub owner: Option<&'static str>,
    /// The `BTF_KFUNCS_START` set (any [`BtfIdSet8`] coerces).
    pub set: &'static dyn KfuncSetView,
    /// The hook filter.
    pub filter: Option<BtfKfuncFilter>,
}

impl BtfKfuncIdSet {
    /// A set with no owner and no filter.
    pub const fn new(set: &'static dyn KfuncSetView) -> BtfKfuncIdSet {
        BtfKfuncIdSet {
            owner: None,
            set,
            filter: None,
        }
    }

    /// The same set, owned by `owner`.
    pub const fn with_owner(mut self, owner: &'static str) -> BtfKfuncIdSet {
        self.owner = Some(owner);
        self
    }

    /// The same set, with a filter.
    pub const fn with_filter(mut self, filter: BtfKfuncFilter) -> BtfKfuncIdSet {
        self.filter = Some(filter);
        self
    }
}

impl fmt::Debug for BtfKfuncIdSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BtfKfuncIdSet")
            .field("owner", &self.owner)
            .field("set_flags", &self.set.set_flags())
            .field("pairs", &self.set.pairs())
            .field("filter", &self.filter.is_some())
            .finish()
    }
}

/// One `register_btf_kfunc_id_set(prog_type, &kset)` call, as
/// [`register_btf_kfunc_id_set!`](crate::register_btf_kfunc_id_set) records it.
#[derive(Clone, Copy, Debug)]
pub struct KfuncRegistration {
    /// The program type given to the call.
    pub prog_type: BpfProgType,
    /// The set registered.
    pub kset: &'static BtfKfuncIdSet,
    /// Where it was declared: the module path and name of the set's static.
    pub name: &'static str,
}

impl KfuncRegistration {
    /// A registration record; the macro makes these.
    pub const fn new(
        prog_type: BpfProgType,
        kset: &'static BtfKfuncIdSet,
        name: &'static str,
    ) -> KfuncRegistration {
        KfuncRegistration {
            prog_type,
            kset,
            name,
        }
    }

    /// The hook the registration targets, `None` for a program type without
    /// one.
    pub const fn hook(&self) -> Option<KfuncHook> {
        self.prog_type.kfunc_hook()
    }
}

/// Every [`register_btf_kfunc_id_set!`](crate::register_btf_kfunc_id_set) in the binary.
#[doc(hidden)]
#[linkme::distributed_slice]
pub static BTF_KFUNC_ID_SET_REGISTRATIONS: [KfuncRegistration];

/// A name table: resolved function IDs in declaration order beside their
/// names, so the registry can name a kfunc it finds. See
/// [`btf_kfunc_names!`](crate::btf_kfunc_names).
#[derive(Clone, Copy)]
pub struct KfuncNameTable {
    /// The `BTF_ID_LIST` of the functions (0 until resolved).
    pub ids: &'static dyn IdTable,
    /// Their names, same order.
    pub names: &'static [&'static str],
}

/// A type-erased `BTF_ID_LIST`.
pub trait IdTable: Sync {
    /// The IDs in declaration order.
    fn ids(&self) -> &[u32];
}

impl<const N: usize> IdTable for BtfIdList<N> {
    fn ids(&self) -> &[u32] {
        self.as_slice()
    }
}

impl KfuncNameTable {
    /// The name listed for `id`, if any (never for ID 0, the unresolved
    /// value).
    pub fn name_of(&self, id: u32) -> Option<&'static str> {
        if id == 0 {
            return None;
        }
        let i = self.ids.ids().iter().position(|&x| x == id)?;
        self.names.get(i).copied()
    }
}

/// Every [`btf_kfunc_names!`](crate::btf_kfunc_names) in the binary.
#[doc(hidden)]
#[linkme::distributed_slice]
pub static BTF_KFUNC_NAME_TABLES: [KfuncNameTable];

/// Registers a [`BtfKfuncIdSet`] for a program type, like the kernel's
/// `register_btf_kfunc_id_set(prog_type, &kset)` in a module's init function.
///
/// Two forms:
///
/// * `register_btf_kfunc_id_set!(PROG_TYPE, static NAME = <BtfKfuncIdSet expr>);`
///   declares the set's static (attributes and visibility allowed) and
///   registers it;
/// * `register_btf_kfunc_id_set!(PROG_TYPE, NAME);` registers an existing
///   `static NAME: BtfKfuncIdSet` again, for another program type.
///
/// `PROG_TYPE` is any [`BpfProgType`] expression. Registrations from every
/// crate linked into the binary are collected at link time; read them
/// through [`KfuncRegistry::global`]. Whether the kernel would have accepted
/// one is answered by [`KfuncRegistry::register_result`].
///
/// ```
/// use btf_ids_runtime::registry::*;
/// btf_ids_runtime::btf_kfuncs! { static XDP_KFUNCS = [func bpf_xdp_metadata_rx_hash]; }
/// btf_ids_runtime::register_btf_kfunc_id_set!(
///     BPF_PROG_TYPE_XDP,
///     pub static XDP_KFUNC_SET = BtfKfuncIdSet::new(XDP_KFUNCS).with_owner("xdp_demo")
/// );
/// fn main() {
///     let regs = KfuncRegistry::global().registrations();
///     assert!(regs.iter().any(|r| r.name.ends_with("XDP_KFUNC_SET")));
/// }
/// ```
#[macro_export]
macro_rules! register_btf_kfunc_id_set {
    ($prog_type:expr, $(#[$attr:meta])* $vis:vis static $name:ident = $kset:expr $(;)?) => {
        $(#[$attr])*
        $vis static $name: $crate::registry::BtfKfuncIdSet = $kset;
        $crate::register_btf_kfunc_id_set!($prog_type, $name);
    };
    ($prog_type:expr, $kset:path $(;)?) => {
        const _: () = {
            #[$crate::registry::linkme::distributed_slice(
                $crate::registry::BTF_KFUNC_ID_SET_REGISTRATIONS
            )]
            #[linkme(crate = $crate::registry::linkme)]
            static REGISTRATION: $crate::registry::KfuncRegistration =
                $crate::registry::KfuncRegistration::new(
                    $prog_type,
                    &$kset,
                    ::core::concat!(::core::module_path!(), "::", ::core::stringify!($kset)),
                );
        };
    };
}

/// Declares the names of kfuncs as a `BTF_ID_LIST` of functions, so the
/// registry can name the kfuncs it finds once resolve_btfids has run.
///
/// `btf_kfunc_names!(mod NAME = [func, ...]);` makes a module `NAME` holding
/// the list (`IDS`) and the table (`TABLE`), and adds the table to the ones
/// [`KfuncRegistry::global`] reads.
///
/// ```
/// btf_ids_runtime::btf_kfunc_names!(mod task_names = [bpf_task_acquire, bpf_task_release]);
/// fn main() {
///     assert_eq!(task_names::TABLE.names, ["bpf_task_acquire", "bpf_task_release"]);
///     // Unresolved, every ID is 0 and no name is known.
///     assert_eq!(task_names::TABLE.name_of(0), None);
///     assert_eq!(btf_ids_runtime::registry::KfuncRegistry::global().kfunc_name(0), None);
/// }
/// ```
#[macro_export]
macro_rules! btf_kfunc_names {
    ($(#[$attr:meta])* $vis:vis mod $name:ident = [$($func:ident),+ $(,)?] $(;)?) => {
        $(#[$attr])*
        $vis mod $name {
            $crate::btf_id_list! { pub static IDS = [$(func $func),+]; }
            /// The IDs beside their names.
            #[$crate::registry::linkme::distributed_slice(
                $crate::registry::BTF_KFUNC_NAME_TABLES
            )]
            #[linkme(crate = $crate::registry::linkme)]
            pub static TABLE: $crate::registry::KfuncNameTable = $crate::registry::KfuncNameTable {
                ids: IDS,
                names: &[$(::core::stringify!($func)),+],
            };
        }
    };
}

// ---------------------------------------------------------------------------
// Registration rules
// ---------------------------------------------------------------------------

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
struct Replay {
    counts: [usize; BTF_KFUNC_HOOK_MAX],
    filters: [[Option<BtfKfuncFilter>; BTF_KFUNC_FILTER_MAX_CNT]; BTF_KFUNC_HOOK_MAX],
    nr_filters: [usize; BTF_KFUNC_HOOK_MAX],
}

impl Replay {
    fn new() -> Replay {
        Replay {
            counts: [0; BTF_KFUNC_HOOK_MAX],
            filters: [[None; BTF_KFUNC_FILTER_MAX_CNT]; BTF_KFUNC_HOOK_MAX],
            nr_filters: [0; BTF_KFUNC_HOOK_MAX],
        }
    }

    /// Applies one registration as `register_btf_kfunc_id_set` would.
    fn register(&mut self, reg: &KfuncRegistration) -> Result<(), RegisterError> {
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

// ---------------------------------------------------------------------------
// The registry
// ---------------------------------------------------------------------------

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
    /// Every registration and name table linked into this binary.
    pub fn global() -> KfuncRegistry<'static> {
        KfuncRegistry {
            regs: &BTF_KFUNC_ID_SET_REGISTRATIONS,
            names: &BTF_KFUNC_NAME_TABLES,
        }
    }
}

impl<'a> KfuncRegistry<'a> {
    /// A registry over registrations and name tables of your own, for
    /// tests and tools.
    pub const fn from_parts(
        regs: &'a [KfuncRegistration],
        names: &'a [KfuncNameTable],
    ) -> KfuncRegistry<'a> {
        KfuncRegistry { regs, names }
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
        let regs = self.regs;
        regs.iter().enumerate().map(move |(i, r)| {
            let mut replay = Replay::new();
            for earlier in regs[..i].iter().filter(|e| e.kset.owner == r.kset.owner) {
                let _ = replay.register(earlier);
            }
            (r, replay.register(r))
        })
    }

    /// The kfunc tables: `None` (vmlinux) first, then each module owner in
    /// order of first registration.
    pub fn owners(&self) -> impl Iterator<Item = Option<&'static str>> + 'a {
        let regs = self.regs;
        let vmlinux = regs.iter().any(|r| r.kset.owner.is_none());
        let modules = regs.iter().enumerate().filter_map(move |(i, r)| {
            let owner = r.kset.owner?;
            let first = !regs[..i].iter().any(|e| e.kset.owner == Some(owner));
            first.then_some(Some(owner))
        });
        vmlinux.then_some(None).into_iter().chain(modules)
    }

    /// What `register_btf_kfunc_id_set` returns for the `index`th
    /// registration (earlier ones count against the per-hook limits).
    pub fn register_result(&self, index: usize) -> Option<Result<(), RegisterError>> {
        self.register_results().nth(index).map(|(_, r)| r)
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
        self.register_results()
            .filter(move |(r, res)| res.is_ok() && r.hook() == Some(hook))
            .map(|(r, _)| r)
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
