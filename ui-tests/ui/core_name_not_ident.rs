use btf_ids_runtime::btf_id_list;

btf_id_list! {
    static LIST = [struct 42, union "bpf_attr", typedef pid_t];
}

fn main() {}
