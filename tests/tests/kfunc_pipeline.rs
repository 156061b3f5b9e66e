//! The Rust-only kfunc pipeline: Rust kfuncs built as a cdylib with debug
//! info, turned into BTF by `pahole -J`, patched by the kernel's
//! resolve_btfids. The `btf_kfuncs!` set then holds the BTF IDs of exactly
//! those functions, sorted, each with its `#[kfunc]` flags, and its bytes are
//! the bytes of the same set declared in C with the real btf_ids.h.
//!
//! The same fixture built as a fat-LTO, opt-level=3 executable keeps every
//! kfunc, called or not, and its callers really call them.

mod kfunc_common;

use btf_ids_runtime::flags::BTF_SET8_KFUNCS;
use btf_ids_runtime::kfunc::KfuncArg;
use btf_ids_runtime::kfunc_info;
use btf_ids_tests::{compile_c, copy_to, fixture, run, tool};
use kfunc_common::{pahole, resolve, Btf, Set8};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The fixture's kfuncs, compiled here too so the test reads the flags and
/// argument names `#[kfunc]` gave them rather than restating them.
#[allow(non_camel_case_types, clippy::missing_safety_doc, dead_code)]
#[path = "../fixtures/kfunc-pipeline/src/kfuncs.rs"]
mod kfuncs;

/// `(name, flags, args)` of every kfunc in the fixture's `DEMO_KFUNCS`.
fn expected() -> Vec<(&'static str, u32, &'static [KfuncArg])> {
    use kfuncs::*;
    [
        kfunc_info!(bpf_demo_task_acquire),
        kfunc_info!(bpf_demo_task_release),
        kfunc_info!(bpf_demo_task_from_pid),
        kfunc_info!(bpf_iter_demo_new),
        kfunc_info!(bpf_iter_demo_next),
        kfunc_info!(bpf_iter_demo_destroy),
        kfunc_info!(bpf_demo_buf_sum),
        kfunc_info!(bpf_demo_task_comm),
        kfunc_info!(bpf_demo_cache_wipe),
    ]
    .into_iter()
    .map(|k| (k.name, k.flags, k.args))
    .collect()
}

struct Built {
    _dir: tempfile::TempDir,
    dir: PathBuf,
    /// The release cdylib (fat LTO, debug info).
    cdylib: PathBuf,
    /// The release executable that calls some kfuncs.
    caller: PathBuf,
}

/// Build the fixture once per test binary, into a target dir of its own.
fn built() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        run(Command::new(cargo)
            .current_dir(fixture("kfunc-pipeline"))
            .env("CARGO_TARGET_DIR", &target)
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            .args(["build", "--quiet", "--release"]));
        let release = target.join("release");
        Built {
            dir: dir.path().to_path_buf(),
            cdylib: release.join("libkfunc_pipeline.so"),
            caller: release.join("kfunc-caller"),
            _dir: dir,
        }
    })
}

/// The cdylib after `pahole -J` and resolve_btfids, with its BTF.
fn resolved() -> &'static (PathBuf, Btf, String) {
    static RESOLVED: OnceLock<(PathBuf, Btf, String)> = OnceLock::new();
    RESOLVED.get_or_init(|| {
        let b = built();
        let so = copy_to(&b.cdylib, &b.dir, "kfuncs-btf.so");
        pahole(&so, None);
        let log = resolve(&so, None, None);
        let btf = Btf::load(&so, None);
        (so, btf, log)
    })
}

#[test]
fn set_holds_exactly_the_rust_kfuncs_sorted_with_their_flags() {
    let (so, btf, log) = resolved();
    assert!(
        !log.contains("WARN") && !log.contains("FAILED"),
        "resolve_btfids complained:\n{log}"
    );
    let set = Set8::read(so, "DEMO_KFUNCS");
    let expected = expected();
    assert_eq!(set.cnt() as usize, expected.len(), "resolved count");
    assert_eq!(
        set.flags(),
        BTF_SET8_KFUNCS,
        "a kfunc set is marked as such"
    );

    // The IDs are the FUNCs pahole made of exactly these Rust functions.
    let mut want: Vec<(u32, u32)> = expected
        .iter()
        .map(|(name, flags, _)| (btf.func(name).id, *flags))
        .collect();
    want.sort_unstable();
    let pairs = set.pairs();
    assert_eq!(pairs, want, "pairs are (BTF ID of the function, its flags)");
    assert!(
        pairs.windows(2).all(|w| w[0].0 < w[1].0),
        "sorted by ID: {pairs:?}"
    );
    for (id, _) in &pairs {
        assert_eq!(btf.types[id].kind, "FUNC");
    }
}

#[test]
fn btf_keeps_parameter_names_and_suffixes() {
    let (_, btf, _) = resolved();
    for (name, _, args) in expected() {
        let names: Vec<&str> = args.iter().map(|a| a.name).collect();
        assert_eq!(
            btf.param_names(name),
            names,
            "FUNC_PROTO of {name} keeps the names #[kfunc] saw"
        );
    }
    // The buffer kfunc: the verifier will read `buf__sz` as the size of `buf`.
    assert_eq!(btf.param_names("bpf_demo_buf_sum"), ["buf", "buf__sz"]);
}

