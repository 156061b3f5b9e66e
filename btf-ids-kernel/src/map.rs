//! BPF array maps, for programs that need map memory: `BPF_MAP_CREATE`,
//! `BPF_MAP_UPDATE_ELEM` and `BPF_MAP_FREEZE`. A frozen map created with
//! [`BPF_F_RDONLY_PROG`] is what the verifier calls read-only map data
//! (where a kfunc's `__str` argument must point).

use crate::sys;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

const BPF_MAP_CREATE: u32 = 0;
const BPF_MAP_UPDATE_ELEM: u32 = 2;
const BPF_MAP_FREEZE: u32 = 22;
/// `BPF_MAP_TYPE_ARRAY`.
pub const BPF_MAP_TYPE_ARRAY: u32 = 2;
/// `map_flags`: programs may only read the map.
pub const BPF_F_RDONLY_PROG: u32 = 1 << 7;

/// The `BPF_MAP_CREATE` part of `union bpf_attr`, up to `map_name`.
#[repr(C)]
#[derive(Default)]
struct MapCreateAttr {
    map_type: u32,
    key_size: u32,
    value_size: u32,
    max_entries: u32,
    map_flags: u32,
    inner_map_fd: u32,
    numa_node: u32,
    map_name: [u8; 16],
}

/// The `BPF_MAP_*_ELEM` part of `union bpf_attr`.
#[repr(C)]
#[derive(Default)]
struct MapElemAttr {
    map_fd: u32,
    pad: u32,
    key: u64,
    value: u64,
    flags: u64,
}

/// The `BPF_MAP_FREEZE` part of `union bpf_attr`.
#[repr(C)]
#[derive(Default)]
struct MapFdAttr {
    map_fd: u32,
}

/// A new array map of `max_entries` values of `value_size` bytes (keys are
/// `u32` indices), with `map_flags`.
pub fn create_array(value_size: u32, max_entries: u32, map_flags: u32) -> io::Result<OwnedFd> {
    let mut attr = MapCreateAttr {
        map_type: BPF_MAP_TYPE_ARRAY,
        key_size: 4,
        value_size,
        max_entries,
        map_flags,
        ..Default::default()
    };
    attr.map_name[..8].copy_from_slice(b"btf_ids\0");
    // SAFETY: attr is the BPF_MAP_CREATE prefix of union bpf_attr and holds
    // no pointers.
    let fd = unsafe { sys::bpf(BPF_MAP_CREATE, &mut attr) }?;
    // SAFETY: a non-negative return of BPF_MAP_CREATE is a new fd that
    // nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// Writes `value` (exactly the map's value size) at index `key`.
pub fn update(map: BorrowedFd<'_>, key: u32, value: &[u8]) -> io::Result<()> {
    let mut attr = MapElemAttr {
        map_fd: map.as_raw_fd() as u32,
        key: &key as *const u32 as u64,
        value: value.as_ptr() as u64,
        ..Default::default()
    };
    // SAFETY: attr is the BPF_MAP_UPDATE_ELEM part of union bpf_attr; key
    // and value point to live memory the kernel reads (key_size = 4 bytes,
    // value_size bytes, which the caller passes as `value`).
    unsafe { sys::bpf(BPF_MAP_UPDATE_ELEM, &mut attr) }.map(drop)
}

/// Freezes the map: no more writes from user space.
pub fn freeze(map: BorrowedFd<'_>) -> io::Result<()> {
    let mut attr = MapFdAttr {
        map_fd: map.as_raw_fd() as u32,
    };
    // SAFETY: attr is the BPF_MAP_FREEZE part of union bpf_attr.
    unsafe { sys::bpf(BPF_MAP_FREEZE, &mut attr) }.map(drop)
}

/// A frozen, read-only-to-programs array map of one value, `value`.
pub fn rodata(value: &[u8]) -> io::Result<OwnedFd> {
    let map = create_array(value.len() as u32, 1, BPF_F_RDONLY_PROG)?;
    update(map.as_fd(), 0, value)?;
    freeze(map.as_fd())?;
    Ok(map)
}
