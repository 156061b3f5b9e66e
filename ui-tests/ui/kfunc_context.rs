// A kfunc is a free function at module level, as in C: not a method, not an
// associated function, not a function inside another function's body.
#![allow(non_camel_case_types)]

use btf_ids_runtime::kfunc;

pub struct Ctx;

impl Ctx {
    // Names `Self`: seen by the macro.
    #[kfunc]
    pub extern "C" fn bpf_ctx_new() -> *mut Self {
        core::ptr::null_mut()
    }
}

pub trait Ops {
    // No body: not a function item.
    #[kfunc]
    extern "C" fn bpf_required(x: u32) -> u32;
}

pub fn outer() -> u32 {
    // In a block: seen by the type system.
    #[kfunc]
    pub extern "C" fn bpf_nested(x: u32) -> u32 {
        x
    }
    bpf_nested(1)
}

fn main() {}
