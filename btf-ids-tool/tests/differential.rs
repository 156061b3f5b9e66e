//! Differential tests: the kernel's resolve_btfids (Debian 6.12) and
//! `btf-ids resolve` on copies of the same C objects built with the real
//! btf_ids.h must write identical `.BTF_ids` bytes and the same warnings.

mod common;

use btf_ids_tool::internals::{kind, Btf};
use common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

const VMLINUX: &str = "/sys/kernel/btf/vmlinux";

fn usable(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with("__BTF")
        && !name.starts_with("__ID")
        && ![
            "__PASTE",
            "___PASTE",
            "__stringify",
            "__stringify_1",
            "__maybe_unused",
        ]
        .contains(&name)
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !name.as_bytes()[0].is_ascii_digit()
}

/// Names of vmlinux per kind word, with how many ids each has.
struct Names {
    by_kind: BTreeMap<&'static str, Vec<(String, usize)>>,
}

fn vmlinux_names() -> Names {
    let data = std::fs::read(VMLINUX).expect("read /sys/kernel/btf/vmlinux");
    let btf = Btf::parse(&data).expect("parse vmlinux BTF with our reader");
    assert!(
        btf.type_count() > 10_000,
        "vmlinux BTF has only {} types",
        btf.type_count()
    );
    let mut counts: BTreeMap<(&'static str, String), usize> = BTreeMap::new();
    let mut order: Vec<(&'static str, String)> = Vec::new();
    btf.for_each_type(&mut |_, t| {
        let k = match t.kind {
            kind::STRUCT => "struct",
            kind::UNION => "union",
            kind::TYPEDEF => "typedef",
            kind::FUNC => "func",
            _ => return,
        };
        let n = String::from_utf8_lossy(btf.name_bytes(t.name_off).unwrap()).into_owned();
        if !usable(&n) {
            return;
        }
        let c = counts.entry((k, n.clone())).or_insert(0);
        if *c == 0 {
            order.push((k, n));
        }
        *c += 1;
    });
    let mut by_kind: BTreeMap<&'static str, Vec<(String, usize)>> = BTreeMap::new();
    for (k, n) in order {
        let c = counts[&(k, n.clone())];
        by_kind.entry(k).or_default().push((n, c));
    }
    Names { by_kind }
}

/// Builds the C source of the big corpus; returns it and the id count.
fn big_corpus(names: &Names) -> (String, usize) {
    let mut src = String::new();
    let mut ids = 0usize;
    let kinds = ["struct", "union", "typedef", "func"];
    // Lists: a stride through every kind, with unused slots and repeats.
    let mut picks: Vec<(&str, &str)> = Vec::new();
    for k in kinds {
        let v = &names.by_kind[k];
        let want = match k {
            "func" => 6000,
            "struct" => 3500,
            "typedef" => 700,
            _ => 200,
        };
        let step = (v.len() / want).max(1);
        picks.extend(
            v.iter()
                .step_by(step)
                .take(want)
                .map(|(n, _)| (k, n.as_str())),
        );
    }
    for (li, chunk) in picks.chunks(1000).enumerate() {
        writeln!(src, "BTF_ID_LIST(big_list_{li})").unwrap();
        for (i, (k, n)) in chunk.iter().enumerate() {
            writeln!(src, "BTF_ID({k}, {n})").unwrap();
            ids += 1;
            if i % 97 == 0 {
                writeln!(src, "BTF_ID_UNUSED").unwrap();
            }
        }
    }
    // Names with several ids, in every kind that has some.
    writeln!(src, "BTF_ID_LIST(dups)").unwrap();
    let mut ndup = 0;
    for k in kinds {
        for (n, _) in names.by_kind[k].iter().filter(|(_, c)| *c > 1).take(60) {
            writeln!(src, "BTF_ID({k}, {n})").unwrap();
            ids += 1;
            ndup += 1;
        }
    }
    assert!(
        ndup >= 10,
        "vmlinux has too few names with several ids ({ndup})"
    );
    // Missing names.
    writeln!(src, "BTF_ID_LIST(missing)").unwrap();
    for k in kinds {
        for i in 0..25 {
            writeln!(src, "BTF_ID({k}, btf_ids_test_missing_{k}_{i})").unwrap();
            ids += 1;
        }
    }
    // One name, several kinds.
    let structs: BTreeSet<&str> = names.by_kind["struct"]
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    let unions: BTreeSet<&str> = names.by_kind["union"]
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    let shared: Vec<&str> = names.by_kind["typedef"]
        .iter()
        .map(|(n, _)| n.as_str())
        .filter(|n| structs.contains(n) || unions.contains(n))
        .take(100)
        .collect();
    assert!(shared.len() >= 10, "too few typedef/struct shared names");
    writeln!(src, "BTF_ID_LIST(shared)").unwrap();
    for n in &shared {
        writeln!(src, "BTF_ID(typedef, {n})").unwrap();
        writeln!(src, "BTF_ID(struct, {n})").unwrap();
        writeln!(src, "BTF_ID(union, {n})").unwrap();
        ids += 3;
    }
    // Sets (unsorted on purpose: reverse order of the picks), set8s with
    // flags, and a kfunc set.
    let funcs: Vec<&str> = names.by_kind["func"]
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    let flags = [
        0x1u32,
        0x2,
        0x5,
        0x10,
        0x20,
        0x1000,
        0x80 | 0x800,
        0x100,
        0x200,
        0x400,
        0x2000 | 0x4000,
        0x10000,
        0,
    ];
    for s in 0..5 {
        writeln!(src, "BTF_SET_START(set_{s})").unwrap();
        for i in (0..120).rev() {
            let n = funcs[(s * 977 + i * 31) % funcs.len()];
            writeln!(src, "BTF_ID(func, {n})").unwrap();
            ids += 1;
        }
        writeln!(src, "BTF_ID(struct, btf_ids_test_missing_in_set_{s})").unwrap();
        writeln!(src, "BTF_SET_END(set_{s})").unwrap();
        ids += 1;
    }
    for s in 0..3 {
        writeln!(src, "BTF_SET8_START(set8_{s})").unwrap();
        for i in (0..150).rev() {
            let n = funcs[(s * 1733 + i * 53) % funcs.len()];
            writeln!(
                src,
                "BTF_ID_FLAGS(func, {n}, {:#x})",
                flags[(i + s) % flags.len()]
            )
            .unwrap();
            ids += 1;
        }
        writeln!(src, "BTF_SET8_END(set8_{s})").unwrap();
    }
    writeln!(src, "BTF_KFUNCS_START(kfuncs_big)").unwrap();
    for i in (0..300).rev() {
        let n = funcs[(7 + i * 211) % funcs.len()];
        writeln!(
            src,
            "BTF_ID_FLAGS(func, {n}, {:#x})",
            flags[i % flags.len()]
        )
        .unwrap();
        ids += 1;
    }
    writeln!(src, "BTF_KFUNCS_END(kfuncs_big)").unwrap();
    (src, ids)
}

#[test]
fn vmlinux_corpus_matches_kernel_tool() {
    let names = vmlinux_names();
    let (src, ids) = big_corpus(&names);
    assert!(ids >= 10_000, "corpus has only {ids} ids");
    let dir = scratch("diff-vmlinux");
    let obj = compile_c(&dir, "corpus", &src, false);
    let d = differential(&obj, &["--btf", VMLINUX]);
    only_btf_ids_changed(&obj, &d.rust_file);
    // The corpus does produce both kinds of warnings.
    assert!(
        d.c_err
            .iter()
            .any(|l| l.starts_with("WARN: multiple IDs found")),
        "no duplicate warnings"
    );
    assert!(
        d.c_err
            .iter()
            .any(|l| l.contains("unresolved symbol btf_ids_test_missing")),
        "no unresolved warnings"
    );
    // And `check` with the same BTF accepts everything but the missing names.
    let out = run(std::process::Command::new(ours())
        .args(["check", "--btf", VMLINUX])
        .arg(&d.rust_file));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    for l in err.lines().filter(|l| !l.ends_with("failure(s)")) {
        // Missing on purpose, or a shared name asked for in a kind it lacks.
        assert!(
            l.contains("btf_ids_test_missing") || l.contains("list shared: "),
            "unexpected check failure: {l}"
        );
    }
    // With -v both print the same warnings (debug lines may differ).
    let (vc, vr) = (dir.join("corpus-vc.o"), dir.join("corpus-vr.o"));
    std::fs::copy(&obj, &vc).unwrap();
    std::fs::copy(&obj, &vr).unwrap();
    let c = run(std::process::Command::new(kernel_resolve_btfids())
        .args(["-v", "--btf", VMLINUX])
        .arg(&vc));
    let r = run(std::process::Command::new(ours())
        .args(["resolve", "-v", "--btf", VMLINUX])
        .arg(&vr));
    assert!(c.status.success() && r.status.success());
    let warns = |o: &std::process::Output| -> Vec<String> {
        String::from_utf8_lossy(&o.stderr)
            .lines()
            .filter(|l| l.starts_with("WARN"))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(warns(&c), warns(&r));
    assert_eq!(btf_ids_bytes(&vc), btf_ids_bytes(&vr));
}

/// A small object whose own `.BTF` (pahole -J) names the types, with
/// typedef/struct/union sharing names and all list and set forms.
#[test]
fn own_btf_small_object() {
    let dir = scratch("diff-small");
    let src = r#"
struct S { int a; };
typedef struct S S;
union U { int a; long b; };
typedef union U U;
struct task_struct { int pid; };
struct file { long pos; };
typedef int pid_t;
int bpf_task_acquire(struct task_struct *t, S *s, U *u, pid_t p) { return t->pid + s->a + u->a + p; }
int bpf_task_release(struct file *f) { return (int)f->pos; }
int zz_func(union U *u) { return u->a; }
int aa_func(int x) { return x * 3; }
BTF_ID_LIST(list_a)
BTF_ID(struct, S)
BTF_ID(typedef, S)
BTF_ID(union, U)
BTF_ID(typedef, U)
BTF_ID_UNUSED
BTF_ID(struct, task_struct)
BTF_ID(func, bpf_task_acquire)
BTF_ID(typedef, pid_t)
BTF_ID(struct, not_there)
BTF_ID(func, not_there_either)
BTF_ID_LIST_GLOBAL(list_g, 3)
BTF_ID(struct, file)
BTF_ID(func, bpf_task_release)
BTF_ID_LIST_SINGLE(single, struct, task_struct)
BTF_SET_START(set_a)
BTF_ID(func, zz_func)
BTF_ID(func, bpf_task_release)
BTF_ID(func, aa_func)
BTF_ID(func, bpf_task_acquire)
BTF_SET_END(set_a)
BTF_SET8_START(set8_a)
BTF_ID_FLAGS(func, zz_func, 0x1005)
BTF_ID_FLAGS(func, bpf_task_acquire, 0x5)
BTF_ID_FLAGS(func, aa_func, 0x20)
BTF_SET8_END(set8_a)
BTF_KFUNCS_START(kfuncs_a)
BTF_ID_FLAGS(func, bpf_task_release, 0x2)
BTF_ID_FLAGS(func, bpf_task_acquire, 0x1 | 0x4)
BTF_KFUNCS_END(kfuncs_a)
"#;
    let obj = compile_c(&dir, "small", src, true);
    pahole(&obj, None);
    let d = differential(&obj, &[]);
    only_btf_ids_changed(&obj, &d.rust_file);
    assert!(d
        .c_err
        .iter()
        .any(|l| l.contains("unresolved symbol not_there")));
    // Resolved values are right per the object's own BTF: only the two
    // missing names fail `check`.
    let out = run(std::process::Command::new(ours())
        .arg("check")
        .arg(&d.rust_file));
    let err = String::from_utf8_lossy(&out.stderr);
    let fails: Vec<&str> = err.lines().filter(|l| !l.ends_with("failure(s)")).collect();
    assert_eq!(fails.len(), 2, "{err}");
    // Running again on a resolved file: resolve_btfids re-writes each id at
    // its symbol's slot and sorts again, which moves set8 flags to other
    // ids. We refuse a file whose set8 is already resolved (exit 1, one
    // line naming the set, file untouched). Lists and plain sets would come
    // out the same; the C tool's second run differs from its first only in
    // set8 flag words.
    let again_c = dir.join("again-c.o");
    let again_r = dir.join("again-r.o");
    std::fs::copy(&d.rust_file, &again_c).unwrap();
    std::fs::copy(&d.rust_file, &again_r).unwrap();
    assert!(
        run(std::process::Command::new(kernel_resolve_btfids()).arg(&again_c))
            .status
            .success()
    );
    let second = run(std::process::Command::new(ours())
        .arg("resolve")
        .arg(&again_r));
    let err = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("set8 'set8_a' is already resolved") && err.contains("resolved before"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(&again_r).unwrap(),
        std::fs::read(&d.rust_file).unwrap(),
        "a refused second run changed the file"
    );
    let (c2, r1) = (btf_ids_bytes(&again_c), btf_ids_bytes(&d.rust_file));
    assert_ne!(
        c2, r1,
        "resolve_btfids no longer moves set8 flags on a second run?"
    );
    // They differ only in set8 pairs' flag words.
    let data = std::fs::read(&d.rust_file).unwrap();
    let elf = btf_ids_tool::internals::ElfInfo::parse(&data).unwrap();
    let sets8: Vec<(usize, usize)> = elf
        .symbols
        .iter()
        .filter(|s| s.name.starts_with(b"__BTF_ID__set8__"))
        .map(|s| (s.value as usize + 8, (s.value + s.size) as usize))
        .collect();
    for i in (0..c2.len()).step_by(4) {
        if c2[i..i + 4] != r1[i..i + 4] {
            assert!(
                sets8
                    .iter()
                    .any(|&(lo, hi)| i >= lo && i < hi && (i - lo) % 8 == 4),
                "word {i:#x} differs"
            );
        }
    }
    // `check` finds nothing wrong with a correctly resolved set8 (only the
    // two names missing from the BTF, as above).
    let out = run(std::process::Command::new(ours())
        .arg("check")
        .arg(&again_r));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("set8_a"), "{err}");
}

/// Split BTF: a module-like object whose BTF is split over another
/// object's BTF, resolved with `-b`.
#[test]
fn split_btf_over_base() {
    let dir = scratch("diff-split");
    let base_src = r#"
struct task_struct { int pid; };
struct file { long pos; };
typedef unsigned long ulong_t;
int base_func(struct task_struct *t, struct file *f, ulong_t x) { return t->pid + (int)f->pos + (int)x; }
"#;
    let base = compile_c(&dir, "base", base_src, true);
    pahole(&base, None);
    let mod_src = r#"
struct task_struct { int pid; };
struct file { long pos; };
struct mod_only { struct task_struct *t; struct file *f; };
int mod_kfunc(struct mod_only *m) { return m->t->pid + (int)m->f->pos; }
int mod_other(int x) { return x + 2; }
BTF_ID_LIST(mod_list)
BTF_ID(struct, task_struct)
BTF_ID(struct, mod_only)
BTF_ID(func, mod_kfunc)
BTF_ID(func, base_func)
BTF_ID(typedef, ulong_t)
BTF_ID(struct, missing_in_both)
BTF_KFUNCS_START(mod_kfuncs)
BTF_ID_FLAGS(func, mod_other, 0x1000)
BTF_ID_FLAGS(func, mod_kfunc, 0x1)
BTF_KFUNCS_END(mod_kfuncs)
"#;
    let m = compile_c(&dir, "module", mod_src, true);
    pahole(&m, Some(&base));
    let b = base.to_str().unwrap();
    let d = differential(&m, &["-b", b]);
    only_btf_ids_changed(&m, &d.rust_file);
    // The module's own struct got an id above the base's.
    let bytes = btf_ids_bytes(&d.rust_file);
    let word = |i: usize| u32::from_le_bytes(bytes[i * 4..i * 4 + 4].try_into().unwrap());
    assert!(
        word(0) != 0 && word(1) > word(0),
        "{:?}",
        (word(0), word(1))
    );
    // Long option spelling too.
    differential(&m, &["--btf_base", b]);
    let out = run(std::process::Command::new(ours())
        .args(["check", "-b", b])
        .arg(&d.rust_file));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("missing_in_both") && err.contains("1 failure"),
        "{err}"
    );
}

const ENDIAN_SRC: &str = r#"
struct task_struct { int pid; };
struct file { long pos; };
typedef int pid_t;
union U { int a; long b; };
int kf_one(struct task_struct *t, struct file *f, pid_t p, union U *u) { return t->pid + (int)f->pos + p + u->a; }
int kf_two(int x) { return x + 2; }
int kf_three(int x) { return x + 3; }
BTF_ID_LIST(lst)
BTF_ID(struct, task_struct)
BTF_ID_UNUSED
BTF_ID(typedef, pid_t)
BTF_ID(union, U)
BTF_ID(func, kf_one)
BTF_ID(struct, absent)
BTF_SET_START(st)
BTF_ID(func, kf_three)
BTF_ID(func, kf_one)
BTF_ID(func, kf_two)
BTF_SET_END(st)
BTF_KFUNCS_START(kfs)
BTF_ID_FLAGS(func, kf_three, 0x1000)
BTF_ID_FLAGS(func, kf_two, 0x21)
BTF_ID_FLAGS(func, kf_one, 0x5)
BTF_KFUNCS_END(kfs)
"#;

/// ELFCLASS32 (gcc -m32) with its own BTF.
#[test]
fn elf32_object() {
    let dir = scratch("diff-elf32");
    let obj = compile_c_flags(&dir, "o32", ENDIAN_SRC, &["-m32", "-g"]);
    pahole(&obj, None);
    let d = differential(&obj, &[]);
    only_btf_ids_changed(&obj, &d.rust_file);
    let out = run(std::process::Command::new(ours())
        .arg("check")
        .arg(&d.rust_file));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("absent") && err.contains("1 failure"), "{err}");
}

