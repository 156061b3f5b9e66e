use btf_ids_runtime::btf_id_list;

btf_id_list! {
    static LIST = [struct task_struct struct file];
}

btf_id_list! {
    static NO_BRACKETS = ;
}

btf_id_list! {
    static DOUBLE_COMMA = [struct file,, struct task_struct];
}

btf_id_list! {
    static NO_EQUALS [struct file];
}

fn main() {}
