// `#[btf_ids(crate = path)]` misspelt, and given twice.
use btf_ids_runtime::{btf_id_list, btf_set};

btf_id_list! {
    #[btf_ids(krate = btf_ids_runtime)]
    static IDS = [struct task_struct];
}

btf_set! {
    #[btf_ids(crate = btf_ids_runtime)]
    #[btf_ids(crate = btf_ids_runtime)]
    static SET = [func bpf_task_release];
}

fn main() {}
