// __sz and __szk: an integer that directly follows the pointer it sizes.
#![allow(non_camel_case_types)]

use btf_ids_runtime::kfunc;

pub type size_t = usize;
pub struct Buffer {
    len: usize,
}

#[kfunc]
pub extern "C" fn bpf_fill_float(mem: *mut u8, mem__sz: f64) {
    let _ = (mem, mem__sz);
}

#[kfunc]
pub extern "C" fn bpf_fill_first(len__sz: u32, mem: *mut u8) {
    let _ = (len__sz, mem);
}

#[kfunc]
pub extern "C" fn bpf_fill_after_int(off: u64, len__szk: u32) {
    let _ = (off, len__szk);
}

#[kfunc]
pub extern "C" fn bpf_fill_struct(mem: *mut u8, len__sz: Buffer) {
    let _ = (mem, len__sz);
}

#[kfunc]
pub extern "C" fn bpf_fill_after_alias(off: size_t, len__sz: size_t) {
    let _ = (off, len__sz);
}

fn main() {}
