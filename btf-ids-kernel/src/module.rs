//! Loading and unloading kernel modules: `finit_module` and
//! `delete_module`.
//!
//! ```no_run
//! use btf_ids_kernel::module;
//! use std::time::Duration;
//!
//! let ko = std::fs::File::open("/modules/rsk.ko")?;
//! module::finit_module(&ko, c"", 0)?;
//! module::delete_module("rsk", module::UNLOAD_RETRIES, Duration::from_millis(50))?;
//! # Ok::<(), std::io::Error>(())
//! ```

use std::ffi::{CStr, CString};
use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::time::Duration;

/// How many times [`delete_module`] is usually asked to retry: with 50 ms
/// pauses, 5 s for the references of freed programs to drain.
pub const UNLOAD_RETRIES: u32 = 100;

/// Loads the module in `file` with the parameter string `params`
/// (`finit_module(2)`; `flags` such as `MODULE_INIT_IGNORE_VERMAGIC`, usually
/// 0). The module's init function has run when this returns `Ok`.
pub fn finit_module(file: &File, params: &CStr, flags: u32) -> io::Result<()> {
    // SAFETY: the fd is open for the call, params is NUL-terminated and
    // outlives it; the kernel only reads both.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_finit_module,
            file.as_raw_fd() as libc::c_long,
            params.as_ptr(),
            flags as libc::c_long,
        )
    };
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// Unloads the module `name` (`delete_module(2)` with `O_NONBLOCK`). While
/// something still holds the module it sleeps `pause` and tries again, up to
/// `retries` more times: `EAGAIN` (`EWOULDBLOCK`) while its reference count
/// has not drained, which is what 6.12 answers for the 4 to 6 × 50 ms after
/// the last program that called its kfuncs was closed (programs are freed
/// after an RCU grace period), and `EBUSY` while it is still coming or
/// going. Returns how many retries it took.
pub fn delete_module(name: &str, retries: u32, pause: Duration) -> io::Result<u32> {
    let cname = CString::new(name).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
    let mut tries = 0;
    loop {
        // SAFETY: cname is NUL-terminated and outlives the call; the kernel
        // only reads it.
        let ret = unsafe {
            libc::syscall(
                libc::SYS_delete_module,
                cname.as_ptr(),
                libc::O_NONBLOCK as libc::c_long,
            )
        };
        if ret == 0 {
            return Ok(tries);
        }
        let e = io::Error::last_os_error();
        let busy = matches!(e.raw_os_error(), Some(libc::EBUSY) | Some(libc::EAGAIN));
        if !busy || tries >= retries {
            return Err(e);
        }
        tries += 1;
        std::thread::sleep(pause);
    }
}
