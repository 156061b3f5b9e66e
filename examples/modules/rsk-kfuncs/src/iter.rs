//! An open-coded iterator, the trio `bpf_iter_<type>_{new,next,destroy}`:
//! the numbers `start..end`, as `bpf_iter_num` gives them in the kernel.

use btf_ids_runtime::kfunc;

/// The iterator's state, on the BPF program's stack. The kernel demands a
/// struct named `bpf_iter_<type>` whose size is a non-zero multiple of 8.
#[repr(C)]
pub struct bpf_iter_rs {
    /// The next number to hand out.
    pub cur: u32,
    /// One past the last number.
    pub end: u32,
    /// The number `next` handed out last (it returns a pointer to it).
    pub value: u32,
    /// Keeps the size a multiple of 8 with no implicit padding.
    pub pad: u32,
}

/// Starts `it` at `start`, to stop before `end`; 0, or -22 (`-EINVAL`) and
/// an empty iterator when `start > end`.
#[kfunc(iter_new)]
pub unsafe extern "C" fn bpf_iter_rs_new(it: *mut bpf_iter_rs, start: u32, end: u32) -> i32 {
    let (cur, end, rc) = if start <= end {
        (start, end, 0)
    } else {
        (0, 0, -22)
    };
    // SAFETY: the verifier passes the program's 16-byte stack slot.
    unsafe {
        it.write(bpf_iter_rs {
            cur,
            end,
            value: 0,
            pad: 0,
        })
    };
    rc
}

/// A pointer to the next number, or NULL when the iterator is done.
#[kfunc(iter_next, ret_null)]
pub unsafe extern "C" fn bpf_iter_rs_next(it: *mut bpf_iter_rs) -> *mut u32 {
    // SAFETY: an iterator bpf_iter_rs_new initialised (the verifier's rule).
    let it = unsafe { &mut *it };
    if it.cur >= it.end {
        return core::ptr::null_mut();
    }
    it.value = it.cur;
    it.cur += 1;
    &raw mut it.value
}

/// Ends the iteration; nothing to free.
#[kfunc(iter_destroy)]
pub unsafe extern "C" fn bpf_iter_rs_destroy(it: *mut bpf_iter_rs) {
    let _ = it;
}

/// How many numbers `it__iter` has left: a live iterator given to a kfunc
/// that is not one of its trio.
#[kfunc]
pub unsafe extern "C" fn bpf_rs_iter_left(it__iter: *mut bpf_iter_rs) -> u32 {
    // SAFETY: an initialised iterator (the verifier's rule for `__iter`).
    let it = unsafe { &*it__iter };
    it.end.saturating_sub(it.cur)
}

/// The same iterator over `start..end`, whose constructor is
/// `rcu_protected`: the program must use it inside `bpf_rcu_read_lock()`.
#[repr(C)]
pub struct bpf_iter_rsrcu {
    /// The plain iterator's state.
    pub inner: bpf_iter_rs,
}

/// [`bpf_iter_rs_new`], for use under RCU.
#[kfunc(iter_new, rcu_protected)]
pub unsafe extern "C" fn bpf_iter_rsrcu_new(it: *mut bpf_iter_rsrcu, start: u32, end: u32) -> i32 {
    // SAFETY: as bpf_iter_rs_new; `inner` is at offset 0.
    unsafe { bpf_iter_rs_new(&raw mut (*it).inner, start, end) }
}

/// [`bpf_iter_rs_next`].
#[kfunc(iter_next, ret_null)]
pub unsafe extern "C" fn bpf_iter_rsrcu_next(it: *mut bpf_iter_rsrcu) -> *mut u32 {
    // SAFETY: as bpf_iter_rs_next.
    unsafe { bpf_iter_rs_next(&raw mut (*it).inner) }
}

/// [`bpf_iter_rs_destroy`].
#[kfunc(iter_destroy)]
pub unsafe extern "C" fn bpf_iter_rsrcu_destroy(it: *mut bpf_iter_rsrcu) {
    // SAFETY: as bpf_iter_rs_destroy.
    unsafe { bpf_iter_rs_destroy(&raw mut (*it).inner) }
}
