//! One kfunc per verifier rule of the table in docs/kfuncs.md ("The rules,
//! in the kernel"): each flag and each argument suffix 6.12 knows, so the
//! QEMU harness can show a program the verifier accepts and one it refuses
//! for every rule.
//!
//! The bodies are small but real: each returns something the accepted
//! program's `BPF_PROG_TEST_RUN` result checks, so a call that reached the
//! wrong function, or none, fails the case.

use crate::{rs_obj, task_struct};
use btf_ids_runtime::kfunc;
use core::ffi::c_void;

/// vmlinux's `struct bpf_dynptr`, opaque here and pointed at vmlinux's type
/// by `btf-ids resolve -b`, which is how the verifier recognises a dynptr
/// argument.
#[repr(C)]
pub struct bpf_dynptr {}

/// 1 for a task. `rcu`: an RCU pointer (a `__rcu` field read inside
/// `bpf_rcu_read_lock()`) is accepted, as is a trusted one.
#[kfunc(rcu)]
pub unsafe extern "C" fn bpf_rs_task_rcu(task: *mut task_struct) -> u32 {
    u32::from(!task.is_null())
}

/// `x + 1`; the program must hold `bpf_rcu_read_lock()`.
#[kfunc(rcu_protected)]
pub extern "C" fn bpf_rs_rcu_protected(x: u64) -> u64 {
    x.wrapping_add(1)
}

/// `x * 2`; only sleepable programs may call it.
#[kfunc(sleepable)]
pub extern "C" fn bpf_rs_sleepable(x: u64) -> u64 {
    x.wrapping_mul(2)
}

/// `x + 2`. `destructive` is a promise to the verifier, which then asks the
/// loader for CAP_SYS_BOOT; this one destroys nothing.
#[kfunc(destructive)]
pub extern "C" fn bpf_rs_destructive(x: u64) -> u64 {
    x.wrapping_add(2)
}

/// The sum of `buf__szk` bytes at `buf`, whose size must be a constant.
#[kfunc]
pub unsafe extern "C" fn bpf_rs_memsum_k(buf: *const u8, buf__szk: u32) -> u64 {
    // SAFETY: the verifier proved `buf__szk` readable bytes at `buf`.
    let bytes = unsafe { core::slice::from_raw_parts(buf, buf__szk as usize) };
    bytes.iter().map(|&b| u64::from(b)).sum()
}

/// `x * factor__k`, the factor a known constant.
#[kfunc]
pub extern "C" fn bpf_rs_scale(x: u64, factor__k: u64) -> u64 {
    x.wrapping_mul(factor__k)
}

/// `x`; the verifier does not look at `obj__ign`, and neither does this.
#[kfunc]
pub unsafe extern "C" fn bpf_rs_ign(x: u64, obj__ign: *mut rs_obj) -> u64 {
    let _ = obj__ign;
    x
}

/// [`bpf_rs_ign`] without the suffix: the verifier now checks `obj`.
#[kfunc]
pub unsafe extern "C" fn bpf_rs_noign(x: u64, obj: *mut rs_obj) -> u64 {
    let _ = obj;
    x
}

/// Takes an uninitialised dynptr to fill in, as the kernel's dynptr
/// constructors do; returns 0 without touching it.
///
/// Not a `#[kfunc]`: the attribute refuses an `__uninit` dynptr, because
/// 6.12 refuses every call of such a module kfunc (it knows the dynptr kind
/// only of its own constructors). It is listed as `func
/// bpf_rs_dynptr_init(0)` so the QEMU harness can show that refusal.
#[unsafe(no_mangle)]
#[inline(never)]
#[allow(non_snake_case)]
pub unsafe extern "C" fn bpf_rs_dynptr_init(ptr__uninit: *mut bpf_dynptr) -> i32 {
    let _ = ptr__uninit;
    0
}

/// 3 for any initialised dynptr: the argument has no suffix, so the
/// verifier demands an initialised one.
#[kfunc]
pub unsafe extern "C" fn bpf_rs_dynptr_used(ptr: *const bpf_dynptr) -> u32 {
    u32::from(!ptr.is_null()) * 3
}

