// The macro writes the kernel's KF_* names as numbers, but rustc still
// resolves each of them where it is written: it must be in scope and a u32.
mod not_imported {
    use btf_ids_runtime::btf_set8;

    btf_set8! {
        static SET8 = [func bpf_task_acquire(KF_ACQUIRE | KF_RET_NULL)];
    }
}

mod wrong_type {
    use btf_ids_runtime::btf_set8;

    const KF_RCU: u64 = 1 << 7;

    btf_set8! {
        static SET8 = [func bpf_task_from_pid(KF_RCU)];
    }
}

fn main() {}