/// Big-endian ELF (both classes), BTF from `--btf`: identical bytes and
/// warnings, set8 flags kept in the file's byte order.
#[test]
fn big_endian_objects() {
    for (class, flags) in [("64", &[][..]), ("32", &["-m32"][..])] {
        let dir = scratch(&format!("diff-be{class}"));
        let le = compile_c_flags(&dir, "le", ENDIAN_SRC, &[&["-g"][..], flags].concat());
        pahole(&le, None);
        let plain = compile_c_flags(&dir, "plain", ENDIAN_SRC, flags);
        let be = dir.join("be.o");
        std::fs::write(&be, to_big_endian(&std::fs::read(&plain).unwrap())).unwrap();
        let info = std::fs::read(&be).unwrap();
        let elf = btf_ids_tool::internals::ElfInfo::parse(&info).unwrap();
        assert!(elf.big_endian);
        // Where the set8 header flags word is.
        let sec = elf.btf_ids.unwrap();
        let kfs = elf
            .symbols
            .iter()
            .find(|s| s.name == b"__BTF_ID__set8__kfs")
            .unwrap();
        let flags_at = (kfs.value - sec.address) as usize + 4;
        let orig = btf_ids_bytes(&be);
        assert_eq!(orig[flags_at..flags_at + 4], [0, 0, 0, 1]);

        let c_file = dir.join("c.o");
        let r_file = dir.join("r.o");
        std::fs::copy(&be, &c_file).unwrap();
        std::fs::copy(&be, &r_file).unwrap();
        let l = le.to_str().unwrap();
        let c = run(std::process::Command::new(kernel_resolve_btfids())
            .args(["--btf", l])
            .arg(&c_file));
        let r = run(std::process::Command::new(ours())
            .args(["resolve", "--btf", l])
            .arg(&r_file));
        assert!(c.status.success() && r.status.success(), "{c:?} {r:?}");
        assert_eq!(c.stderr, r.stderr);
        let (cb, rb) = (btf_ids_bytes(&c_file), btf_ids_bytes(&r_file));
        assert_eq!(rb[flags_at..flags_at + 4], [0, 0, 0, 1]);
        assert_eq!(cb, rb, "class {class}");
        only_btf_ids_changed(&be, &r_file);
        // Ids are big-endian: the first list slot is task_struct's id.
        let first = u32::from_be_bytes(rb[0..4].try_into().unwrap());
        assert!(first > 0 && first < 100, "{first}");
        let out = run(std::process::Command::new(ours())
            .args(["check", "--btf", l])
            .arg(&r_file));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("absent") && err.contains("1 failure"), "{err}");
    }
}

