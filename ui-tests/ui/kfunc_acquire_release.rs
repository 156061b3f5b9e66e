// KF_ACQUIRE and KF_RELEASE on one kfunc: it would both hand out and take back
// a reference.
#![allow(non_camel_case_types)]

use btf_ids_runtime::kfunc;

#[repr(C)]
pub struct task_struct {
    pid: i32,
}

#[kfunc(acquire, ret_null, release)]
pub unsafe extern "C" fn bpf_task_swap(p: *mut task_struct) -> *mut task_struct {
    p
}

#[kfunc(release, acquire)]
pub unsafe extern "C" fn bpf_task_swap2(p: *mut task_struct) -> *mut task_struct {
    p
}

fn main() {}
