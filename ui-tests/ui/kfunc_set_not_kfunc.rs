// btf_kfuncs! lists #[kfunc] functions: a plain function has no flags to give.
// A set reads a kfunc through its hidden macro twin, so rustc says "cannot
// find macro" and notes what the name is instead.
#![allow(non_camel_case_types)]

use btf_ids_runtime::{btf_kfuncs, kfunc};

#[kfunc(sleepable)]
pub extern "C" fn bpf_good(x: u32) -> u32 {
    x
}

#[unsafe(no_mangle)]
pub extern "C" fn bpf_plain(x: u32) -> u32 {
    x
}

#[repr(C)]
pub struct task_struct {
    pid: i32,
}

btf_kfuncs! { static SET = [bpf_good, bpf_plain, task_struct]; }

fn main() {
    let _ = SET.len();
}
