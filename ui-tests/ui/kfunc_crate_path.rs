// `crate = path` in #[kfunc] given twice, and without a path.
use btf_ids_runtime::kfunc;

#[kfunc(crate = btf_ids_runtime, crate = btf_ids_runtime)]
pub extern "C" fn bpf_twice(x: u32) -> u32 {
    x
}

#[kfunc(sleepable, crate =)]
pub extern "C" fn bpf_no_path(x: u32) -> u32 {
    x
}

fn main() {}
