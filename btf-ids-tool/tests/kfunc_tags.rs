//! `resolve --kfunc-tags`: bpf_kfunc / bpf_fastcall decl tags in `.BTF`,
//! readable by libbpf (bpftool), added once.

mod common;

use btf_ids_tool::internals::ElfInfo;
use btf_ids_tool::internals::{kind, Btf};
use common::*;
use std::path::Path;
use std::process::Command;

const SRC: &str = r#"
struct task_struct { int pid; };
struct task_struct *kf_acquire(struct task_struct *t) { return t; }
void kf_release(struct task_struct *t) { t->pid = 0; }
int kf_fast(int x) { return x + 1; }
int not_a_kfunc(int x) { return x * 2; }
BTF_ID_LIST(lst)
BTF_ID(func, not_a_kfunc)
BTF_SET8_START(plain_set8)
BTF_ID_FLAGS(func, not_a_kfunc, 0x1000)
BTF_SET8_END(plain_set8)
BTF_KFUNCS_START(my_kfuncs)
BTF_ID_FLAGS(func, kf_release, 0x2)
BTF_ID_FLAGS(func, kf_fast, 0x1000)
BTF_ID_FLAGS(func, kf_acquire, 0x1 | 0x4)
BTF_KFUNCS_END(my_kfuncs)
"#;

