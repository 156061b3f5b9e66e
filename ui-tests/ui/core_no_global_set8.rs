use btf_ids_runtime::btf_set8;

btf_set8! {
    // BTF_SET8_START has no _GLOBAL form.
    #[unsafe(no_mangle)]
    static set8 = [func bpf_task_acquire];
}

fn main() {}
