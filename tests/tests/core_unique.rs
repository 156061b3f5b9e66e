//! Symbol names stay unique: hundreds of lists in one module, the same list
//! and set names in two modules and in two crates linked into one binary,
//! fat LTO (where every crate's module assembly is merged into one file),
//! and incremental rebuilds after an edit that renumbers everything.

use btf_ids_tests::*;
use std::collections::HashSet;
use std::fmt::Write;
use std::path::Path;
use std::process::Command;

// resolve_btfids accepts a name at most 100 times (ADDR_CNT), so the
// generated lists spread over several names.
const STRUCTS: [&str; 8] = [
    "task_struct",
    "file",
    "sk_buff",
    "vm_area_struct",
    "inode",
    "dentry",
    "mm_struct",
    "cred",
];
const FUNCS: [&str; 8] = [
    "bpf_cgroup_acquire",
    "bpf_cgroup_release",
    "bpf_obj_drop_impl",
    "bpf_dynptr_slice",
    "bpf_task_from_pid",
    "bpf_cpumask_create",
    "bpf_iter_num_new",
    "bpf_rcu_read_unlock",
];

/// `count` lists `MANY_<i>` in one module, and a set `S` in two modules.
fn generated(count: usize, tag: &str) -> String {
    let mut src = format!(
        "\n/// Generated ({tag}).\npub mod many {{\n    btf_ids_runtime::btf_id_list! {{\n"
    );
    for i in 0..count {
        writeln!(
            src,
            "        pub static MANY_{i} = [struct {}, unused, func {}];",
            STRUCTS[i % STRUCTS.len()],
            FUNCS[i % FUNCS.len()]
        )
        .unwrap();
    }
    // An executable links an rlib's object file only when something in it is
    // referenced, so the binary reads one slot of every list.
    src.push_str("    }\n    pub fn touch() -> u32 {\n        0");
    for i in 0..count {
        write!(src, " ^ MANY_{i}[0]").unwrap();
    }
    src.push_str("\n    }\n}\n");
    for m in ["set_a", "set_b"] {
        writeln!(
            src,
            "pub mod {m} {{ btf_ids_runtime::btf_set! {{ pub static S = [struct file, struct {m}_missing]; }} \
             pub fn touch() -> bool {{ S.contains(1) }} }}"
        )
        .unwrap();
    }
    src
}

/// Resolve a copy of `binary` against vmlinux and check every generated list
/// and the duplicate names.
fn check(binary: &Path, count: usize) {
    let dir = tempfile::tempdir().unwrap();
    let patched = copy_to(binary, dir.path(), "bin");
    let warnings = kernel_resolve(&patched, &vmlinux_btf(), None);
    assert!(
        !warnings.iter().any(|w| w.contains("FAILED")),
        "{warnings:?}"
    );
    let names = BtfNames::load(&vmlinux_btf());
    let section = read_btf_ids(&patched).unwrap();

    let mut seen = HashSet::new();
    for s in &section.symbols {
        assert!(seen.insert(&s.name), "symbol {} defined twice", s.name);
    }
    let all = blocks(&section);
    for i in 0..count {
        let name = format!("MANY_{i}");
        let b: Vec<_> = all.iter().filter(|b| b.name == name).collect();
        assert_eq!(b.len(), 1, "{name}");
        assert!(
            b[0].words().iter().filter(|&&w| w != 0).count() == 2,
            "{name} unresolved"
        );
        assert_eq!(
            b[0].words(),
            vec![
                names.id(BtfKind::Struct, STRUCTS[i % STRUCTS.len()]),
                0,
                names.id(BtfKind::Func, FUNCS[i % FUNCS.len()]),
            ],
            "{name}"
        );
    }
    // Two sets named S in one crate, two named TASK_SET across crates: each
    // resolved on its own (resolve_btfids refuses a set name seen twice).
    for (name, n) in [("S", 2), ("TASK_SET", 2)] {
        let sets: Vec<_> = all.iter().filter(|b| b.name == name).collect();
        assert_eq!(sets.len(), n, "{name}");
        for s in sets {
            let w = s.words();
            assert_eq!(w[0] as usize, w.len() - 1, "{name}: count");
        }
    }
    let out = run(&mut Command::new(&patched));
    let text = String::from_utf8_lossy(&out.stdout);
    let tracing = format!(
        "list TRACING_IDS {} {} 0",
        names.id(BtfKind::Struct, "task_struct"),
        names.id(BtfKind::Struct, "file")
    );
    assert!(text.lines().any(|l| l.starts_with(&tracing)), "{text}");
}

#[test]
fn many_lists_same_names_incremental_and_fat_lto() {
    let dir = tempfile::tempdir().unwrap();
    copy_fixture("core-corpus-dep", dir.path());
    let krate = copy_fixture("core-corpus", dir.path());
    let lib = krate.join("src/lib.rs");
    let original = std::fs::read_to_string(&lib).unwrap();
    let target = dir.path().join("target");
    let main = krate.join("src/main.rs");
    let main_src = std::fs::read_to_string(&main).unwrap();
    let main_src = main_src.replacen(
        "fn main() {",
        "fn main() {\n    std::hint::black_box(core_corpus::many::touch());\n    std::hint::black_box(core_corpus::set_a::touch() | core_corpus::set_b::touch());",
        1,
    );
    std::fs::write(&main, main_src).unwrap();

    std::fs::write(&lib, format!("{original}{}", generated(300, "first"))).unwrap();
    cargo_build(&krate, &target, &[]);
    check(&target.join("debug/core-corpus"), 300);

    // An edit that renumbers every later block: a new list at the top and
    // more lists at the end. The incremental rebuild must not mix old and
    // new names.
    let (head, body) = original.split_once("btf_id_list! {").unwrap();
    let edited = format!(
        "{head}btf_id_list! {{ pub static INSERTED = [struct file]; }}\nbtf_id_list! {{{body}{}",
        generated(320, "second")
    );
    std::fs::write(&lib, edited).unwrap();
    cargo_build(&krate, &target, &[]);
    check(&target.join("debug/core-corpus"), 320);

    cargo_build(&krate, &target, &["--release"]);
    check(&target.join("release/core-corpus"), 320);
}
