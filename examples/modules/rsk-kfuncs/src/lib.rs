//! The kfuncs of the example modules `rsk` (Rust only) and `rsk_shim` (a C
//! shim around the same Rust code), and the one set both register.
//!
//! Written as a kernel subsystem writes them in C: `__bpf_kfunc` functions,
//! one `BTF_KFUNCS_START` set, a `struct btf_kfunc_id_set` per program type,
//! `register_btf_kfunc_id_set()` from the module's init. The QEMU harness
//! (btf-ids-vm) loads the modules into Debian's 6.12 kernel and calls every
//! kfunc from BPF programs.
#![no_std]
#![allow(non_camel_case_types, clippy::missing_safety_doc)]

use btf_ids_runtime::kernel::{
    _printk, bpf_prog, register_btf_kfunc_id_set, BtfKfuncIdSet, BPF_PROG_TYPE_SCHED_CLS,
    BPF_PROG_TYPE_SYSCALL, EACCES,
};
use btf_ids_runtime::{btf_id_list, btf_kfuncs, kfunc};
use core::ffi::CStr;
use core::sync::atomic::{AtomicU32, Ordering};

pub mod iter;
pub mod rules;

/// vmlinux's `struct task_struct`, declared the natural way: an opaque
/// struct with no members. `btf-ids resolve -b vmlinux` points the module's
/// BTF at vmlinux's type, so the verifier takes a kernel task for it.
#[repr(C)]
pub struct task_struct {}

/// An object the module hands out with a reference (`bpf_rs_obj_new`) and
/// takes back (`bpf_rs_obj_release`).
#[repr(C)]
pub struct rs_obj {
    /// What `bpf_rs_obj_new` was given.
    pub value: u64,
    /// References held; 0 marks a free slot of the pool.
    pub refs: u32,
    /// Keeps the layout free of implicit padding.
    pub pad: u32,
}

const POOL_LEN: usize = 16;

/// Objects come from a fixed pool: a module has no heap here.
static mut POOL: [rs_obj; POOL_LEN] = [const {
    rs_obj {
        value: 0,
        refs: 0,
        pad: 0,
    }
}; POOL_LEN];

fn refs_of(obj: *mut rs_obj) -> &'static AtomicU32 {
    // SAFETY: `obj` points into POOL (the verifier only lets programs pass
    // pointers bpf_rs_obj_new returned); `refs` is only ever accessed
    // atomically, and u32 has AtomicU32's alignment.
    unsafe { AtomicU32::from_ptr(&raw mut (*obj).refs) }
}

/// `a + b`: the smallest kfunc there is.
#[kfunc]
pub extern "C" fn bpf_rs_add(a: u64, b: u64) -> u64 {
    a.wrapping_add(b)
}

