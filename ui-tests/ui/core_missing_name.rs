use btf_ids_runtime::{btf_id_list, btf_set8};

btf_id_list! {
    static LIST = [struct task_struct, func, typedef pid_t];
}

btf_set8! {
    static SET8 = [func(1)];
}

fn main() {}
