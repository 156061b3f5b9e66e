//! The core corpus written with our macros and written in C against the real
//! include/linux/btf_ids.h give the same `.BTF_ids`, before and after the
//! kernel's resolve_btfids patches them.

use btf_ids_tests::*;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

struct Objects {
    _dir: tempfile::TempDir,
    rust: PathBuf,
    c: PathBuf,
    small_btf: PathBuf,
}

/// Build the Rust object, the C object and the small BTF once per test binary.
fn objects() -> &'static Objects {
    static OBJECTS: OnceLock<Objects> = OnceLock::new();
    OBJECTS.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let rust = dir.path().join("corpus-rust.o");
        let c = dir.path().join("corpus-c.o");
        cargo_object(&fixture("core-corpus"), &dir.path().join("target"), &rust);
        compile_c(&fixture("core-corpus/c/corpus.c"), &c);
        let small_btf = small_btf(dir.path());
        Objects {
            rust,
            c,
            small_btf,
            _dir: dir,
        }
    })
}

/// Every block of C has a Rust twin with the same bytes and symbols, and
/// nothing else is in either.
fn assert_blocks_match(rust: &Path, c: &Path) {
    let rust_blocks = blocks_by_name(rust);
    let c_blocks = blocks_by_name(c);
    let mut rust_names: Vec<_> = rust_blocks.keys().collect();
    let mut c_names: Vec<_> = c_blocks.keys().collect();
    rust_names.sort();
    c_names.sort();
    assert_eq!(rust_names, c_names, "the same lists and sets in Rust and C");
    for (name, cb) in &c_blocks {
        let rb = &rust_blocks[name];
        assert_eq!(
            rb.words(),
            cb.words(),
            "{name}: .BTF_ids bytes differ from C"
        );
        assert_eq!(
            rb.entries, cb.entries,
            "{name}: __BTF_ID__ symbols differ from C"
        );
        assert_eq!(rb.label.size, cb.label.size, "{name}: label size");
        assert_eq!(rb.label.object, cb.label.object, "{name}: label type");
        if cb.label.global {
            // BTF_ID_LIST_GLOBAL / BTF_SET_START_GLOBAL: the plain name, exported.
            assert!(rb.label.global, "{name}: global form must export its label");
            assert_eq!(rb.label.name, cb.label.name, "{name}: global label name");
        }
    }
}

#[test]
fn unresolved_section_matches_c_byte_for_byte() {
    let o = objects();
    assert_blocks_match(&o.rust, &o.c);
}

#[test]
fn section_is_allocatable_read_only_and_aligned() {
    let o = objects();
    for path in [&o.rust, &o.c] {
        let s = read_btf_ids(path).unwrap();
        assert!(s.alloc, "{}: .BTF_ids must be SHF_ALLOC", path.display());
        assert!(
            !s.write,
            "{}: .BTF_ids must not be SHF_WRITE",
            path.display()
        );
    }
    let s = read_btf_ids(&o.rust).unwrap();
    assert!(s.align >= 4, "Rust .BTF_ids alignment is {}", s.align);
    for b in blocks(&s) {
        assert_eq!(b.label.addr % 4, 0, "{} starts unaligned", b.name);
        assert_eq!(b.bytes.len() % 4, 0, "{} is not whole words", b.name);
    }
    // No padding: the section holds exactly the C corpus's bytes, so each
    // block's extent (label to next label) is as long as C's.
    let c = read_btf_ids(&o.c).unwrap();
    assert_eq!(
        s.data.len(),
        c.data.len(),
        "section sizes differ: padding crept in"
    );
}

#[test]
fn entry_suffixes_hold_no_underscore() {
    let s = read_btf_ids(&objects().rust).unwrap();
    let mut names = std::collections::HashSet::new();
    for sym in &s.symbols {
        assert!(names.insert(sym.name.clone()), "symbol {} twice", sym.name);
        if let Some(rest) = sym.name.strip_prefix("__BTF_ID__") {
            let suffix = rest.rsplit("__").next().unwrap();
            assert!(
                suffix.chars().all(|c| c.is_ascii_alphanumeric()),
                "{}: suffix {suffix} would be cut wrongly by resolve_btfids",
                sym.name
            );
        }
    }
}