/// (tag name, target func name) of every decl tag with component_idx -1.
/// `btf-ids resolve --kfunc-tags --json` on `obj`, in place; its report.
fn resolve_with_tags(obj: &Path) -> serde_json::Value {
    let out = run(Command::new(ours())
        .args(["resolve", "--kfunc-tags", "--json"])
        .arg(obj));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn tags(obj: &Path, base: Option<&Path>) -> Vec<(String, String)> {
    let data = std::fs::read(obj).unwrap();
    let elf = ElfInfo::parse(&data).unwrap();
    let own = elf.section_bytes(elf.btf.unwrap());
    let base_data = base.map(|b| {
        let d = std::fs::read(b).unwrap();
        let e = ElfInfo::parse(&d).unwrap();
        e.section_bytes(e.btf.unwrap()).to_vec()
    });
    let base_btf = base_data.as_ref().map(|d| Btf::parse(d).unwrap());
    let btf = Btf::parse_split(own, base_btf.as_ref()).unwrap();
    let mut out = Vec::new();
    for id in btf.start_id()..btf.type_count() {
        let t = btf.type_header(id).unwrap();
        if t.kind == kind::DECL_TAG && btf.record_u32(id, 12) == Some(u32::MAX) {
            let name = String::from_utf8_lossy(btf.name_bytes(t.name_off).unwrap()).into_owned();
            let target =
                String::from_utf8_lossy(btf.type_name(t.size_or_type).unwrap()).into_owned();
            out.push((name, target));
        }
    }
    out.sort();
    out
}

fn bpftool_dump(obj: &Path, base: Option<&Path>) -> String {
    let mut cmd = Command::new("bpftool");
    if let Some(b) = base {
        cmd.arg("-B").arg(b);
    }
    cmd.args(["btf", "dump", "file"]).arg(obj);
    let out = run(&mut cmd);
    assert!(
        out.status.success(),
        "bpftool (apt-get install bpftool) failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Puts `orig`'s `.BTF_ids` bytes (as the linker wrote them) back into
/// `obj`, whose `.BTF` stays as it is: a file "resolved again from scratch"
/// (a resolved file itself is refused, see below).
fn restore_btf_ids(obj: &Path, orig: &[u8]) {
    let e = ElfInfo::parse(orig).unwrap();
    let s = e.btf_ids.unwrap();
    let (lo, hi) = (s.file_offset as usize, (s.file_offset + s.size) as usize);
    let mut d = std::fs::read(obj).unwrap();
    d[lo..hi].copy_from_slice(&orig[lo..hi]);
    std::fs::write(obj, d).unwrap();
}

/// A second resolve of a resolved file is refused and changes nothing.
fn second_run_refused(obj: &Path, args: &[&str]) {
    let before = std::fs::read(obj).unwrap();
    let out = run(Command::new(ours()).args(args).arg(obj));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("already resolved"), "{err}");
    assert_eq!(std::fs::read(obj).unwrap(), before);
}

fn expected() -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = [
        ("bpf_fastcall", "kf_fast"),
        ("bpf_kfunc", "kf_acquire"),
        ("bpf_kfunc", "kf_fast"),
        ("bpf_kfunc", "kf_release"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    v.sort();
    v
}

#[test]
fn kfunc_tags_added_once() {
    let dir = scratch("kfunc-tags");
    let obj = compile_c(&dir, "k", SRC, true);
    pahole(&obj, None);
    assert!(
        tags(&obj, None).is_empty(),
        "pahole 1.24 adds no kfunc tags"
    );
    let orig = std::fs::read(&obj).unwrap();
    let rep = resolve_with_tags(&obj);
    assert_eq!(rep["tags_added"], 4);
    assert_eq!(tags(&obj, None), expected());
    // libbpf reads the grown BTF.
    let dump = bpftool_dump(&obj, None);
    assert!(
        dump.contains("DECL_TAG 'bpf_kfunc'") && dump.contains("component_idx=-1"),
        "{dump}"
    );
    assert!(dump.contains("DECL_TAG 'bpf_fastcall'"), "{dump}");
    // .BTF_ids matches a plain resolve by the kernel's tool.
    let c = dir.join("c.o");
    std::fs::write(&c, &orig).unwrap();
    assert!(run(Command::new(kernel_resolve_btfids()).arg(&c))
        .status
        .success());
    assert_eq!(btf_ids_bytes(&c), btf_ids_bytes(&obj));
    // Running again on the resolved file is refused; on the file with its
    // .BTF_ids as linked but its .BTF already tagged, it adds nothing and
    // leaves .BTF alone.
    second_run_refused(&obj, &["resolve", "--kfunc-tags"]);
    restore_btf_ids(&obj, &orig);
    let btf_before = {
        let d = std::fs::read(&obj).unwrap();
        let e = ElfInfo::parse(&d).unwrap();
        e.section_bytes(e.btf.unwrap()).to_vec()
    };
    let rep = resolve_with_tags(&obj);
    assert_eq!(rep["tags_added"], 0);
    let d = std::fs::read(&obj).unwrap();
    let e = ElfInfo::parse(&d).unwrap();
    assert_eq!(e.section_bytes(e.btf.unwrap()), &btf_before[..]);
    assert_eq!(tags(&obj, None), expected());
}

#[test]
fn kfunc_tags_split_btf() {
    let dir = scratch("kfunc-tags-split");
    let base = compile_c(
        &dir,
        "base",
        "struct task_struct { int pid; };\nint base_fn(struct task_struct *t) { return t->pid; }\n",
        true,
    );
    pahole(&base, None);
    let obj = compile_c(&dir, "m", SRC, true);
    pahole(&obj, Some(&base));
    let orig = std::fs::read(&obj).unwrap();
    let out = run(Command::new(ours())
        .args(["resolve", "--kfunc-tags", "-b"])
        .arg(&base)
        .arg(&obj));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(tags(&obj, Some(&base)), expected());
    let dump = bpftool_dump(&obj, Some(&base));
    assert!(dump.contains("DECL_TAG 'bpf_kfunc'"), "{dump}");
    // Second run: refused on the resolved file; with .BTF_ids as linked,
    // nothing added.
    let b = base.to_str().unwrap();
    second_run_refused(&obj, &["resolve", "--kfunc-tags", "-b", b]);
    restore_btf_ids(&obj, &orig);
    let before = std::fs::read(&obj).unwrap();
    let out = run(Command::new(ours())
        .args(["resolve", "--kfunc-tags", "-b"])
        .arg(&base)
        .arg(&obj));
    assert!(out.status.success());
    let after = std::fs::read(&obj).unwrap();
    assert_eq!(before.len(), after.len());
    assert_eq!(tags(&obj, Some(&base)), expected());
}
