//! Program types and kfunc hooks: `enum bpf_prog_type`, `enum
//! btf_kfunc_hook`, `bpf_prog_type_to_kfunc_hook()` and the kernel's
//! per-hook limits.

use core::fmt;

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
