use btf_ids_runtime::{btf_id_list, btf_set};

btf_id_list! {
    static LIST = [struct task_struct, enum pid_type, unused];
}

btf_set! {
    static SET = [func bpf_task_acquire, type file];
}

fn main() {}
