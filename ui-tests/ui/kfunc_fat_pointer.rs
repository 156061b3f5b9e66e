// A kfunc argument travels in one 64-bit register: no fat pointers (slices,
// `str`, trait objects), which BTF cannot describe either. An alias of one
// is caught by the type system.
#![allow(non_camel_case_types, improper_ctypes_definitions)]

use btf_ids_runtime::kfunc;

pub trait Shape {}

pub type bytes = &'static [u8];

#[kfunc]
pub extern "C" fn bpf_bytes(b: &[u8]) -> u32 {
    b.len() as u32
}

#[kfunc]
pub extern "C" fn bpf_name(name: &str) {
    let _ = name;
}

#[kfunc]
pub extern "C" fn bpf_raw_slice(p: *const [u64]) {
    let _ = p;
}

#[kfunc]
pub extern "C" fn bpf_dyn(s: &dyn Shape) {
    let _ = s;
}

#[kfunc]
pub extern "C" fn bpf_dyn_ret(p: *mut u8) -> *mut dyn Shape {
    let _ = p;
    unimplemented!()
}

#[kfunc]
pub extern "C" fn bpf_alias(b: bytes) {
    let _ = b;
}

fn main() {}
