//! What a resolved file stays (../shared/DESIGN.md, "Writing a resolved
//! file"): in place, the same inode with only `.BTF_ids` bytes changed,
//! links, symlinks, owner, mode and xattrs kept; `-o` through a private
//! temporary, never handing a setuid bit to a new owner, and writing to a
//! device, a FIFO or stdout as it is; inputs that are not regular files refused at once;
//! names up to NAME_MAX.

mod common;

use common::*;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SRC: &str = "struct a { int x; };\nint f(struct a *p) { return p->x; }\nBTF_ID_LIST(l)\nBTF_ID(struct, a)\nBTF_ID(func, f)\n";

/// An unresolved object with its own BTF.
fn object(dir: &Path) -> PathBuf {
    let obj = compile_c(dir, "o", SRC, true);
    pahole(&obj, None);
    obj
}

fn resolve(args: &[&str], file: &Path) -> Output {
    // `timeout`: a tool that blocks on its input fails the test, not CI.
    run(Command::new("timeout")
        .arg("20")
        .arg(ours())
        .arg("resolve")
        .args(args)
        .arg(file))
}

fn ok(out: &Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The bytes `-o` makes of `obj`, which in place must make too.
fn expected(dir: &Path, obj: &Path) -> Vec<u8> {
    let copy = dir.join("expected.o");
    ok(&resolve(&["-o", copy.to_str().unwrap()], obj));
    only_btf_ids_changed(obj, &copy);
    std::fs::read(&copy).unwrap()
}

#[test]
fn in_place_keeps_inode_links_symlinks_mode_and_xattrs() {
    let dir = scratch("identity-inplace");
    let obj = object(&dir);
    let want = expected(&dir, &obj);
    std::fs::set_permissions(&obj, std::fs::Permissions::from_mode(0o751)).unwrap();
    let link = dir.join("hard.o");
    std::fs::hard_link(&obj, &link).unwrap();
    let sym = dir.join("sym.o");
    std::os::unix::fs::symlink(&obj, &sym).unwrap();
    let xattr = xattr::set(&obj, "user.btfids.test", b"kept").is_ok();
    let before = std::fs::metadata(&obj).unwrap();

    ok(&resolve(&[], &sym));

    let after = std::fs::metadata(&obj).unwrap();
    assert_eq!(
        std::fs::read(&obj).unwrap(),
        want,
        "resolved through the symlink"
    );
    assert_eq!(std::fs::read(&link).unwrap(), want, "the hard link sees it");
    assert!(std::fs::symlink_metadata(&sym)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(after.ino(), before.ino());
    assert_eq!(after.nlink(), 2);
    assert_eq!(after.mode(), before.mode());
    assert_eq!((after.uid(), after.gid()), (before.uid(), before.gid()));
    if xattr {
        assert_eq!(
            xattr::get(&obj, "user.btfids.test").unwrap().as_deref(),
            Some(&b"kept"[..])
        );
    }
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().all(|n| !n.starts_with(".btfids")),
        "a temporary was left: {names:?}"
    );
}

#[test]
fn setuid_never_reaches_a_new_owner() {
    let dir = scratch("identity-setuid");
    let obj = object(&dir);
    let root = effective_uid() == 0;
    if root {
        // A user's setuid file, resolved by root (chown first: it clears
        // the bits).
        std::os::unix::fs::chown(&obj, Some(1000), Some(1000)).unwrap();
    }
    std::fs::set_permissions(&obj, std::fs::Permissions::from_mode(0o6755)).unwrap();
    assert_eq!(std::fs::metadata(&obj).unwrap().mode() & 0o7777, 0o6755);
    let out_path = dir.join("new.o");
    ok(&resolve(&["-o", out_path.to_str().unwrap()], &obj));
    let new = std::fs::metadata(&out_path).unwrap();
    if root {
        assert_eq!((new.uid(), new.gid()), (0, 0));
        assert_eq!(new.mode() & 0o7777, 0o755, "setuid/setgid dropped");
    } else {
        assert_eq!(new.mode() & 0o7777, 0o6755, "same owner: the bits stay");
    }
    // In place, the file keeps its owner, so it keeps its bits.
    ok(&resolve(&[], &obj));
    let m = std::fs::metadata(&obj).unwrap();
    assert_eq!(m.mode() & 0o7777, 0o6755);
    if root {
        assert_eq!((m.uid(), m.gid()), (1000, 1000));
    }
}

/// The effective uid, from /proc (no libc in this test crate).
fn effective_uid() -> u32 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
    line.split_whitespace().nth(2).unwrap().parse().unwrap()
}

