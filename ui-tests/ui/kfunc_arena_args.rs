// arena_arg1 and arena_arg2 mark argument 1 and 2 as arena pointers.
#![allow(non_camel_case_types)]

use btf_ids_runtime::kfunc;

#[kfunc(arena_arg1)]
pub extern "C" fn bpf_arena_put(addr: u64) {
    let _ = addr;
}

#[kfunc(arena_arg2)]
pub extern "C" fn bpf_arena_one(p: *mut u8) {
    let _ = p;
}

#[kfunc(arena_arg1, arena_arg2)]
pub extern "C" fn bpf_arena_pair(p: *mut u8, count: [u8; 4]) {
    let _ = (p, count);
}

fn main() {}
