// KF_* names the kernel has are written as numbers by the macro; any other
// name, a misspelt one too, is left to rustc, which reports it where it is.
use btf_ids_runtime::btf_set8;
use btf_ids_runtime::flags::*;

btf_set8! {
    static SET8 = [
        func bpf_task_acquire(KF_ACQUIRE | KF_RET_NUL),
        func bpf_task_release(KF_RELEASE),
    ];
}

fn main() {}
