use btf_ids_runtime::{btf_id_list, btf_set, btf_set8, btf_kfuncs};

// Lists are positional: repeating a name is fine.
btf_id_list! {
    static LIST = [struct file, struct file];
}

btf_set! {
    static SET = [struct file, struct task_struct, struct file];
}

btf_set8! {
    static SET8 = [func bpf_task_acquire(1), func bpf_task_acquire(5)];
}

btf_kfuncs! {
    static KFUNCS = [func bpf_rcu_read_lock, func bpf_rcu_read_lock(0)];
}

// The same name under another kind is another ID.
btf_set! {
    static DIFFERENT_KINDS = [struct DataType, typedef DataType];
}

fn main() {}