/// `#define KF_*` lines of the real include/linux/btf.h.
#[test]
fn same_bytes_as_the_c_set_against_the_real_header() {
    let (so, _, _) = resolved();
    let b = built();
    let c_obj = b.dir.join("kfuncs-c.o");
    compile_c(&fixture("kfunc-pipeline/c/kfuncs.c"), &c_obj);

    let rust_before = Set8::read(&b.cdylib, "DEMO_KFUNCS");
    let c_before = Set8::read(&c_obj, "DEMO_KFUNCS");
    assert_eq!(rust_before.bytes, c_before.bytes, "unresolved set bytes");

    // Resolve the C object against the BTF of the Rust library.
    let log = resolve(&c_obj, Some(so), None);
    assert!(!log.contains("WARN"), "resolve_btfids on C:\n{log}");
    let rust = Set8::read(so, "DEMO_KFUNCS");
    let c = Set8::read(&c_obj, "DEMO_KFUNCS");
    assert_eq!(c.cnt() as usize, expected().len());
    assert_eq!(rust.bytes, c.bytes, "resolved set bytes, Rust vs C");
}

/// Symbols of an ELF file: name to (address, type letter).
fn nm(path: &Path) -> HashMap<String, (u64, char)> {
    let out = run(Command::new(tool("nm", "binutils")).arg(path));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            let addr = u64::from_str_radix(w.next()?, 16).ok()?;
            let kind = w.next()?.chars().next()?;
            Some((w.next()?.to_owned(), (addr, kind)))
        })
        .collect()
}

#[test]
fn fat_lto_keeps_every_kfunc_and_its_calls() {
    let b = built();
    let syms = nm(&b.caller);
    for (name, _, _) in expected() {
        let (_, kind) = syms
            .get(name)
            .unwrap_or_else(|| panic!("{name} missing from the fat-LTO executable"));
        assert_eq!(*kind, 'T', "{name} is a global function");
    }
    // The control: a plain #[no_mangle] function nothing calls is removed, so
    // the linker really collects unused code here.
    assert!(
        !syms.contains_key("demo_kfuncs_len"),
        "--gc-sections / LTO dropped the unreferenced non-kfunc"
    );

    // The executable runs (the calls work) ...
    let out = run(&mut Command::new(&b.caller));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("sum="));

    // ... and its call sites are calls, not inlined copies. rustc calls
    // exported functions through the GOT (`call *slot(%rip)`), so a slot is
    // followed to the function its relocation points at.
    let by_addr: HashMap<u64, &str> = syms
        .iter()
        .filter(|(_, (_, k))| *k == 'T' || *k == 't')
        .map(|(n, (a, _))| (*a, n.as_str()))
        .collect();
    let got = got_targets(&b.caller);
    let dis = run(Command::new(tool("objdump", "binutils"))
        .args(["-d", "--no-show-raw-insn"])
        .arg(&b.caller));
    let dis = String::from_utf8_lossy(&dis.stdout);
    let mut called: Vec<&str> = Vec::new();
    for line in dis.lines() {
        let Some(insn) = line.split('\t').nth(1) else {
            continue;
        };
        if !(insn.starts_with("call") || insn.starts_with("jmp")) {
            continue;
        }
        let target = if let Some((_, comment)) = insn.split_once("# ") {
            // Indirect through a GOT slot.
            let slot = u64::from_str_radix(comment.split_whitespace().next().unwrap(), 16).ok();
            slot.and_then(|s| got.get(&s).copied())
        } else {
            // Direct: `call   14c30 <bpf_demo_buf_sum>`.
            insn.split_whitespace()
                .nth(1)
                .and_then(|a| u64::from_str_radix(a, 16).ok())
        };
        if let Some(name) = target.and_then(|t| by_addr.get(&t)) {
            called.push(name);
        }
    }
    for callee in [
        "bpf_demo_buf_sum",
        "bpf_demo_task_from_pid",
        "bpf_demo_task_release",
        "bpf_iter_demo_new",
        "bpf_iter_demo_next",
        "bpf_iter_demo_destroy",
        // Called by bpf_demo_task_from_pid, inside the library.
        "bpf_demo_task_acquire",
    ] {
        assert!(
            called.contains(&callee),
            "a call to {callee} is in the executable"
        );
    }
}

/// GOT slots of a PIE and the address each is relocated to
/// (`R_X86_64_RELATIVE` addends), read by readelf.
fn got_targets(path: &Path) -> HashMap<u64, u64> {
    let out = run(Command::new(tool("readelf", "binutils"))
        .arg("-rW")
        .arg(path));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains("_RELATIVE"))
        .filter_map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            let slot = u64::from_str_radix(w.first()?, 16).ok()?;
            let target = u64::from_str_radix(w.last()?, 16).ok()?;
            Some((slot, target))
        })
        .collect()
}
