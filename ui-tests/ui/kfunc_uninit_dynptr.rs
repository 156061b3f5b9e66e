// A module kfunc that initialises a dynptr: 6.12 refuses every call of it
// with -EINVAL and no message (shown in QEMU by the rsk/uninit case), so it
// is refused here. `__uninit` on anything else is harmless, and accepted.
#![allow(non_camel_case_types)]

use btf_ids_runtime::kfunc;

#[repr(C)]
pub struct bpf_dynptr {}

#[kfunc]
pub unsafe extern "C" fn bpf_my_dynptr_init(ptr__uninit: *mut bpf_dynptr) -> i32 {
    let _ = ptr__uninit;
    0
}

#[kfunc]
pub unsafe extern "C" fn bpf_my_other(buf__uninit: *mut u64) -> i32 {
    let _ = buf__uninit;
    0
}

fn main() {}
