//! Output handling: `-o`, in-place writes keep the mode, nothing else in
//! the file changes, no temporary files are left behind.

mod common;

use common::*;
use std::os::unix::fs::PermissionsExt;
use std::process::Command;

#[test]
fn output_and_mode() {
    let dir = scratch("output");
    let src = "struct a { int x; };\nint f(struct a *p) { return p->x; }\nBTF_ID_LIST(l)\nBTF_ID(struct, a)\nBTF_ID(func, f)\n";
    let obj = compile_c(&dir, "o", src, true);
    pahole(&obj, None);
    std::fs::set_permissions(&obj, std::fs::Permissions::from_mode(0o751)).unwrap();
    let before = std::fs::read(&obj).unwrap();
    let out_path = dir.join("out.o");
    let out = run(Command::new(ours())
        .arg("resolve")
        .arg("-o")
        .arg(&out_path)
        .arg(&obj));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read(&obj).unwrap(), before, "-o changed the input");
    only_btf_ids_changed(&obj, &out_path);
    assert_eq!(
        std::fs::metadata(&out_path).unwrap().permissions().mode() & 0o7777,
        0o751
    );
    // In place: same bytes as -o, mode kept.
    let out = run(Command::new(ours()).arg("resolve").arg(&obj));
    assert!(out.status.success());
    assert_eq!(
        std::fs::read(&obj).unwrap(),
        std::fs::read(&out_path).unwrap()
    );
    assert_eq!(
        std::fs::metadata(&obj).unwrap().permissions().mode() & 0o7777,
        0o751
    );
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // The result checks clean.
    let out = run(Command::new(ours()).arg("check").arg(&obj));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn installed_as_resolve_btfids() {
    let dir = scratch("argv0");
    let link = dir.join("resolve_btfids");
    std::os::unix::fs::symlink(ours(), &link).unwrap();
    let src = "struct a { int x; };\nint f(struct a *p) { return p->x; }\nBTF_ID_LIST(l)\nBTF_ID(struct, a)\n";
    let obj = compile_c(&dir, "o", src, true);
    pahole(&obj, None);
    let out = run(Command::new(&link).arg(&obj));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_ne!(btf_ids_bytes(&obj), vec![0u8; 4]);
}
