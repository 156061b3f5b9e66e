//! Task kfuncs written the way a kernel subsystem writes them in C, with
//! `__bpf_kfunc`, `BTF_KFUNCS_START`/`BTF_ID_FLAGS`, `BTF_ID_LIST` and
//! `register_btf_kfunc_id_set()`.
//!
//! The functions work on opaque `task_struct` pointers, as Rust-for-Linux
//! bindings hand them to a module. `module/` links this crate into a kernel
//! module object; `src/bin/host.rs` reads the resolved views and judges BPF
//! call instructions against the registry (see scripts/main-job.sh).
#![no_std]
#![allow(non_camel_case_types, clippy::missing_safety_doc)]

use btf_ids_runtime::registry::{
    BpfProg, BtfKfuncIdSet, BPF_PROG_TYPE_SYSCALL, BPF_PROG_TYPE_TRACING,
};
use btf_ids_runtime::{
    btf_id_list, btf_kfunc_names, btf_kfuncs, btf_set, kfunc, register_btf_kfunc_id_set,
};
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// `struct task_struct` of vmlinux, only ever seen through a pointer.
#[repr(C)]
pub struct task_struct {
    _opaque: [u8; 0],
}

/// The open-coded iterator state of `bpf_iter_rtask_*`: BPF programs keep it
/// on their stack, so its size is part of the ABI.
#[repr(C)]
pub struct bpf_iter_rtask {
    next_pid: u32,
    end_pid: u32,
}

static REFS: AtomicU64 = AtomicU64::new(0);
static KILLS: AtomicU32 = AtomicU32::new(0);

/// Take a reference on `task`; the program must release it.
#[kfunc(acquire, ret_null, rcu)]
pub unsafe extern "C" fn bpf_rtask_acquire(task: *mut task_struct) -> *mut task_struct {
    if !task.is_null() {
        REFS.fetch_add(1, Ordering::Relaxed);
    }
    task
}

