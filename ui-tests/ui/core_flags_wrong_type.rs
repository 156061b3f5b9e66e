use btf_ids_runtime::btf_set8;

btf_set8! {
    static SET8 = [func bpf_task_acquire(true), func bpf_task_release(2u64),
                   func bpf_rcu_read_lock(-1i32)];
}

fn main() {}
