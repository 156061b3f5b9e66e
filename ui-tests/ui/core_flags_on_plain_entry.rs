use btf_ids_runtime::{btf_id_list, btf_set};

btf_id_list! {
    static LIST = [func bpf_task_acquire(1)];
}

btf_set! {
    static SET = [func bpf_task_release, func bpf_task_acquire(2)];
}

fn main() {}
