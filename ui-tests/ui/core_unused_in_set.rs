use btf_ids_runtime::{btf_set, btf_set8};

btf_set! {
    static SET = [struct file, unused];
}

btf_set8! {
    static SET8 = [unused];
}

fn main() {}
