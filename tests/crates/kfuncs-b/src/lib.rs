//! A second kernel-style crate:
//!
//! * `CGROUP_KFUNCS` (`bpf_cgroup_acquire`, `bpf_cgroup_release`) for
//!   `BPF_PROG_TYPE_TRACING` and `BPF_PROG_TYPE_SCHED_CLS`, with a filter
//!   that denies them to iterator programs (`BPF_TRACE_ITER`);
//! * `CGROUP_LOOKUP_KFUNCS` (`bpf_cgroup_from_id`) on the COMMON hook, with a
//!   filter that denies it to XDP programs;
//! * `XDP_KFUNCS` (`bpf_dynptr_from_xdp`, `bpf_xdp_metadata_rx_hash`,
//!   `bpf_xdp_metadata_rx_timestamp`) for `BPF_PROG_TYPE_XDP` only, as
//!   vmlinux registers them;
//! * four registrations the kernel refuses, one per rule: a set without
//!   `BTF_SET8_KFUNCS`, a program type without a kfunc hook, conflicting
//!   iterator flags, and a name BTF does not have (its ID stays 0).
#![no_std]

use btf_ids_runtime::flags::*;
use btf_ids_runtime::registry::*;
use btf_ids_runtime::{btf_kfunc_names, btf_kfuncs, btf_set8, register_btf_kfunc_id_set};

/// `BPF_TRACE_ITER` of `enum bpf_attach_type`.
pub const BPF_TRACE_ITER: u32 = 28;
/// `EACCES`, what kernel filters return negated.
pub const EACCES: i32 = 13;

btf_kfuncs! {
    /// Cgroup reference kfuncs.
    pub static CGROUP_KFUNCS = [func bpf_cgroup_acquire(KF_ACQUIRE | KF_RCU | KF_RET_NULL),
                                func bpf_cgroup_release(KF_RELEASE)];
}

/// Denies the cgroup kfuncs to iterator programs; every other ID passes.
pub fn cgroup_filter(prog: &BpfProg, kfunc_id: u32) -> i32 {
    if CGROUP_KFUNCS.contains(kfunc_id) && prog.expected_attach_type == BPF_TRACE_ITER {
        -EACCES
    } else {
        0
    }
}

register_btf_kfunc_id_set!(
    BPF_PROG_TYPE_TRACING,
    /// The cgroup set, for tracing and tc programs, filtered.
    pub static CGROUP_KFUNC_SET = BtfKfuncIdSet::new(CGROUP_KFUNCS)
        .with_owner("kfuncs_b")
        .with_filter(cgroup_filter)
);
register_btf_kfunc_id_set!(BPF_PROG_TYPE_SCHED_CLS, CGROUP_KFUNC_SET);

btf_kfuncs! {
    /// Cgroup lookup by ID.
    pub static CGROUP_LOOKUP_KFUNCS = [func bpf_cgroup_from_id(KF_ACQUIRE | KF_RET_NULL)];
}

/// Denies `bpf_cgroup_from_id` to XDP programs; every other ID passes.
pub fn no_xdp_filter(prog: &BpfProg, kfunc_id: u32) -> i32 {
    if CGROUP_LOOKUP_KFUNCS.contains(kfunc_id) && prog.prog_type == BPF_PROG_TYPE_XDP {
        -EACCES
    } else {
        0
    }
}

register_btf_kfunc_id_set!(
    BPF_PROG_TYPE_UNSPEC,
    /// On the COMMON hook, filtered.
    pub static CGROUP_LOOKUP_KFUNC_SET = BtfKfuncIdSet::new(CGROUP_LOOKUP_KFUNCS)
        .with_owner("kfuncs_b")
        .with_filter(no_xdp_filter)
);

btf_kfuncs! {
    /// XDP kfuncs.
    pub static XDP_KFUNCS = [
        func bpf_dynptr_from_xdp,
        func bpf_xdp_metadata_rx_hash,
        func bpf_xdp_metadata_rx_timestamp,
    ];
}

register_btf_kfunc_id_set!(
    BPF_PROG_TYPE_XDP,
    /// XDP programs only.
    pub static XDP_KFUNC_SET = BtfKfuncIdSet::new(XDP_KFUNCS).with_owner("kfuncs_b")
);

// Registrations the kernel refuses.

btf_set8! {
    /// A plain set8: no `BTF_SET8_KFUNCS` flag.
    pub static NOT_KFUNCS = [func bpf_task_from_pid(KF_ACQUIRE | KF_RET_NULL)];
}
register_btf_kfunc_id_set!(
    BPF_PROG_TYPE_TRACING,
    /// Refused: `-EINVAL`, not a kfunc set.
    pub static NOT_KFUNC_SET = BtfKfuncIdSet::new(NOT_KFUNCS)
);

btf_kfuncs! {
    /// A kfunc set for a program type without hook.
    pub static SK_MSG_KFUNCS = [func bpf_task_from_pid(KF_ACQUIRE | KF_RET_NULL)];
}
register_btf_kfunc_id_set!(
    BPF_PROG_TYPE_SK_MSG,
    /// Refused: `-EINVAL`, SK_MSG has no kfunc hook.
    pub static SK_MSG_KFUNC_SET = BtfKfuncIdSet::new(SK_MSG_KFUNCS)
);

btf_kfuncs! {
    /// An iterator constructor that also claims to be `next`.
    pub static BAD_ITER_KFUNCS = [func bpf_iter_num_new(KF_ITER_NEW | KF_ITER_NEXT)];
}
register_btf_kfunc_id_set!(
    BPF_PROG_TYPE_SYSCALL,
    /// Refused: `-EINVAL`, iterator flags are exclusive.
    pub static BAD_ITER_KFUNC_SET = BtfKfuncIdSet::new(BAD_ITER_KFUNCS)
);

btf_kfuncs! {
    /// A name no BTF has: resolve_btfids warns and leaves its ID 0.
    pub static MISSING_KFUNCS = [func bpf_kfuncs_b_no_such_function];
}
register_btf_kfunc_id_set!(
    BPF_PROG_TYPE_SYSCALL,
    /// Refused once resolved: `-EINVAL`, ID 0 is not a function.
    pub static MISSING_KFUNC_SET = BtfKfuncIdSet::new(MISSING_KFUNCS)
);

btf_kfunc_names!(
    /// Names of this crate's kfuncs.
    pub mod names = [
        bpf_cgroup_acquire,
        bpf_cgroup_release,
        bpf_cgroup_from_id,
        bpf_dynptr_from_xdp,
        bpf_xdp_metadata_rx_hash,
        bpf_xdp_metadata_rx_timestamp,
        bpf_task_from_pid,
        bpf_iter_num_new
    ]
);

/// The registrations this crate makes, as `(program type, set static)`.
pub const REGISTRATIONS: [(BpfProgType, &str); 8] = [
    (BPF_PROG_TYPE_TRACING, "CGROUP_KFUNC_SET"),
    (BPF_PROG_TYPE_SCHED_CLS, "CGROUP_KFUNC_SET"),
    (BPF_PROG_TYPE_UNSPEC, "CGROUP_LOOKUP_KFUNC_SET"),
    (BPF_PROG_TYPE_XDP, "XDP_KFUNC_SET"),
    (BPF_PROG_TYPE_TRACING, "NOT_KFUNC_SET"),
    (BPF_PROG_TYPE_SK_MSG, "SK_MSG_KFUNC_SET"),
    (BPF_PROG_TYPE_SYSCALL, "BAD_ITER_KFUNC_SET"),
    (BPF_PROG_TYPE_SYSCALL, "MISSING_KFUNC_SET"),
];
