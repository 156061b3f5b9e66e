// No floating point in a kfunc's signature: Linux 6.12 refuses a FLOAT
// argument or return value (btf_distill_func_proto), and kernel code runs
// without the FPU. Written types are judged by the macro, aliases by the
// type system.
#![allow(non_camel_case_types)]

use btf_ids_runtime::kfunc;

pub type real = f64;

#[kfunc]
pub extern "C" fn bpf_scale(x: f64, factor: u32) -> u64 {
    let _ = (x, factor);
    0
}

#[kfunc]
pub extern "C" fn bpf_ratio(a: u32) -> f32 {
    a as f32
}

#[kfunc]
pub unsafe extern "C" fn bpf_sum(v: *const f64, v__sz: u32) -> u64 {
    let _ = (v, v__sz);
    0
}

#[kfunc]
pub extern "C" fn bpf_c_double(x: core::ffi::c_double) {
    let _ = x;
}

#[kfunc]
pub extern "C" fn bpf_real(x: real) {
    let _ = x;
}

fn main() {}