/// Drop a reference taken by `bpf_rtask_acquire` or `bpf_rtask_from_pid`.
#[kfunc(release)]
pub unsafe extern "C" fn bpf_rtask_release(task: *mut task_struct) {
    if !task.is_null() {
        REFS.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Look a task up by PID; NULL when there is none.
#[kfunc(acquire, ret_null)]
pub unsafe extern "C" fn bpf_rtask_from_pid(pid: i32) -> *mut task_struct {
    let _ = pid;
    core::ptr::null_mut()
}

/// Start iterating PIDs `first..first + count`.
#[kfunc(iter_new)]
pub unsafe extern "C" fn bpf_iter_rtask_new(
    it: *mut bpf_iter_rtask,
    first: u32,
    count: u32,
) -> i32 {
    let it = unsafe { &mut *it };
    it.next_pid = first;
    it.end_pid = first.saturating_add(count);
    0
}

/// The next PID, or NULL at the end.
#[kfunc(iter_next, ret_null)]
pub unsafe extern "C" fn bpf_iter_rtask_next(it: *mut bpf_iter_rtask) -> *mut u32 {
    let it = unsafe { &mut *it };
    if it.next_pid >= it.end_pid {
        return core::ptr::null_mut();
    }
    it.next_pid += 1;
    &mut it.next_pid
}

/// End the iteration.
#[kfunc(iter_destroy)]
pub unsafe extern "C" fn bpf_iter_rtask_destroy(it: *mut bpf_iter_rtask) {
    unsafe { (*it).next_pid = (*it).end_pid };
}

/// Copy the task's name into `buf` (`buf__sz` bytes); returns the length.
#[kfunc(trusted_args)]
pub unsafe extern "C" fn bpf_rtask_comm(task: *mut task_struct, buf: *mut u8, buf__sz: u32) -> i32 {
    let _ = task;
    let name = b"rtask";
    let n = name.len().min(buf__sz as usize);
    unsafe { core::ptr::copy_nonoverlapping(name.as_ptr(), buf, n) };
    n as i32
}

/// Send `sig` to the task: destructive, so the filter below only lets
/// sleepable syscall programs call it.
#[kfunc(destructive, sleepable)]
pub unsafe extern "C" fn bpf_rtask_kill(task: *mut task_struct, sig__k: u32) -> i32 {
    let _ = (task, sig__k);
    KILLS.fetch_add(1, Ordering::Relaxed);
    0
}

btf_kfuncs! {
    /// The task kfuncs every tracing and syscall program may call.
    pub static RTASK_KFUNCS = [
        bpf_rtask_acquire,
        bpf_rtask_release,
        bpf_rtask_from_pid,
        bpf_iter_rtask_new,
        bpf_iter_rtask_next,
        bpf_iter_rtask_destroy,
        bpf_rtask_comm,
    ];
    /// The destructive kfunc, registered behind [`rtask_kill_filter`].
    pub static RTASK_KILL_KFUNCS = [bpf_rtask_kill];
}

btf_kfunc_names! {
    /// Names for the registry's messages, and each kfunc's ID by name.
    pub mod rtask_names = [
        bpf_rtask_acquire,
        bpf_rtask_release,
        bpf_rtask_from_pid,
        bpf_iter_rtask_new,
        bpf_iter_rtask_next,
        bpf_iter_rtask_destroy,
        bpf_rtask_comm,
        bpf_rtask_kill,
    ]
}

/// Kernel types the kfuncs talk about, indexed by [`RtaskBtfType`] as the
/// kernel indexes `btf_tracing_ids[]` by `BTF_TRACING_TYPE_*`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(usize)]
pub enum RtaskBtfType {
    Task,
    File,
    Vma,
}

btf_id_list! {
    /// `BTF_ID_LIST(rtask_btf_ids)`, indexed by [`RtaskBtfType`].
    pub static RTASK_BTF_IDS = [struct task_struct, struct file, struct vm_area_struct];
    /// vmlinux kfuncs the host's demo programs call, built from these IDs.
    pub static VMLINUX_KFUNCS = [func bpf_rcu_read_lock, func bpf_rcu_read_unlock,
                                 func bpf_dynptr_from_xdp];
}

btf_set! {
    /// Types whose pointers the acquire kfuncs hand out.
    pub static RTASK_REFCOUNTED = [struct task_struct];
}

/// The BTF ID of one of [`RtaskBtfType`]'s types.
pub fn btf_id(ty: RtaskBtfType) -> u32 {
    RTASK_BTF_IDS[ty as usize]
}

/// A `btf_kfunc_filter_t`: non-zero hides `bpf_rtask_kill` from every
/// program but sleepable syscall programs. It answers 0 for IDs of other
/// sets, since every filter of a hook runs for every lookup there.
pub fn rtask_kill_filter(prog: &BpfProg, kfunc_id: u32) -> i32 {
    if !RTASK_KILL_KFUNCS.contains(kfunc_id) {
        return 0;
    }
    if prog.resolve_prog_type() == BPF_PROG_TYPE_SYSCALL && prog.sleepable {
        0
    } else {
        -1
    }
}

register_btf_kfunc_id_set!(
    BPF_PROG_TYPE_TRACING,
    static RTASK_KFUNC_SET = BtfKfuncIdSet::new(RTASK_KFUNCS)
);
register_btf_kfunc_id_set!(BPF_PROG_TYPE_SYSCALL, RTASK_KFUNC_SET);
register_btf_kfunc_id_set!(
    BPF_PROG_TYPE_SYSCALL,
    static RTASK_KILL_SET = BtfKfuncIdSet::new(RTASK_KILL_KFUNCS).with_filter(rtask_kill_filter)
);

/// What the module's init would check before registering: every kfunc
/// resolved, and the type list filled. Returns the number of kfuncs, or 0
/// when the object was never patched by a resolver.
#[unsafe(no_mangle)]
pub extern "C" fn rtask_module_init() -> u32 {
    let resolved = btf_id(RtaskBtfType::Task) != 0 && RTASK_REFCOUNTED.len() == 1;
    if resolved {
        (RTASK_KFUNCS.len() + RTASK_KILL_KFUNCS.len()) as u32
    } else {
        0
    }
}
