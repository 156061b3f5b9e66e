//! The Rust half of `rsk_shim.ko`: `shim.c` holds `module_init`,
//! `module_exit` and the `MODULE_*` lines, and calls
//! [`rsk_shim_register`] from its init.
#![no_std]

/// Registers the Rust kfuncs of rsk-kfuncs; called by shim.c's init.
/// Returns 0 or the kernel's -errno.
#[unsafe(no_mangle)]
pub extern "C" fn rsk_shim_register() -> i32 {
    rsk_kfuncs::register(c"rsk_shim")
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}
