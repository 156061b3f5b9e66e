//! A kernel-style crate, as a module's init would register its kfuncs:
//!
//! * `TASK_KFUNCS` (`bpf_task_acquire`, `bpf_task_release`) for
//!   `BPF_PROG_TYPE_TRACING` and `BPF_PROG_TYPE_SYSCALL`, no filter;
//! * `RCU_KFUNCS` (`bpf_rcu_read_lock`, `bpf_rcu_read_unlock`) for
//!   `BPF_PROG_TYPE_UNSPEC`, that is the COMMON hook every program type
//!   sees.
//!
//! The names are real vmlinux kfuncs, so the kernel's resolve_btfids resolves
//! a binary linking this crate against /sys/kernel/btf/vmlinux.
#![no_std]

use btf_ids_runtime::flags::*;
use btf_ids_runtime::registry::*;
use btf_ids_runtime::{btf_kfunc_names, btf_kfuncs, register_btf_kfunc_id_set};

btf_kfuncs! {
    /// Task reference kfuncs, flags as vmlinux gives them.
    pub static TASK_KFUNCS = [func bpf_task_acquire(KF_ACQUIRE | KF_RCU | KF_RET_NULL),
                              func bpf_task_release(KF_RELEASE)];
}

btf_kfuncs! {
    /// RCU read-side section kfuncs.
    pub static RCU_KFUNCS = [func bpf_rcu_read_lock, func bpf_rcu_read_unlock];
}

register_btf_kfunc_id_set!(
    BPF_PROG_TYPE_TRACING,
    /// The task set, registered for tracing and syscall programs.
    pub static TASK_KFUNC_SET = BtfKfuncIdSet::new(TASK_KFUNCS).with_owner("kfuncs_a")
);
register_btf_kfunc_id_set!(BPF_PROG_TYPE_SYSCALL, TASK_KFUNC_SET);

register_btf_kfunc_id_set!(
    BPF_PROG_TYPE_UNSPEC,
    /// The RCU set, on the COMMON hook.
    pub static RCU_KFUNC_SET = BtfKfuncIdSet {
        owner: Some("kfuncs_a"),
        set: RCU_KFUNCS,
        filter: None,
    }
);

btf_kfunc_names!(
    /// Names of this crate's kfuncs, for the registry's reports.
    pub mod names = [bpf_task_acquire, bpf_task_release, bpf_rcu_read_lock, bpf_rcu_read_unlock]
);

/// The registrations this crate makes, as `(program type, set static)`.
pub const REGISTRATIONS: [(BpfProgType, &str); 3] = [
    (BPF_PROG_TYPE_TRACING, "TASK_KFUNC_SET"),
    (BPF_PROG_TYPE_SYSCALL, "TASK_KFUNC_SET"),
    (BPF_PROG_TYPE_UNSPEC, "RCU_KFUNC_SET"),
];
