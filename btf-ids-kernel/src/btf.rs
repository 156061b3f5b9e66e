//! The kernel's BTF objects: vmlinux and one per module that has BTF.
//!
//! `BPF_BTF_GET_NEXT_ID` walks their IDs, `BPF_BTF_GET_FD_BY_ID` opens one
//! and `BPF_OBJ_GET_INFO_BY_FD` tells its name (the module's name, or
//! `vmlinux`). A program that calls a module's kfunc passes that fd in its
//! `fd_array`.
//!
//! ```no_run
//! let fd = btf_ids_kernel::btf::find_kernel_btf("rsk")?.expect("rsk has no BTF");
//! # Ok::<(), std::io::Error>(())
//! ```

use crate::sys;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

const BPF_OBJ_GET_INFO_BY_FD: u32 = 15;
const BPF_BTF_GET_FD_BY_ID: u32 = 19;
const BPF_BTF_GET_NEXT_ID: u32 = 23;

/// The `start_id` / `btf_id` part of `union bpf_attr` used by the
/// `*_GET_NEXT_ID` and `*_GET_FD_BY_ID` commands.
#[repr(C)]
#[derive(Default)]
struct IdAttr {
    id: u32,
    next_id: u32,
    open_flags: u32,
}

/// The `info` part of `union bpf_attr` (`BPF_OBJ_GET_INFO_BY_FD`).
#[repr(C)]
#[derive(Default)]
struct InfoAttr {
    bpf_fd: u32,
    info_len: u32,
    info: u64,
}

/// `struct bpf_btf_info` (uapi/linux/bpf.h).
#[repr(C, align(8))]
#[derive(Default)]
struct BtfInfoRaw {
    btf: u64,
    btf_size: u32,
    id: u32,
    name: u64,
    name_len: u32,
    kernel_btf: u32,
}

const _: () = assert!(std::mem::size_of::<IdAttr>() == 12);
const _: () = assert!(std::mem::size_of::<InfoAttr>() == 16);
const _: () = assert!(std::mem::size_of::<BtfInfoRaw>() == 32);

/// What `BPF_OBJ_GET_INFO_BY_FD` says about a BTF object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BtfInfo {
    /// The object's ID.
    pub id: u32,
    /// Its name: `vmlinux`, a module's name, or empty for BTF loaded by a
    /// program.
    pub name: String,
    /// True for the kernel's own BTF (vmlinux or a module).
    pub kernel_btf: bool,
    /// The size of the raw BTF in bytes.
    pub size: u32,
}

/// The first BTF object ID after `start` (0 for the first), or `None` past
/// the last.
pub fn next_id(start: u32) -> io::Result<Option<u32>> {
    let mut attr = IdAttr {
        id: start,
        ..Default::default()
    };
    // SAFETY: IdAttr is the start_id/next_id/open_flags prefix that
    // BPF_BTF_GET_NEXT_ID reads and writes; it holds no pointers.
    match unsafe { sys::bpf(BPF_BTF_GET_NEXT_ID, &mut attr) } {
        Ok(_) => Ok(Some(attr.next_id)),
        Err(e) if e.raw_os_error() == Some(libc::ENOENT) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Opens the BTF object `id` (`BPF_BTF_GET_FD_BY_ID`).
pub fn fd_by_id(id: u32) -> io::Result<OwnedFd> {
    let mut attr = IdAttr {
        id,
        ..Default::default()
    };
    // SAFETY: IdAttr is the btf_id/next_id/open_flags prefix that
    // BPF_BTF_GET_FD_BY_ID reads; it holds no pointers.
    let fd = unsafe { sys::bpf(BPF_BTF_GET_FD_BY_ID, &mut attr) }?;
    // SAFETY: a non-negative return is a new fd that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// Describes the BTF object behind `fd` (its raw bytes are not fetched).
pub fn info(fd: BorrowedFd<'_>) -> io::Result<BtfInfo> {
    let mut name = [0u8; 64];
    let mut raw = BtfInfoRaw {
        name: name.as_mut_ptr() as u64,
        name_len: name.len() as u32,
        ..Default::default()
    };
    let mut attr = InfoAttr {
        bpf_fd: fd.as_raw_fd() as u32,
        info_len: std::mem::size_of::<BtfInfoRaw>() as u32,
        info: &mut raw as *mut BtfInfoRaw as u64,
    };
    // SAFETY: InfoAttr is the `info` member of union bpf_attr; it points at
    // a struct bpf_btf_info of info_len bytes, whose `name` points at a
    // writable buffer of name_len bytes; both outlive the call. btf = 0 asks
    // for no raw data.
    unsafe { sys::bpf(BPF_OBJ_GET_INFO_BY_FD, &mut attr) }?;
    let len = name.iter().position(|&b| b == 0).unwrap_or(name.len());
    Ok(BtfInfo {
        id: raw.id,
        name: String::from_utf8_lossy(&name[..len]).into_owned(),
        kernel_btf: raw.kernel_btf != 0,
        size: raw.btf_size,
    })
}

/// Every BTF object the kernel has, opened, with its description.
/// Objects that vanish during the walk are skipped.
pub fn all() -> io::Result<Vec<(OwnedFd, BtfInfo)>> {
    let mut out = Vec::new();
    let mut id = 0;
    while let Some(next) = next_id(id)? {
        id = next;
        let fd = match fd_by_id(id) {
            Ok(fd) => fd,
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => continue,
            Err(e) => return Err(e),
        };
        let info = info(fd.as_fd())?;
        out.push((fd, info));
    }
    Ok(out)
}

/// The fd of the kernel BTF object called `name` (a module's name, or
/// `vmlinux`), or `None` when there is none.
pub fn find_kernel_btf(name: &str) -> io::Result<Option<OwnedFd>> {
    Ok(all()?
        .into_iter()
        .find(|(_, info)| info.kernel_btf && info.name == name)
        .map(|(fd, _)| fd))
}
