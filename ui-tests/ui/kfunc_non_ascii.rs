// A kfunc's name is its symbol and its BTF name: a C identifier, ASCII only.
use btf_ids_runtime::{btf_kfuncs, kfunc};

#[kfunc]
pub extern "C" fn bpf_naïve(x: u32) -> u32 {
    x
}

btf_kfuncs! { static SET = [bpf_café]; }

fn main() {
    let _ = SET.len();
}
