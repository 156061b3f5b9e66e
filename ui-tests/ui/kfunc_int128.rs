// No 128-bit integers by value: BPF passes each argument in one 64-bit
// register and returns one in R0, while the C ABI gives a 128-bit integer
// two. An alias is caught by the type system.
#![allow(non_camel_case_types, improper_ctypes_definitions)]

use btf_ids_runtime::kfunc;

pub type wide = u128;

#[kfunc]
pub extern "C" fn bpf_wide(x: u128) -> i128 {
    x as i128
}

#[kfunc]
pub extern "C" fn bpf_wide_alias(x: wide) {
    let _ = x;
}

// Behind a pointer a 128-bit integer is plain memory: no error.
#[kfunc]
pub unsafe extern "C" fn bpf_wide_ptr(x: *mut u128) {
    let _ = x;
}

fn main() {}
