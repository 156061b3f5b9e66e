// Flags are the kernel's KF_* names in lower case, each given once.
#![allow(non_camel_case_types)]

use btf_ids_runtime::kfunc;

#[kfunc(sleepabel, KF_DESTRUCTIVE, trusted_arg, frobnicate)]
pub extern "C" fn bpf_reboot_now(x: u32) -> u32 {
    x
}

#[kfunc(rcu, sleepable, rcu, 42, destructive = true)]
pub extern "C" fn bpf_rcu_twice(x: u32) -> u32 {
    x
}

fn main() {}
