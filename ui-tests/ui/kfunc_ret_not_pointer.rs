// acquire, ret_null and arena_ret need a raw pointer return; acquire needs a
// pointer to a struct or union (PTR_TO_BTF_ID).
#![allow(non_camel_case_types)]

use btf_ids_runtime::kfunc;

#[repr(C)]
pub struct task_struct {
    pid: i32,
}

pub type cookie_t = u64;

#[kfunc(ret_null)]
pub extern "C" fn bpf_get_pid(p: *mut task_struct) -> u32 {
    p as u32
}

#[kfunc(acquire)]
pub extern "C" fn bpf_grab(_p: *mut task_struct) {}

#[kfunc(acquire, ret_null)]
pub extern "C" fn bpf_grab_bytes(p: *mut u8) -> *mut u8 {
    p
}

#[kfunc(arena_ret)]
pub extern "C" fn bpf_arena_ref(p: &task_struct) -> &task_struct {
    p
}

#[kfunc(ret_null)]
pub extern "C" fn bpf_cookie(_p: *mut task_struct) -> cookie_t {
    0
}

fn main() {}
