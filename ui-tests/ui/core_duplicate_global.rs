// A `#[no_mangle]` list or set has a global label, a symbol of the whole
// link as BTF_ID_LIST_GLOBAL's is in C: two of one name in a crate are an
// error at the second, not an assembler or link error naming codegen units.
use btf_ids_runtime::btf_set;

mod a {
    btf_ids_runtime::btf_id_list! {
        #[unsafe(no_mangle)]
        pub static btf_tracing_ids = [struct task_struct, struct file];
    }
}

mod b {
    btf_ids_runtime::btf_id_list! {
        #[unsafe(no_mangle)]
        pub static btf_tracing_ids = [struct vm_area_struct];
    }
}

btf_set! {
    #[unsafe(no_mangle)]
    static btf_task_set = [func bpf_task_acquire];
}

mod c {
    btf_ids_runtime::btf_set! {
        #[unsafe(no_mangle)]
        static btf_task_set = [func bpf_task_release];
    }
}

// Not global: each has a label of its own, so the same name is fine.
mod d {
    btf_ids_runtime::btf_id_list! { static btf_tracing_ids = [struct file]; }
}

fn main() {}
