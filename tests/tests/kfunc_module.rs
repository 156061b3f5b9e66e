//! A Rust kernel module as Rust-for-Linux builds one: a `#![no_std]`
//! staticlib (panic = "abort", its own panic handler), linked by
//! `ld -r --whole-archive` into one relocatable object, given split BTF over
//! the running kernel's vmlinux BTF by `pahole -J --btf_base`, then patched
//! by `resolve_btfids -b`. Its own kfuncs get IDs above vmlinux's last type;
//! the vmlinux types and functions it names get vmlinux's IDs.

mod kfunc_common;

use btf_ids_runtime::flags::*;
use btf_ids_tests::{fixture, read_btf_ids, run, strip_unique, tool, vmlinux_btf};
use kfunc_common::{pahole, resolve, Btf, Set8};
use std::process::Command;

#[test]
fn module_kfuncs_get_split_btf_ids_and_vmlinux_types_keep_theirs() {
    let vmlinux = vmlinux_btf();
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("target");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    run(Command::new(cargo)
        .current_dir(fixture("kfunc-module"))
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .args(["build", "--quiet", "--release"]));
    let archive = target.join("release/libkfunc_module.a");
    let module = dir.path().join("kfunc_module.o");
    run(Command::new(tool("ld", "binutils"))
        .args(["-r", "--whole-archive"])
        .arg(&archive)
        .arg("-o")
        .arg(&module));

    pahole(&module, Some(&vmlinux));
    let log = resolve(&module, None, Some(&vmlinux));
    assert!(!log.contains("FAILED"), "resolve_btfids:\n{log}");

    let base = Btf::load(&vmlinux, None);
    let split = Btf::load(&module, Some(&vmlinux));
    let vmlinux_last = base.last_id;
    assert!(split.last_id > vmlinux_last, "the module adds types");

    // The set: the module's six kfuncs above vmlinux, plus vmlinux's
    // bpf_task_acquire listed by name.
    let own = [
        ("bpf_modkf_task_seen", KF_TRUSTED_ARGS),
        ("bpf_modkf_task_get", KF_ACQUIRE | KF_RET_NULL | KF_RCU),
        ("bpf_modkf_task_put", KF_RELEASE),
        ("bpf_iter_modcnt_new", KF_ITER_NEW),
        ("bpf_iter_modcnt_next", KF_ITER_NEXT | KF_RET_NULL),
        ("bpf_iter_modcnt_destroy", KF_ITER_DESTROY),
    ];
    let mut want: Vec<(u32, u32)> = Vec::new();
    for (name, flags) in own {
        let f = split.func(name);
        assert!(
            f.id > vmlinux_last,
            "{name}: module ID {} above vmlinux's {vmlinux_last}",
            f.id
        );
        want.push((f.id, flags));
    }
    let acquire = base.ids("FUNC", "bpf_task_acquire");
    assert_eq!(acquire.len(), 1, "vmlinux has bpf_task_acquire");
    want.push((acquire[0], KF_ACQUIRE | KF_RET_NULL));
    want.sort_unstable();

    let set = Set8::read(&module, "MODKF_KFUNCS");
    assert_eq!(set.cnt() as usize, want.len());
    assert_eq!(set.flags(), BTF_SET8_KFUNCS);
    assert_eq!(set.pairs(), want, "sorted (id, flags) pairs");

    // The list: vmlinux's struct task_struct and struct cgroup (the first
    // STRUCT of each name, which is vmlinux's), then the module's function.
    let section = read_btf_ids(&module).unwrap();
    let label = section
        .symbols
        .iter()
        .find(|s| s.name.starts_with("__btf_ids_MODKF_TYPES_"))
        .expect("the list label");
    let at = (label.addr - section.addr) as usize;
    let words: Vec<u32> = section.data[at..at + 12]
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    let task_struct = base.ids("STRUCT", "task_struct")[0];
    let cgroup = base.ids("STRUCT", "cgroup")[0];
    assert!(task_struct <= vmlinux_last && cgroup <= vmlinux_last);
    assert_eq!(
        words,
        [task_struct, cgroup, split.func("bpf_modkf_task_seen").id],
        "list entries"
    );
    // The entry symbols name what the words hold.
    let entries: Vec<String> = section
        .symbols
        .iter()
        .filter(|s| s.addr >= label.addr && s.addr < label.addr + 12)
        .map(|s| strip_unique(&s.name))
        .filter(|n| n.starts_with("__BTF_ID__"))
        .collect();
    assert!(entries.contains(&"__BTF_ID__struct__task_struct".to_owned()));
}