/// Inputs the kernel's tool rejects: we reject them too, with its message.
#[test]
fn errors_match_kernel_tool() {
    let dir = scratch("diff-errors");
    let good = compile_c(
        &dir,
        "btf",
        "struct a { int x; };\nint f(struct a *p) { return p->x; }\n",
        true,
    );
    pahole(&good, None);
    let g = good.to_str().unwrap();
    // More than 100 uses of one name (resolve_btfids' ADDR_CNT).
    let mut many = String::from("BTF_ID_LIST(l)\n");
    for _ in 0..101 {
        many.push_str("BTF_ID(struct, a)\n");
    }
    let cases: Vec<(&str, String, &str)> = vec![
        ("many", many, "FAILED symbol a crossed the number of allowed lists"),
        (
            "prefix",
            "asm(\".pushsection .BTF_ids,\\\"a\\\"\\n__BTF_ID__enum__e__1:\\n.zero 4\\n.popsection\");\n".into(),
            "FAILED unsupported prefix enum__e__1",
        ),
        (
            "name",
            "asm(\".pushsection .BTF_ids,\\\"a\\\"\\n__BTF_ID__func__f_1:\\n.zero 4\\n.popsection\");\n".into(),
            "FAILED to parse symbol name: func__f_1",
        ),
        (
            "setname",
            "asm(\".pushsection .BTF_ids,\\\"a\\\"\\n__BTF_ID__set__:\\n.zero 4\\n.popsection\");\n".into(),
            "FAILED to parse set name: set__",
        ),
    ];
    for (stem, src, msg) in cases {
        let obj = compile_c(&dir, stem, &src, false);
        let c_file = dir.join(format!("{stem}.c-tool.o"));
        std::fs::copy(&obj, &c_file).unwrap();
        let before = std::fs::read(&obj).unwrap();
        let c = run(std::process::Command::new(kernel_resolve_btfids())
            .args(["--btf", g])
            .arg(&c_file));
        let r = run(std::process::Command::new(ours())
            .args(["resolve", "--btf", g])
            .arg(&obj));
        assert!(!c.status.success(), "{stem}: resolve_btfids accepted it");
        assert_eq!(r.status.code(), Some(1), "{stem}");
        let (ce, re) = (
            String::from_utf8_lossy(&c.stderr),
            String::from_utf8_lossy(&r.stderr),
        );
        assert!(ce.contains(msg), "{stem}: C said {ce:?}");
        assert!(re.contains(msg), "{stem}: we said {re:?}");
        assert_eq!(
            std::fs::read(&obj).unwrap(),
            before,
            "{stem}: input changed"
        );
    }
}