/// The sum of the `buf__sz` bytes at `buf`, or 1000 when `buf__opt` is
/// NULL, which `__opt` allows.
#[kfunc]
pub unsafe extern "C" fn bpf_rs_memsum_opt(buf__opt: *const u8, buf__sz: u32) -> u64 {
    if buf__opt.is_null() {
        return 1000;
    }
    // SAFETY: non-NULL, so the verifier proved `buf__sz` readable bytes.
    let bytes = unsafe { core::slice::from_raw_parts(buf__opt, buf__sz as usize) };
    bytes.iter().map(|&b| u64::from(b)).sum()
}

/// 1 for a task, 7 for NULL, which `__nullable` lets through the trusted
/// checks.
#[kfunc(trusted_args)]
pub unsafe extern "C" fn bpf_rs_task_nullable(task__nullable: *mut task_struct) -> u32 {
    if task__nullable.is_null() {
        7
    } else {
        1
    }
}

/// The length of the constant string at `s__str` (read-only map data).
#[kfunc]
pub unsafe extern "C" fn bpf_rs_strlen(s__str: *const u8) -> u64 {
    // SAFETY: the verifier proved a NUL-terminated string in frozen,
    // read-only map memory.
    unsafe { core::ffi::CStr::from_ptr(s__str.cast()) }.count_bytes() as u64
}

/// 1 for the map pointer the program passes as `map__map`.
#[kfunc]
pub unsafe extern "C" fn bpf_rs_map_ptr(map__map: *mut c_void) -> u32 {
    u32::from(!map__map.is_null())
}

/// `x + 1` when the verifier filled in `aux__prog` (the program's
/// `struct bpf_prog_aux *`), whatever the program passed.
#[kfunc]
pub unsafe extern "C" fn bpf_rs_prog(x: u64, aux__prog: *mut c_void) -> u64 {
    x.wrapping_add(u64::from(!aux__prog.is_null()))
}

/// Read-only bytes 0, 1, 2, ... that [`bpf_rs_rdonly_buf`] hands out.
static RDONLY: [u8; 64] = {
    let mut b = [0u8; 64];
    let mut i = 0;
    while i < 64 {
        b[i] = i as u8 + 1;
        i += 1;
    }
    b
};

/// `rdonly_buf_size` read-only bytes (1, 2, 3, ...), or NULL past 64: the
/// verifier sizes the returned memory from the constant argument.
#[kfunc(ret_null)]
pub extern "C" fn bpf_rs_rdonly_buf(rdonly_buf_size: u32) -> *const u8 {
    if rdonly_buf_size as usize <= RDONLY.len() {
        RDONLY.as_ptr()
    } else {
        core::ptr::null()
    }
}

/// A buffer programs may write through [`bpf_rs_rdwr_buf`]. Programs of
/// one CPU at a time use it in the tests; the kfunc hands out the same
/// bytes to every caller, as a per-CPU scratch buffer would.
static mut RDWR: [u8; 64] = [0; 64];

/// `rdwr_buf_size` writable bytes, or NULL past 64: the verifier sizes the
/// returned memory from the constant argument and lets the program write.
#[kfunc(ret_null)]
pub extern "C" fn bpf_rs_rdwr_buf(rdwr_buf_size: u32) -> *mut u8 {
    if rdwr_buf_size as usize <= 64 {
        &raw mut RDWR as *mut u8
    } else {
        core::ptr::null_mut()
    }
}

/// Two numbers, passed and returned by value by the two functions below.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct rs_pair {
    /// The first.
    pub a: u32,
    /// The second.
    pub b: u32,
}

/// `p.a + p.b`, with the struct passed by value (8 bytes, one register).
///
/// Not a `#[kfunc]`, which refuses a struct by value: 6.12's verifier
/// refuses every such argument, whatever its size. Listed as `func
/// bpf_rs_pair_sum(0)` so the QEMU harness shows that refusal.
#[unsafe(no_mangle)]
#[inline(never)]
pub extern "C" fn bpf_rs_pair_sum(p: rs_pair) -> u64 {
    u64::from(p.a) + u64::from(p.b)
}

/// `{ x, x + 1 }`, a struct returned by value; as [`bpf_rs_pair_sum`], not
/// a `#[kfunc]`.
#[unsafe(no_mangle)]
#[inline(never)]
pub extern "C" fn bpf_rs_pair_make(x: u32) -> rs_pair {
    rs_pair {
        a: x,
        b: x.wrapping_add(1),
    }
}
