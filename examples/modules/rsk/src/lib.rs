//! `rsk.ko`: a kernel module written in Rust only. kbuild still generates
//! `rsk.mod.c` (`__this_module`, vermagic, symbol versions); everything C's
//! `module_init`, `module_exit` and `MODULE_*` lines give comes from
//! [`kernel_module!`](btf_ids_runtime::kernel_module).
#![no_std]

// The kfuncs, their set and the registration live in rsk-kfuncs; linking it
// in is what puts them in this module.
use rsk_kfuncs::register;

fn rsk_init() -> i32 {
    register(c"rsk")
}

fn rsk_exit() {
    // The kernel drops a module's kfunc sets with its BTF at unload.
}

btf_ids_runtime::kernel_module! {
    init: rsk_init,
    exit: rsk_exit,
    license: "GPL",
    author: "btf-ids",
    description: "Rust kfuncs registered from a Rust-only module",
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}
