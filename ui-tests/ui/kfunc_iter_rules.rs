// The iterator rules of btf_check_iter_kfuncs: a pointer to a bpf_iter_<type>
// struct first, the bpf_iter_<type>_{new,next,destroy} name, one argument
// for next and destroy, a pointer from next, nothing from destroy, and a
// struct that fills whole 8-byte stack slots.
#![allow(non_camel_case_types)]

use btf_ids_runtime::kfunc;

#[repr(C)]
pub struct bpf_iter_num {
    state: u64,
}

#[repr(C)]
pub struct bpf_iter_small {
    state: u32,
}

#[repr(C)]
pub struct num_iter {
    state: u64,
}

#[kfunc(iter_new)]
pub extern "C" fn bpf_iter_foo_new(it: *mut num_iter, start: i32) -> i32 {
    let _ = (it, start);
    0
}

#[kfunc(iter_new)]
pub extern "C" fn bpf_iter_nums_new(it: *mut bpf_iter_num) -> i32 {
    let _ = it;
    0
}

#[kfunc(iter_next)]
pub extern "C" fn bpf_iter_num_next(it: *mut bpf_iter_num, step: u32) -> i32 {
    let _ = (it, step);
    0
}

#[kfunc(iter_destroy)]
pub extern "C" fn bpf_iter_num_destroy(it: *mut bpf_iter_num) -> i32 {
    let _ = it;
    0
}

#[kfunc(iter_next)]
pub extern "C" fn bpf_iter_none_next() -> *mut i32 {
    core::ptr::null_mut()
}

#[kfunc(iter_new)]
pub extern "C" fn bpf_iter_small_new(it: *mut bpf_iter_small) -> i32 {
    let _ = it;
    0
}

fn main() {}
