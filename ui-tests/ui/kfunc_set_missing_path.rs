// btf_kfuncs! entries must name a function that exists.
#![allow(non_camel_case_types)]

use btf_ids_runtime::{btf_kfuncs, kfunc};

#[kfunc(sleepable)]
pub extern "C" fn bpf_good(x: u32) -> u32 {
    x
}

mod inner {}

btf_kfuncs! { static SET = [bpf_good, bpf_gone, inner::bpf_missing]; }

fn main() {
    let _ = SET.len();
}