/// One name with two ids in an object's own BTF (two CUs, two different
/// `struct dup`): both tools warn the same way and take the first; `check`
/// then flags a value that is the other id.
#[test]
fn duplicate_names_in_own_btf() {
    let dir = scratch("diff-dups");
    let a = compile_c(
        &dir,
        "a",
        "struct dup { int a; };\nint use_a(struct dup *d) { return d->a; }\n",
        true,
    );
    let b_src = r#"
struct dup { long b; char c; };
long use_b(struct dup *d) { return d->b; }
BTF_ID_LIST(l)
BTF_ID(struct, dup)
BTF_ID(func, use_a)
BTF_ID(func, use_b)
BTF_SET_START(s)
BTF_ID(struct, dup)
BTF_ID(func, use_b)
BTF_SET_END(s)
"#;
    let b = compile_c(&dir, "b", b_src, true);
    let both = dir.join("both.o");
    let out = run(std::process::Command::new("ld")
        .arg("-r")
        .arg(&a)
        .arg(&b)
        .arg("-o")
        .arg(&both));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    pahole(&both, None);
    let d = differential(&both, &[]);
    assert!(
        d.c_err
            .iter()
            .any(|l| l.starts_with("WARN: multiple IDs found for 'dup'")),
        "no duplicate: {:?}",
        d.c_err
    );
    let out = run(std::process::Command::new(ours())
        .arg("check")
        .arg(&d.rust_file));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Put the second id of `dup` into the list's first slot.
    let warn = d.c_err.iter().find(|l| l.contains("'dup'")).unwrap();
    let ids: Vec<u32> = warn
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    let (first, second) = (ids[0], ids[1]);
    let data = std::fs::read(&d.rust_file).unwrap();
    let elf = btf_ids_tool::internals::ElfInfo::parse(&data).unwrap();
    let at = elf.btf_ids.unwrap().file_offset as usize;
    assert_eq!(
        u32::from_le_bytes(data[at..at + 4].try_into().unwrap()),
        first
    );
    let mut bad = data.clone();
    bad[at..at + 4].copy_from_slice(&second.to_le_bytes());
    let badf = dir.join("bad.o");
    std::fs::write(&badf, &bad).unwrap();
    let out = run(std::process::Command::new(ours()).arg("check").arg(&badf));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains(&format!(
            "is {second}, which is struct 'dup'; expected {first}"
        )),
        "{err}"
    );
}

