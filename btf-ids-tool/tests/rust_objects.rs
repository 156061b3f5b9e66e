//! Rust objects: the kernel-module fixture (tests/fixtures/kfunc-module,
//! built with this project's macros as Rust-for-Linux would build a module:
//! a no_std staticlib linked by `ld -r --whole-archive`, split BTF over the
//! running kernel's vmlinux by pahole) resolved by both tools.

mod common;

use common::*;
use std::path::Path;
use std::process::Command;

const VMLINUX: &str = "/sys/kernel/btf/vmlinux";

#[test]
fn rust_kernel_module_matches_kernel_tool() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/kfunc-module");
    assert!(
        fixture.join("Cargo.toml").exists(),
        "fixture missing: {}",
        fixture.display()
    );
    // Kept between runs to save the build.
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("rust-module-target");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = run(Command::new(cargo)
        .current_dir(&fixture)
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .args(["build", "--quiet", "--release"]));
    assert!(
        out.status.success(),
        "fixture build failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let archive = std::fs::read_dir(target.join("release"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "a"))
        .expect("no staticlib built");
    let dir = scratch("rust-module");
    let module = dir.join("module.o");
    let out = run(Command::new("ld")
        .args(["-r", "--whole-archive"])
        .arg(&archive)
        .arg("-o")
        .arg(&module));
    assert!(
        out.status.success(),
        "ld -r: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    pahole(&module, Some(Path::new(VMLINUX)));

    // Before resolving: the Rust lists and sets are recognised.
    let out = run(Command::new(ours())
        .args(["inspect", "--json"])
        .arg(&module));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let groups = v["groups"].as_array().unwrap();
    assert!(
        groups.iter().all(|g| g["kind"] != "orphan"),
        "ids outside any list or set"
    );
    assert!(
        groups
            .iter()
            .any(|g| g["kind"] == "set8"
                && g["flag_names"] == serde_json::json!(["BTF_SET8_KFUNCS"])),
        "no kfunc set"
    );
    assert!(v["summary"]["ids"].as_u64().unwrap() > 0);

    // .BTF_ids as the C tool writes them; our .BTF also made acceptable to
    // the kernel (the opaque task_struct pointed at vmlinux's, Rust names
    // made identifiers), in place.
    let d = differential(&module, &["-b", VMLINUX]);
    only_btf_sections_changed(&module, &d.rust_file);
    // Resolved against the split BTF, everything that resolve_btfids
    // resolved is the right kind and name.
    let out = run(Command::new(ours())
        .args(["check", "-b", VMLINUX])
        .arg(&d.rust_file));
    let err = String::from_utf8_lossy(&out.stderr);
    for l in err.lines().filter(|l| !l.ends_with("failure(s)")) {
        assert!(l.contains("(unresolved)"), "wrong id: {l}");
    }
}
