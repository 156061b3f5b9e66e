//! The `btf-ids` command: [`btf_ids_tool::cli`] does the work.
//!
//! A kernel build runs the command once per module, mostly to find nothing
//! to do, so starting fast matters: `main` is the C one (`#![no_main]`),
//! without the Rust runtime's start-up (it reads /proc/self/maps for the
//! main thread's stack guard and sets up a signal stack, about a tenth of
//! a millisecond here).

#![no_main]

/// The C `main`: runs [`btf_ids_tool::cli::run`], flushes stdout (the Rust
/// runtime would), and turns a panic into exit status 101 as the Rust
/// runtime does.
#[no_mangle]
pub extern "C" fn main(_argc: i32, _argv: *const *const u8) -> i32 {
    // std captures argc and argv before this runs (glibc's init_array), so
    // `std::env::args_os` works as usual.
    let code = std::panic::catch_unwind(btf_ids_tool::cli::run).unwrap_or(101);
    use std::io::Write;
    let _ = std::io::stdout().flush();
    code
}
