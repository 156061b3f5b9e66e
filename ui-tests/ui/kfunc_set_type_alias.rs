// A set reaches a kfunc through its name in the macro namespace (the hidden
// twin #[kfunc] defines): a `use ... as` alias works and gives the real name,
// but a `type` alias names a type, never the function, so it is an error
// rather than a wrong name in .BTF_ids.
#![allow(non_camel_case_types)]

use btf_ids_runtime::{btf_kfuncs, kfunc};

// A type and a kfunc of the same name: legal Rust.
#[repr(C)]
pub struct bpf_obj {
    refs: u32,
}

#[kfunc(release)]
pub extern "C" fn bpf_obj(p: *mut bpf_obj) {
    let _ = p;
}

pub type obj_alias = bpf_obj;

btf_kfuncs! { static SET = [obj_alias]; }

fn main() {
    let _ = SET.len();
}
