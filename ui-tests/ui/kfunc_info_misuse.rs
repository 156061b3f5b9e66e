// kfunc_info! reads a #[kfunc] function by path; the twin it reads is hidden
// and answers nothing else.
use btf_ids_runtime::{kfunc, kfunc_info};

#[kfunc(sleepable)]
pub extern "C" fn bpf_good(x: u32) -> u32 {
    x
}

#[unsafe(no_mangle)]
pub extern "C" fn bpf_plain(x: u32) -> u32 {
    x
}

fn main() {
    let _ = kfunc_info!(bpf_plain);
    let _ = bpf_good!();
}
