//! `mymod.ko`, written from docs/modules.md alone.
#![no_std]
#![allow(non_camel_case_types)]

use btf_ids_runtime::kernel::{register_btf_kfunc_id_set, BtfKfuncIdSet, BPF_PROG_TYPE_SYSCALL};
use btf_ids_runtime::{btf_kfuncs, kernel_module, kfunc};

/// vmlinux's task_struct: declare it opaque, with no members.
#[repr(C)]
pub struct task_struct {}

#[kfunc]
pub extern "C" fn mymod_add(a: u64, b: u64) -> u64 {
    a + b
}

#[kfunc(trusted_args)]
pub unsafe extern "C" fn mymod_is_task(task: *mut task_struct) -> u32 {
    u32::from(!task.is_null())
}

btf_kfuncs! {
    pub static MYMOD_KFUNCS = [mymod_add, mymod_is_task];
}

static MYMOD_SET: BtfKfuncIdSet = BtfKfuncIdSet::new(MYMOD_KFUNCS);

fn mymod_init() -> i32 {
    unsafe { register_btf_kfunc_id_set(BPF_PROG_TYPE_SYSCALL, &MYMOD_SET) }
}

fn mymod_exit() {}

kernel_module! {
    init: mymod_init,
    exit: mymod_exit,
    license: "GPL",
    author: "you",
    description: "Rust kfuncs",
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}
