// KF_RELEASE takes back the reference a pointer argument holds ("release
// kernel function %s expects refcounted PTR_TO_BTF_ID"): a release kfunc
// needs a pointer argument. Aliases are judged by the type system.
#![allow(non_camel_case_types)]

use btf_ids_runtime::kfunc;

pub type handle = u64;

#[kfunc(release)]
pub extern "C" fn bpf_put_nothing() {}

#[kfunc(release)]
pub extern "C" fn bpf_put_id(id: u64, flags: u32) {
    let _ = (id, flags);
}

#[kfunc(release)]
pub extern "C" fn bpf_put_handle(h: handle) {
    let _ = h;
}

fn main() {}
