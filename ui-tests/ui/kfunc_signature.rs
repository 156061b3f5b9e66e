// A kfunc is a free, concrete, synchronous C-ABI function with named parameters.
#![allow(non_camel_case_types)]

use btf_ids_runtime::kfunc;

#[kfunc]
pub fn bpf_rust_abi(x: u32) -> u32 {
    x
}

#[kfunc]
pub extern "system" fn bpf_system_abi(x: u32) -> u32 {
    x
}

#[kfunc]
pub extern "C" fn bpf_generic<T: Copy>(x: T) -> T {
    x
}

#[kfunc]
pub async extern "C" fn bpf_async(x: u32) -> u32 {
    x
}

#[kfunc]
pub extern "C" fn bpf_pattern((a, b): (u32, u32)) -> u32 {
    a + b
}

pub struct Ctx;

impl Ctx {
    #[kfunc]
    pub extern "C" fn bpf_method(&self, x: u32) -> u32 {
        x
    }
}

#[kfunc]
#[unsafe(no_mangle)]
#[inline]
pub extern "C" fn bpf_own_attrs(x: u32) -> u32 {
    x
}

#[kfunc(sleepable)]
pub struct NotAFunction;

fn main() {}