#[test]
fn output_to_a_device_a_fifo_or_stdout_writes_to_it() {
    use std::os::unix::fs::FileTypeExt;
    let dir = scratch("identity-dev");
    let obj = object(&dir);
    let before = std::fs::read(&obj).unwrap();
    let want = expected(&dir, &obj);
    ok(&resolve(&["-o", "/dev/null"], &obj));
    assert!(std::fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());
    assert_eq!(std::fs::read(&obj).unwrap(), before);

    // A FIFO gets the resolved bytes and stays a FIFO.
    let fifo = dir.join("out.fifo");
    ok(&run(Command::new("mkfifo").arg(&fifo)));
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    ok(&resolve(&["-o", fifo.to_str().unwrap()], &obj));
    assert_eq!(reader.join().unwrap(), want, "what the FIFO carried");
    assert!(std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo());

    // Standard output, a pipe here, is written as it is.
    for name in ["/dev/stdout", "-"] {
        let out = resolve(&["-o", name], &obj);
        ok(&out);
        assert_eq!(out.stdout, want, "what stdout carried for -o {name}");
    }
    // The JSON report would mix with the object: refused.
    let out = resolve(&["--json", "-o", "-"], &obj);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--json"));
    // Redirected to a regular file, stdout is written through its
    // descriptor: /dev/stdout, a symlink, must not be replaced.
    let redirected = dir.join("redirected.o");
    let status = Command::new("timeout")
        .arg("20")
        .arg(ours())
        .args(["resolve", "-o", "/dev/stdout"])
        .arg(&obj)
        .stdout(std::fs::File::create(&redirected).unwrap())
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(std::fs::read(&redirected).unwrap(), want);
    assert!(std::fs::symlink_metadata("/dev/stdout")
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read(&obj).unwrap(), before, "-o left the input");
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().starts_with(".btfids"))
        .collect();
    assert!(left.is_empty(), "temporaries left: {left:?}");
}

#[test]
fn inputs_that_are_not_regular_files_are_refused_at_once() {
    let dir = scratch("identity-fifo");
    let fifo = dir.join("fifo");
    ok(&run(Command::new("mkfifo").arg(&fifo)));
    for (input, what) in [
        (PathBuf::from("/dev/zero"), "character device"),
        (fifo, "FIFO"),
        (dir.clone(), "directory"),
    ] {
        for cmd in [&["resolve"][..], &["inspect"], &["check"]] {
            let start = std::time::Instant::now();
            let out = run(Command::new("timeout")
                .arg("20")
                .arg(ours())
                .args(cmd)
                .arg(&input));
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{cmd:?} {input:?}: {err}");
            assert_eq!(err.lines().count(), 1, "{err}");
            assert!(
                err.contains(what) && err.contains(&*input.to_string_lossy()),
                "{err}"
            );
            assert!(
                start.elapsed().as_secs() < 5,
                "{cmd:?} {input:?} took {:?}",
                start.elapsed()
            );
        }
    }
    // A base that is not a regular file is refused the same way.
    let obj = object(&dir);
    let out = resolve(&["-b", "/dev/zero"], &obj);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("character device"));
}

#[test]
fn names_up_to_name_max() {
    let dir = scratch("identity-names");
    let obj = object(&dir);
    let want = expected(&dir, &obj);
    let long = dir.join("i".repeat(255));
    std::fs::copy(&obj, &long).unwrap();
    ok(&resolve(&[], &long));
    assert_eq!(std::fs::read(&long).unwrap(), want);
    let out = dir.join("o".repeat(255));
    ok(&resolve(&["-o", out.to_str().unwrap()], &obj));
    assert_eq!(std::fs::read(&out).unwrap(), want);
}

const KFUNCS: &str = "int kf_one(int x) { return x + 1; }\nBTF_KFUNCS_START(ks)\nBTF_ID_FLAGS(func, kf_one, 0)\nBTF_KFUNCS_END(ks)\n";

#[test]
fn kfunc_tags_rewrite_keeps_what_it_can_and_refuses_to_split_links() {
    let dir = scratch("identity-tags");
    let obj = compile_c(&dir, "k", KFUNCS, true);
    pahole(&obj, None);
    std::fs::set_permissions(&obj, std::fs::Permissions::from_mode(0o640)).unwrap();
    let xattr = xattr::set(&obj, "user.btfids.test", b"kept").is_ok();
    let sym = dir.join("sym.o");
    std::os::unix::fs::symlink(&obj, &sym).unwrap();
    let size = std::fs::metadata(&obj).unwrap().len();

    // Through a symlink: the target is rewritten (it grows), the link stays.
    ok(&resolve(&["--kfunc-tags"], &sym));
    let m = std::fs::metadata(&obj).unwrap();
    assert!(m.len() > size, "the tags grew .BTF");
    assert!(std::fs::symlink_metadata(&sym)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(m.mode() & 0o7777, 0o640);
    if xattr {
        assert_eq!(
            xattr::get(&obj, "user.btfids.test").unwrap().as_deref(),
            Some(&b"kept"[..])
        );
    }

    // With a second hard link it refuses, and changes nothing.
    let obj2 = compile_c(&dir, "k2", KFUNCS, true);
    pahole(&obj2, None);
    std::fs::hard_link(&obj2, dir.join("k2-link.o")).unwrap();
    let before = std::fs::read(&obj2).unwrap();
    let out = resolve(&["--kfunc-tags"], &obj2);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("2 hard links") && err.contains("-o"), "{err}");
    assert_eq!(std::fs::read(&obj2).unwrap(), before);
}
