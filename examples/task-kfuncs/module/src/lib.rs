//! The module object: task-kfuncs plus what a kernel module brings itself.
#![no_std]

pub use task_kfuncs::*;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}
