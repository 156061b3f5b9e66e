//! Compiles the C reference lookup the way the kernel builds lib/bsearch.c
//! and kernel/bpf/btf.c: `-O2`, the compare function called through a pointer.

fn main() {
    println!("cargo:rerun-if-changed=c/set_lookup.c");
    cc::Build::new()
        .file("c/set_lookup.c")
        .opt_level(2)
        .warnings(true)
        .compile("btf_ids_bench_c");
}
