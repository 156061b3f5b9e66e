//! The `btf-ids` command: [`btf_ids_tool::cli`] does the work.
//!
//! A kernel build runs the command once per module, mostly to find nothing
//! to do, so starting fast matters: `main` is the C one (`#![no_main]`),
//! without the Rust runtime's start-up (it reads /proc/self/maps for the
//! main thread's stack guard and sets up a signal stack, about a tenth of
//! a millisecond here).

#![no_main]

use std::ffi::{c_char, c_int, CStr, OsString};
use std::os::unix::ffi::OsStringExt;

/// The C `main`: runs [`btf_ids_tool::cli::run`] on `argv`, flushes stdout
/// (the Rust runtime would), and turns a panic into exit status 101 as the
/// Rust runtime does.
#[no_mangle]
extern "C" fn main(argc: c_int, argv: *const *const c_char) -> c_int {
    // `argv` itself, not `std::env::args_os`: std fills that in before
    // `main` on glibc only, and the kbuild build is linked with musl.
    let args = (0..usize::try_from(argc).unwrap_or(0))
        .map(|i| {
            // SAFETY: the C start-up code passes `argc` pointers to
            // NUL-terminated strings in `argv`, alive for the whole run.
            let arg = unsafe { CStr::from_ptr(*argv.add(i)) };
            OsString::from_vec(arg.to_bytes().to_vec())
        })
        .collect();
    let code = std::panic::catch_unwind(|| btf_ids_tool::cli::run(args)).unwrap_or(101);
    use std::io::Write;
    let _ = std::io::stdout().flush();
    code
}