/// Patch copies of both objects with the kernel's resolve_btfids and compare.
fn resolve_both(btf: &Path, label: &str) {
    let o = objects();
    let dir = tempfile::tempdir().unwrap();
    let rust = copy_to(&o.rust, dir.path(), "rust.o");
    let c = copy_to(&o.c, dir.path(), "c.o");
    let rust_warnings = kernel_resolve(&rust, btf, None);
    let c_warnings = kernel_resolve(&c, btf, None);
    assert_eq!(
        rust_warnings, c_warnings,
        "{label}: resolve_btfids warnings differ"
    );
    assert_blocks_match(&rust, &c);

    // The patched values are the right ones, counts are filled, sets sorted.
    let names = BtfNames::load(btf);
    let blocks = blocks_by_name(&rust);
    let tracing = &blocks["TRACING_IDS"];
    assert_eq!(
        tracing.words(),
        vec![
            names.id(BtfKind::Struct, "task_struct"),
            names.id(BtfKind::Struct, "file"),
            0,
            names.id(BtfKind::Func, "bpf_task_acquire"),
            names.id(BtfKind::Typedef, "pid_t"),
            names.id(BtfKind::Union, "bpf_attr"),
        ],
        "{label}"
    );
    assert!(tracing
        .words()
        .iter()
        .enumerate()
        .all(|(i, &w)| (i == 2) == (w == 0)));
    let shared = blocks["SHARED_NAMES"].words();
    assert_ne!(
        shared[0], shared[1],
        "{label}: struct and typedef DataType are different IDs"
    );
    for (name, b) in &blocks {
        let w = b.words();
        if let Some(set) = b
            .entries
            .iter()
            .find(|e| e.name.starts_with("__BTF_ID__set__"))
        {
            let ids = &w[1..];
            assert_eq!(w[0] as usize, ids.len(), "{label}: {name} count");
            assert_eq!(set.size as usize, w.len() * 4, "{label}: {name} size");
            assert!(
                ids.windows(2).all(|p| p[0] <= p[1]),
                "{label}: {name} not sorted"
            );
            assert!(ids.iter().all(|&id| id != 0), "{label}: {name} unresolved");
        }
        if b.entries
            .iter()
            .any(|e| e.name.starts_with("__BTF_ID__set8__"))
        {
            let ids: Vec<u32> = w[2..].chunks(2).map(|p| p[0]).collect();
            assert_eq!(w[0] as usize, ids.len(), "{label}: {name} count");
            assert!(
                ids.windows(2).all(|p| p[0] <= p[1]),
                "{label}: {name} not sorted"
            );
        }
        // A set holds exactly the IDs of its entries' names, sorted.
        let mut expected: Vec<u32> = b
            .entries
            .iter()
            .filter(|e| !e.name.starts_with("__BTF_ID__set"))
            .map(|e| names.id_of_entry(&e.name))
            .collect();
        expected.sort_unstable();
        if b.entries
            .iter()
            .any(|e| e.name.starts_with("__BTF_ID__set__"))
        {
            assert_eq!(w[1..], expected[..], "{label}: {name} members");
        }
        if b.entries
            .iter()
            .any(|e| e.name.starts_with("__BTF_ID__set8__"))
        {
            let ids: Vec<u32> = w[2..].chunks(2).map(|p| p[0]).collect();
            assert_eq!(ids, expected, "{label}: {name} members");
        }
        // In a list every entry holds the ID of its own name and kind (a set
        // is sorted, so its values move away from their symbols).
        let is_set = b
            .entries
            .iter()
            .any(|e| e.name.starts_with("__BTF_ID__set"));
        for e in b.entries.iter().filter(|_| !is_set) {
            let word = w[(e.offset / 4) as usize];
            assert_eq!(
                word,
                names.id_of_entry(&e.name),
                "{label}: {name} {}",
                e.name
            );
        }
    }
    // Flags travel with their IDs through the sort.
    let set8 = blocks["TASK_SET8"].words();
    let pairs: Vec<(u32, u32)> = set8[2..].chunks(2).map(|p| (p[0], p[1])).collect();
    assert!(pairs.contains(&(names.id(BtfKind::Func, "bpf_task_acquire"), 0b101)));
    assert!(pairs.contains(&(names.id(BtfKind::Func, "bpf_task_release"), 0b10)));
    assert!(pairs.contains(&(names.id(BtfKind::Func, "bpf_rcu_read_unlock"), 72)));
    assert_eq!(blocks["COMMON_KFUNCS"].words()[1], 1, "BTF_SET8_KFUNCS");
}

#[test]
fn kernel_resolve_btfids_patches_rust_like_c_against_vmlinux() {
    resolve_both(&vmlinux_btf(), "vmlinux");
}

#[test]
fn kernel_resolve_btfids_patches_rust_like_c_against_our_own_btf() {
    resolve_both(&objects().small_btf, "small BTF");
}

/// A kernel module mixing C and Rust: `ld -r` merges both objects' `.BTF_ids`
/// into one section (it would not if the flags differed), and resolve_btfids
/// patches the C and the Rust blocks alike.
#[test]
fn mixed_c_and_rust_module_has_one_section() {
    let o = objects();
    let dir = tempfile::tempdir().unwrap();
    let c_part = dir.path().join("c-part.o");
    compile_c(&fixture("core-corpus/c/module-part.c"), &c_part);
    let module = dir.path().join("module.o");
    run(std::process::Command::new("ld")
        .arg("-r")
        .arg("-o")
        .arg(&module)
        .arg(&c_part)
        .arg(&o.rust));
    let elf = std::fs::read(&module).unwrap();
    let file = object::File::parse(&*elf).unwrap();
    use object::{Object, ObjectSection};
    let count = file
        .sections()
        .filter(|s| s.name() == Ok(".BTF_ids"))
        .count();
    assert_eq!(count, 1, "ld -r left {count} .BTF_ids sections");

    kernel_resolve(&module, &vmlinux_btf(), None);
    let names = BtfNames::load(&vmlinux_btf());
    let blocks = blocks(&read_btf_ids(&module).unwrap());
    let c_list = blocks.iter().find(|b| b.name == "MODULE_C_IDS").unwrap();
    assert_eq!(
        c_list.words(),
        vec![
            names.id(BtfKind::Struct, "file"),
            names.id(BtfKind::Func, "bpf_task_acquire")
        ]
    );
    let rust_list = blocks.iter().find(|b| b.name == "SINGLE").unwrap();
    assert_eq!(
        rust_list.words(),
        vec![names.id(BtfKind::Struct, "task_struct")]
    );
}
