//! kbuild/btf-ids-rust.mk stops a module build, with a message naming the
//! cure, where the kernel would otherwise fail silently at load time:
//! pahole told to skip Rust (the kfuncs get no BTF), the kernel's own
//! resolve_btfids (opaque kernel types and Rust names left as they are), no
//! resolver at all, and a Kbuild file that forgets what the fragment needs.
//! The builds stop while Kbuild reads the file, before cargo runs.

use btf_ids_tests::workspace_root;
use std::path::{Path, PathBuf};
use std::process::Command;

/// `KDIR` of the installed Debian 6.12 kernel, from scripts/kernel-env.sh.
fn kdir() -> String {
    let out = Command::new(workspace_root().join("scripts/kernel-env.sh"))
        .output()
        .expect("run scripts/kernel-env.sh");
    let env = String::from_utf8_lossy(&out.stdout);
    env.lines()
        .find_map(|l| l.strip_prefix("KDIR="))
        .map(str::to_owned)
        .unwrap_or_else(|| {
            panic!(
                "no Debian 6.12 kernel headers: {} (install linux-headers-6.12.X+deb12-amd64 and \
                 the matching linux-kbuild and linux-image; scripts/install-deps.sh does)",
                String::from_utf8_lossy(&out.stderr)
            )
        })
}

/// Runs Kbuild on a copy of `module_dir` (so the tree stays clean) with
/// `args`, and returns what it printed; the build must fail.
fn failing_build(module_dir: &Path, kbuild: Option<&str>, args: &[&str]) -> String {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "kbuild-guard-{}",
        args.join("-").replace(['/', '=', ' ', '"'], "_")
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let text = kbuild.map(str::to_owned).unwrap_or_else(|| {
        std::fs::read_to_string(module_dir.join("Kbuild")).expect("read the module's Kbuild")
    });
    // The copy lives elsewhere, so the include must name the fragment itself.
    let fragment = workspace_root().join("kbuild/btf-ids-rust.mk");
    let text = text
        .lines()
        .map(|l| {
            if l.starts_with("include ") {
                format!("include {}", fragment.display())
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(dir.join("Kbuild"), text).unwrap();
    let out = Command::new("make")
        .arg("-C")
        .arg(kdir())
        .arg(format!("M={}", dir.display()))
        .args(args)
        .arg("modules")
        .output()
        .expect("run make (install make)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success(), "the build went on: {text}");
    assert!(!dir.join("mymod.ko").exists());
    text
}

fn doc_module() -> PathBuf {
    workspace_root().join("tests/doc-module")
}

const GOOD_PAHOLE: &str = "PAHOLE_FLAGS=--btf_gen_floats -j";

#[test]
fn pahole_skipping_rust_stops_the_build() {
    let out = failing_build(&doc_module(), None, &["RESOLVE_BTFIDS=/usr/bin/true"]);
    assert!(
        out.contains("PAHOLE_FLAGS has --lang_exclude=rust, so the Rust kfuncs would get no BTF")
            && out.contains("PAHOLE_FLAGS=\"--btf_gen_floats -j\""),
        "{out}"
    );
}

#[test]
fn the_kernels_resolve_btfids_stops_the_build() {
    let out = failing_build(&doc_module(), None, &[GOOD_PAHOLE]);
    assert!(
        out.contains("RESOLVE_BTFIDS is the kernel's resolve_btfids")
            && out.contains("RESOLVE_BTFIDS=<path of btf-ids>"),
        "{out}"
    );
}

#[test]
fn no_resolver_stops_the_build() {
    let out = failing_build(&doc_module(), None, &[GOOD_PAHOLE, "RESOLVE_BTFIDS="]);
    assert!(out.contains("RESOLVE_BTFIDS is empty"), "{out}");
}

#[test]
fn a_kbuild_without_rust_object_stops_the_build() {
    let kbuild = "obj-m := mymod.o\nmymod-y := mymod_rust.o\nrust-crate := mymod\n\
                  rust-undefined := init_module\ninclude btf-ids-rust.mk\n";
    let out = failing_build(
        &doc_module(),
        Some(kbuild),
        &[GOOD_PAHOLE, "RESOLVE_BTFIDS=/usr/bin/true"],
    );
    assert!(out.contains("set rust-object"), "{out}");
}
