// An iterator kfunc is exactly one of iter_new, iter_next and iter_destroy.
#![allow(non_camel_case_types)]

use btf_ids_runtime::kfunc;

#[repr(C)]
pub struct bpf_iter_num {
    state: u64,
}

#[kfunc(iter_new, iter_next)]
pub extern "C" fn bpf_iter_num_new(it: *mut bpf_iter_num, start: i32, end: i32) -> i32 {
    let _ = (it, start, end);
    0
}

#[kfunc(iter_next, iter_new, iter_destroy)]
pub extern "C" fn bpf_iter_num_next(it: *mut bpf_iter_num) -> *mut i32 {
    it.cast()
}

fn main() {}
