// `impl Trait` makes a function generic (or its return opaque); BTF describes
// one concrete prototype per kfunc.
use btf_ids_runtime::kfunc;

#[kfunc]
pub extern "C" fn bpf_any(x: impl Copy) {
    let _ = x;
}

#[kfunc]
pub extern "C" fn bpf_opaque(x: u32) -> impl Copy {
    x
}

fn main() {}