/// Several symbols on one word (labels that alias, as hand-written assembly
/// or `.set` can make): the C tool writes kind by kind (struct, union,
/// typedef, func), each kind from the greatest name down, so the value
/// written last stays. Ours must leave the same one, and set counts, written
/// after every id, win over an id on their word.
#[test]
fn symbols_sharing_a_word() {
    let dir = scratch("diff-shared-word");
    let src = r#"
struct task_struct { int pid; };
struct zz_last { int z; };
typedef int pid_t;
union U { int a; long b; };
int aa_first(struct task_struct *t) { return t->pid; }
int bb_second(struct zz_last *z, pid_t p, union U *u) { return z->z + p + u->a; }
asm(".pushsection .BTF_ids,\"a\"\n"
    ".balign 4\n"
    /* Word 0: two funcs; the smaller name is written last, whatever
       the symbol order. */
    "__BTF_ID__func__aa_first__1:\n"
    "__BTF_ID__func__bb_second__2:\n"
    ".zero 4\n"
    /* Word 1: every kind; the func is written last. */
    "__BTF_ID__struct__task_struct__3:\n"
    "__BTF_ID__union__U__4:\n"
    "__BTF_ID__typedef__pid_t__5:\n"
    "__BTF_ID__func__bb_second__6:\n"
    ".zero 4\n"
    /* Word 2: two structs; the missing one is written last: 0. */
    "__BTF_ID__struct__aa_missing__7:\n"
    "__BTF_ID__struct__zz_last__8:\n"
    ".zero 4\n"
    /* A set whose count word is also an id's. */
    "__BTF_ID__set__s:\n"
    ".size __BTF_ID__set__s, 8\n"
    "__BTF_ID__struct__task_struct__9:\n"
    ".zero 4\n"
    "__BTF_ID__func__aa_first__10:\n"
    ".zero 4\n"
    ".popsection\n");
"#;
    let obj = compile_c(&dir, "shared", src, true);
    pahole(&obj, None);
    let d = differential(&obj, &[]);
    only_btf_ids_changed(&obj, &d.rust_file);
    let bytes = btf_ids_bytes(&d.rust_file);
    let word = |i: usize| u32::from_le_bytes(bytes[i * 4..i * 4 + 4].try_into().unwrap());
    // The C tool decides, and the differential check above pinned us to it;
    // these are what it decided.
    assert!(word(0) != 0 && word(1) != 0, "{:?}", (word(0), word(1)));
    assert_eq!(word(2), 0, "aa_missing is written last");
    assert_eq!(word(3), 1, "set count");
}
