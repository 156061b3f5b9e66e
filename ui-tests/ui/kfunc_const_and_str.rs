// __k needs an integer; __str and the other pointer suffixes need a pointer;
// __iter needs a pointer to a bpf_iter_<type> struct.
#![allow(non_camel_case_types)]

use btf_ids_runtime::kfunc;

#[kfunc]
pub extern "C" fn bpf_obj_new_like(local_type_id__k: *mut u64, meta__ign: *mut u8) -> *mut u8 {
    let _ = local_type_id__k;
    meta__ign
}

#[kfunc]
pub extern "C" fn bpf_xattr_like(name__str: u64, value__nullable: bool) -> i32 {
    let _ = (name__str, value__nullable);
    0
}

#[repr(C)]
pub struct num_iter {
    state: u64,
}

#[kfunc]
pub extern "C" fn bpf_iter_peek(it__iter: *mut num_iter) -> i32 {
    let _ = it__iter;
    0
}

fn main() {}
