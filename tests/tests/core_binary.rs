//! A Rust binary built from the core corpus, patched by the kernel's
//! resolve_btfids after linking, then run: its typed views read the IDs an
//! independent reader (bpftool) gives for the same names, in a debug build
//! and in a release build with fat LTO and 16 codegen units.

use btf_ids_tests::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A declared entry: its kind and name, or `None` for an unused slot.
type Slot = Option<(BtfKind, &'static str)>;
/// A set8 as declared: name, set flags, `(func, flags)` entries.
type Set8 = (&'static str, u32, Vec<(&'static str, u32)>);

/// The corpus as declared in tests/fixtures/core-corpus/src/lib.rs.
fn declared_lists() -> Vec<(&'static str, Vec<Slot>)> {
    use BtfKind::*;
    vec![
        (
            "TRACING_IDS",
            vec![
                Some((Struct, "task_struct")),
                Some((Struct, "file")),
                None,
                Some((Func, "bpf_task_acquire")),
                Some((Typedef, "pid_t")),
                Some((Union, "bpf_attr")),
            ],
        ),
        (
            "SKB_IDS",
            vec![
                Some((Struct, "sk_buff")),
                None,
                None,
                Some((Struct, "__sk_buff")),
                Some((Struct, "bpf_iter__task")),
            ],
        ),
        (
            "SHARED_NAMES",
            vec![
                Some((Struct, "DataType")),
                Some((Typedef, "DataType")),
                Some((Typedef, "Alerting_UUIE")),
                Some((Struct, "Alerting_UUIE")),
            ],
        ),
        (
            "REPEATS",
            vec![
                Some((Func, "bpf_task_acquire")),
                Some((Struct, "task_struct")),
                Some((Func, "bpf_task_acquire")),
            ],
        ),
        (
            "MISSING",
            vec![
                Some((Struct, "btf_ids_no_such_struct")),
                Some((Func, "bpf_task_release")),
            ],
        ),
        ("SINGLE", vec![Some((Struct, "task_struct"))]),
        (
            "btf_ids_global_tracing",
            vec![
                Some((Struct, "task_struct")),
                Some((Struct, "file")),
                Some((Struct, "vm_area_struct")),
            ],
        ),
        ("btf_ids_global_single", vec![Some((Struct, "file"))]),
        (
            "dep::TRACING_IDS",
            vec![Some((Struct, "file")), Some((Func, "bpf_task_release"))],
        ),
    ]
}

fn declared_sets() -> Vec<(&'static str, Vec<(BtfKind, &'static str)>)> {
    use BtfKind::*;
    vec![
        (
            "TASK_SET",
            vec![
                (Func, "bpf_task_release"),
                (Func, "bpf_task_acquire"),
                (Func, "bpf_rcu_read_lock"),
                (Struct, "task_struct"),
            ],
        ),
        (
            "btf_ids_global_set",
            vec![(Struct, "task_struct"), (Struct, "file")],
        ),
        (
            "dep::TASK_SET",
            vec![(Struct, "file"), (Struct, "task_struct")],
        ),
    ]
}

fn declared_set8s() -> Vec<Set8> {
    vec![
        (
            "TASK_SET8",
            0,
            vec![
                ("bpf_task_release", 2),
                ("bpf_task_acquire", 5),
                ("bpf_rcu_read_lock", 0),
                ("bpf_rcu_read_unlock", 72),
            ],
        ),
        (
            "COMMON_KFUNCS",
            1,
            vec![
                ("bpf_rcu_read_unlock", 0),
                ("bpf_rcu_read_lock", 0),
                ("bpf_task_release", 2),
                ("bpf_task_acquire", 1 | 4 | 16),
            ],
        ),
    ]
}

/// What the binary must print, computed from bpftool's reading of the BTF.
fn expected_output(names: &BtfNames, probes: &[u32]) -> Vec<String> {
    let mut out = Vec::new();
    for (name, entries) in declared_lists() {
        let ids: Vec<String> = entries
            .iter()
            .map(|e| e.map_or(0, |(k, n)| names.id(k, n)).to_string())
            .collect();
        out.push(format!("list {name} {}", ids.join(" ")));
    }
    let mut sets: HashMap<&str, Vec<u32>> = HashMap::new();
    for (name, entries) in declared_sets() {
        let mut ids: Vec<u32> = entries.iter().map(|&(k, n)| names.id(k, n)).collect();
        ids.sort_unstable();
        let text: Vec<String> = ids.iter().map(u32::to_string).collect();
        out.push(format!("set {name} {} {}", ids.len(), text.join(" ")));
        sets.insert(name, ids);
    }
    let mut set8s: HashMap<&str, Vec<(u32, u32)>> = HashMap::new();
    for (name, set_flags, entries) in declared_set8s() {
        let mut pairs: Vec<(u32, u32)> = entries
            .iter()
            .map(|&(n, f)| (names.id(BtfKind::Func, n), f))
            .collect();
        pairs.sort_unstable();
        let text: Vec<String> = pairs.iter().map(|(i, f)| format!("{i}:{f}")).collect();
        out.push(format!(
            "set8 {name} {} {set_flags} {}",
            pairs.len(),
            text.join(" ")
        ));
        set8s.insert(name, pairs);
    }
    for &id in probes {
        for set in ["TASK_SET", "btf_ids_global_set"] {
            out.push(format!("contains {set} {id} {}", sets[set].contains(&id)));
        }
        for set in ["TASK_SET8", "COMMON_KFUNCS"] {
            match set8s[set].iter().find(|p| p.0 == id) {
                Some((_, f)) => out.push(format!("get {set} {id} {f}")),
                None => out.push(format!("get {set} {id} -")),
            }
        }
    }
    out
}

