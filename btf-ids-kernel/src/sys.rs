//! The one raw bpf() entry point that the other modules share.

use std::io;

/// `bpf(cmd, attr, sizeof *attr)`: the non-negative result, or `errno`.
///
/// # Safety
///
/// `T` must be `#[repr(C)]` with the layout of the part of `union bpf_attr`
/// that `cmd` reads (uapi/linux/bpf.h), and every pointer that `attr` holds
/// must be valid for what `cmd` does with it (read or written, for the length
/// given beside it) for the duration of the call.
pub(crate) unsafe fn bpf<T>(cmd: u32, attr: &mut T) -> io::Result<i64> {
    // SAFETY: the caller vouches for attr's layout and pointers; the size
    // passed is exactly that of *attr, which the kernel copies in (and, for
    // commands that answer through attr, out).
    let ret = unsafe {
        libc::syscall(
            libc::SYS_bpf,
            cmd as libc::c_long,
            attr as *mut T,
            std::mem::size_of::<T>() as libc::c_uint,
        )
    };
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}
