// A kfunc's arguments travel in R1 to R5: at most five.
#![allow(non_camel_case_types)]

use btf_ids_runtime::kfunc;

#[kfunc]
pub extern "C" fn bpf_six(a: u64, b: u64, c: u64, d: u64, e: u64, f: u64) -> u64 {
    a + b + c + d + e + f
}

fn main() {}