/// A new object holding `value`, with one reference the program must drop;
/// NULL when the pool is exhausted.
#[kfunc(acquire, ret_null)]
pub unsafe extern "C" fn bpf_rs_obj_new(value: u64) -> *mut rs_obj {
    for i in 0..POOL_LEN {
        // SAFETY: in bounds; no reference to POOL is formed.
        let obj = unsafe { (&raw mut POOL[0]).add(i) };
        if refs_of(obj)
            .compare_exchange(0, 1, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
        {
            // SAFETY: the slot is ours since the exchange above.
            unsafe { (*obj).value = value };
            return obj;
        }
    }
    core::ptr::null_mut()
}

/// The value the object was made with.
#[kfunc(trusted_args)]
pub unsafe extern "C" fn bpf_rs_obj_value(obj: *mut rs_obj) -> u64 {
    // SAFETY: a trusted, referenced object from bpf_rs_obj_new.
    unsafe { (*obj).value }
}

/// Drop the reference `bpf_rs_obj_new` handed out.
#[kfunc(release)]
pub unsafe extern "C" fn bpf_rs_obj_release(obj: *mut rs_obj) {
    refs_of(obj).fetch_sub(1, Ordering::Release);
}

/// 1 for a task: a vmlinux task pointer reaches a Rust kfunc.
#[kfunc(trusted_args)]
pub unsafe extern "C" fn bpf_rs_task_nonnull(task: *mut task_struct) -> u32 {
    u32::from(!task.is_null())
}

/// The sum of the `buf__sz` bytes at `buf`; the verifier checks the size
/// against the memory the program passes.
#[kfunc]
pub unsafe extern "C" fn bpf_rs_memsum(buf: *const u8, buf__sz: u32) -> u64 {
    // SAFETY: the verifier proved `buf__sz` readable bytes at `buf`.
    let bytes = unsafe { core::slice::from_raw_parts(buf, buf__sz as usize) };
    bytes.iter().map(|&b| u64::from(b)).sum()
}

/// `x + 1`, which the SCHED_CLS registration's filter hides.
#[kfunc]
pub extern "C" fn bpf_rs_filtered(x: u64) -> u64 {
    x.wrapping_add(1)
}

btf_kfuncs! {
    /// `BTF_KFUNCS_START(rsk_kfuncs)`: every kfunc of the module.
    pub static RSK_KFUNCS = [
        bpf_rs_add,
        bpf_rs_obj_new,
        bpf_rs_obj_value,
        bpf_rs_obj_release,
        bpf_rs_task_nonnull,
        bpf_rs_memsum,
        bpf_rs_filtered,
        // One per rule of docs/kfuncs.md's table.
        rules::bpf_rs_task_rcu,
        rules::bpf_rs_rcu_protected,
        rules::bpf_rs_sleepable,
        rules::bpf_rs_destructive,
        rules::bpf_rs_memsum_k,
        rules::bpf_rs_scale,
        rules::bpf_rs_ign,
        rules::bpf_rs_noign,
        // What #[kfunc] refuses, listed by name to show the kernel's refusal.
        func bpf_rs_dynptr_init(0),
        func bpf_rs_pair_sum(0),
        func bpf_rs_pair_make(0),
        rules::bpf_rs_dynptr_used,
        rules::bpf_rs_memsum_opt,
        rules::bpf_rs_task_nullable,
        rules::bpf_rs_strlen,
        rules::bpf_rs_map_ptr,
        rules::bpf_rs_prog,
        rules::bpf_rs_rdonly_buf,
        rules::bpf_rs_rdwr_buf,
        iter::bpf_iter_rs_new,
        iter::bpf_iter_rs_next,
        iter::bpf_iter_rs_destroy,
        iter::bpf_rs_iter_left,
        iter::bpf_iter_rsrcu_new,
        iter::bpf_iter_rsrcu_next,
        iter::bpf_iter_rsrcu_destroy,
    ];
}

btf_id_list! {
    /// `BTF_ID_LIST_SINGLE(rsk_filtered_id, func, bpf_rs_filtered)`: the one
    /// kfunc the filter hides.
    static RSK_FILTERED_ID = func bpf_rs_filtered;
}

/// `btf_kfunc_filter_t` of the SCHED_CLS registration: hides
/// `bpf_rs_filtered`, lets the rest through. The kernel runs the filters of
/// the program's hook only, so SYSCALL programs never see it.
unsafe extern "C" fn rsk_filter(_prog: *const bpf_prog, kfunc_id: u32) -> i32 {
    if kfunc_id == RSK_FILTERED_ID[0] {
        -EACCES
    } else {
        0
    }
}

/// `{ .owner = THIS_MODULE, .set = &rsk_kfuncs }`
static RSK_SET: BtfKfuncIdSet = BtfKfuncIdSet::new(RSK_KFUNCS);
/// `{ .owner = THIS_MODULE, .set = &rsk_kfuncs, .filter = rsk_filter }`
static RSK_FILTERED_SET: BtfKfuncIdSet = BtfKfuncIdSet::new(RSK_KFUNCS).with_filter(rsk_filter);

/// Registers the set for SYSCALL programs, and behind the filter for
/// SCHED_CLS programs; logs each result as `<module>: register <TYPE> = <rc>`
/// (the QEMU harness reads these lines). Returns the first failure, or 0.
pub fn register(module: &CStr) -> i32 {
    let registrations: [(&CStr, u32, &BtfKfuncIdSet); 2] = [
        (c"SYSCALL", BPF_PROG_TYPE_SYSCALL, &RSK_SET),
        (c"SCHED_CLS", BPF_PROG_TYPE_SCHED_CLS, &RSK_FILTERED_SET),
    ];
    for (name, prog_type, set) in registrations {
        // SAFETY: the set is a static of the 6.12 layout that lives as long
        // as the module; the kernel keeps the pointer until unload.
        let rc = unsafe { register_btf_kfunc_id_set(prog_type, set) };
        // SAFETY: a KERN_INFO format whose two %s and one %d match the
        // NUL-terminated strings and the int passed.
        unsafe {
            _printk(
                c"\x016%s: register %s = %d\n".as_ptr(),
                module.as_ptr(),
                name.as_ptr(),
                rc,
            )
        };
        if rc != 0 {
            return rc;
        }
    }
    0
}