/// Every member of every set, its neighbours, and IDs no set holds.
fn probes(names: &BtfNames) -> Vec<u32> {
    let mut probes = vec![0, 1, u32::MAX, names.id(BtfKind::Struct, "sk_buff")];
    for (_, entries) in declared_sets() {
        for (k, n) in entries {
            let id = names.id(k, n);
            probes.extend([id, id - 1, id + 1]);
        }
    }
    for (_, _, entries) in declared_set8s() {
        for (n, _) in entries {
            let id = names.id(BtfKind::Func, n);
            probes.extend([id, id + 1]);
        }
    }
    probes.sort_unstable();
    probes.dedup();
    probes
}

fn build(profile_args: &[&str], target: &Path) -> PathBuf {
    cargo_build(&fixture("core-corpus"), target, profile_args);
    let profile = if profile_args.contains(&"--release") {
        "release"
    } else {
        "debug"
    };
    target.join(profile).join("core-corpus")
}

/// Resolve one copy of the binary against `btf` with the kernel's
/// resolve_btfids, then: run it and compare what its views read with
/// bpftool's reading of `btf`; compare its blocks with the C twin's, patched
/// against the same BTF; and check that the kfunc set nothing references
/// survived the link.
fn resolve_run_and_compare(binary: &Path, btf: &Path, label: &str) {
    let dir = tempfile::tempdir().unwrap();
    let patched = copy_to(binary, dir.path(), "core-corpus");
    let warnings = kernel_resolve(&patched, btf, None);
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("unresolved symbol btf_ids_no_such_struct")),
        "{label}: the missing name must be reported: {warnings:?}"
    );

    let names = BtfNames::load(btf);
    let probes = probes(&names);
    let out = run(Command::new(&patched).args(probes.iter().map(u32::to_string)));
    let got: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    let want = expected_output(&names, &probes);
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g, w, "{label}");
    }
    assert_eq!(got.len(), want.len(), "{label}: line count");

    let c = dir.path().join("c.o");
    compile_c(&fixture("core-corpus/c/corpus.c"), &c);
    kernel_resolve(&c, btf, None);
    let rust_blocks = blocks(&read_btf_ids(&patched).unwrap());
    for cb in blocks(&read_btf_ids(&c).unwrap()) {
        // The dependency declares lists of the same names: pick the twin by
        // its symbols, then demand identical bytes.
        let twin = rust_blocks
            .iter()
            .find(|rb| rb.name == cb.name && rb.entries == cb.entries)
            .unwrap_or_else(|| panic!("{label}: no Rust twin of C block {}", cb.name));
        assert_eq!(
            twin.words(),
            cb.words(),
            "{label}: {}: patched bytes differ",
            cb.name
        );
    }

    // Only the keep-alive anchor holds this set (tests/fixtures/core-corpus/
    // src/main.rs) against --gc-sections and LTO.
    let kept = rust_blocks
        .iter()
        .find(|b| b.name == "UNREFERENCED_KFUNCS")
        .unwrap_or_else(|| panic!("{label}: the unreferenced kfunc set was dropped by the linker"));
    let mut ids = [
        names.id(BtfKind::Func, "bpf_rcu_read_lock"),
        names.id(BtfKind::Func, "bpf_task_release"),
    ];
    ids.sort_unstable();
    assert_eq!(kept.words(), vec![2, 1, ids[0], 0, ids[1], 0], "{label}");
}

/// [`resolve_run_and_compare`] against vmlinux and against our own BTF.
fn check_binary(binary: &Path, scratch: &Path, label: &str) {
    resolve_run_and_compare(binary, &vmlinux_btf(), &format!("{label}, vmlinux"));
    let small = small_btf(scratch);
    resolve_run_and_compare(binary, &small, &format!("{label}, small BTF"));
}

#[test]
fn debug_binary_reads_resolved_ids() {
    let target = tempfile::tempdir().unwrap();
    let bin = build(&[], target.path());
    check_binary(&bin, target.path(), "debug");
}

#[test]
fn release_fat_lto_binary_reads_resolved_ids() {
    let target = tempfile::tempdir().unwrap();
    let bin = build(&["--release"], target.path());
    // Unpatched, the same binary reads zeros: its reads go to memory, not to
    // constants the optimiser folded.
    let out = run(&mut Command::new(&bin));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.lines().any(|l| l == "list TRACING_IDS 0 0 0 0 0 0"),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.trim_end() == "set8 COMMON_KFUNCS 0 1"),
        "{text}"
    );
    check_binary(&bin, target.path(), "release+LTO");
}

/// Without `debug-info-btf` (CONFIG_DEBUG_INFO_BTF off): no section, zero
/// lists, empty sets, and a kfunc set still flagged BTF_SET8_KFUNCS.
#[test]
fn fallback_without_debug_info_btf() {
    let target = tempfile::tempdir().unwrap();
    let bin = build(&["--no-default-features"], target.path());
    assert!(
        read_btf_ids(&bin).is_none(),
        "no .BTF_ids without debug-info-btf"
    );
    let out = run(Command::new(&bin).arg("5"));
    let text = String::from_utf8_lossy(&out.stdout);
    for line in [
        "list TRACING_IDS 0 0 0 0 0 0",
        "list btf_ids_global_single 0",
        "set TASK_SET 0 ",
        "set8 TASK_SET8 0 0 ",
        "set8 COMMON_KFUNCS 0 1 ",
        "contains TASK_SET 5 false",
        "get COMMON_KFUNCS 5 -",
    ] {
        assert!(
            text.lines().any(|l| l.trim_end() == line.trim_end()),
            "missing `{line}` in\n{text}"
        );
    }
}
