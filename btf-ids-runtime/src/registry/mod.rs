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

mod hooks;
mod lookup;
mod prog;
mod replay;
mod sets;
#[cfg(test)]
mod tests;

#[doc(hidden)]
pub use linkme;

// Every `BPF_PROG_TYPE_*` constant too, hence the glob.
pub use hooks::*;
pub use lookup::{
    btf_kfunc_id_set_contains, check_kfunc_call, CallRefused, HookAnswer, KfuncCallInfo,
    KfuncRegistry,
};
pub use prog::{BpfProg, BtfKfuncFilter};
pub use replay::{RegisterError, E2BIG, EINVAL};
pub use sets::{
    BtfKfuncIdSet, IdTable, KfuncNameTable, KfuncRegistration, KfuncSetData, KfuncSetView,
    BTF_KFUNC_ID_SET_REGISTRATIONS, BTF_KFUNC_NAME_TABLES,
};
