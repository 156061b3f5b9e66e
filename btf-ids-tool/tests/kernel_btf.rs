//! Making a module's BTF acceptable to kernel 6.12: opaque kernel types
//! pointed at the base's, Rust names made identifiers, split BTF made over
//! another base refused, a resolved file refused, and `check` saying so.
//! Fixtures: a base from gcc -g + pahole -J (`struct task_struct {int
//! pid;}`, two different `struct dup`, a `struct fwd_only` only declared),
//! split module BTF over it (pahole --btf_base), and a Rust staticlib with
//! real Rust DWARF.

mod common;

use btf_ids_tool::internals::btf_rules;
use btf_ids_tool::internals::ElfInfo;
use btf_ids_tool::internals::{kind, Btf};
use common::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BASE_A: &str = r#"
struct task_struct { int pid; };
struct dup { int a; };
struct fwd_only;
int base_fn(struct task_struct *t, struct dup *d, struct fwd_only *f) { return t->pid + d->a + (f != 0); }
"#;

/// A second translation unit of the base with another `struct dup`.
const BASE_B: &str = r#"
struct dup { long b; char c; };
long base_fn2(struct dup *d) { return d->b + d->c; }
"#;

/// A module declaring kernel types opaque, as Rust does (GNU C's empty
/// struct has size 0 and no members, like `#[repr(C)] struct task_struct
/// {}`).
const MODULE: &str = r#"
struct task_struct {};
struct fwd_only {};
struct nobase {};
typedef struct task_struct ts_t;
struct mod_obj { struct task_struct *t; const struct task_struct *c; int x; };
struct task_struct *kf_acquire(struct task_struct *t, ts_t *u, struct fwd_only *f, struct nobase *n) { return f || n ? t : u; }
int kf_obj(struct mod_obj *o) { return o->x; }
BTF_ID_LIST(mod_list)
BTF_ID(struct, task_struct)
BTF_ID(struct, mod_obj)
BTF_ID(func, kf_acquire)
BTF_KFUNCS_START(mod_kfuncs)
BTF_ID_FLAGS(func, kf_obj, 0x0)
BTF_ID_FLAGS(func, kf_acquire, 0x5)
BTF_KFUNCS_END(mod_kfuncs)
"#;

/// A module whose opaque `struct dup` has two base types of its name.
const MODULE_DUP: &str = r#"
struct dup {};
int kf_dup(struct dup *d) { return d != 0; }
BTF_ID_LIST(dup_list)
BTF_ID(func, kf_dup)
"#;

/// The base object: two units linked, BTF by pahole.
fn base(dir: &Path) -> PathBuf {
    let a = compile_c(dir, "base_a", BASE_A, true);
    let b = compile_c(dir, "base_b", BASE_B, true);
    let out = dir.join("base.o");
    let r = run(Command::new("ld")
        .arg("-r")
        .arg(&a)
        .arg(&b)
        .arg("-o")
        .arg(&out));
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    pahole(&out, None);
    out
}

fn module(dir: &Path, stem: &str, src: &str, base: &Path) -> PathBuf {
    let m = compile_c(dir, stem, src, true);
    pahole(&m, Some(base));
    m
}

fn btf_of(path: &Path) -> Vec<u8> {
    let d = std::fs::read(path).unwrap();
    let e = ElfInfo::parse(&d).unwrap();
    e.section_bytes(e.btf.expect("no .BTF")).to_vec()
}

fn tool(args: &[&str], file: &Path) -> Output {
    run(Command::new(ours()).args(args).arg(file))
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The id of the type of `kind` named `name` among `btf`'s own types (or
/// the base's, with `in_base`).
fn find(btf: &Btf<'_>, k: u8, name: &str) -> Vec<u32> {
    (1..btf.type_count())
        .filter(|&id| btf.kind_of(id) == Some(k) && btf.type_name(id) == Some(name.as_bytes()))
        .collect()
}

#[test]
fn opaque_kernel_types_point_at_the_base() {
    let dir = scratch("kbtf-types");
    let base = base(&dir);
    let m = module(&dir, "mod", MODULE, &base);
    let b = base.to_str().unwrap();
    let orig = std::fs::read(&m).unwrap();
    let base_btf_bytes = btf_of(&base);
    let base_btf = Btf::parse(&base_btf_bytes).unwrap();
    let base_task = find(&base_btf, kind::STRUCT, "task_struct");
    assert_eq!(base_task.len(), 1);
    let base_task = base_task[0];
    let (local_task, refs_before) = {
        let own = btf_of(&m);
        let split = Btf::parse_split(&own, Some(&base_btf)).unwrap();
        let local: Vec<u32> = find(&split, kind::STRUCT, "task_struct")
            .into_iter()
            .filter(|&id| id >= split.start_id())
            .collect();
        assert_eq!(local.len(), 1, "pahole kept no module-local task_struct");
        let mut n = 0;
        for id in split.start_id()..split.type_count() {
            split.for_each_ref(id, |_, _, t| n += (t == local[0]) as usize);
        }
        (local[0], n)
    };
    assert!(refs_before >= 3, "{refs_before}");

    // Before: check names the shadowing type and says what fixes it.
    let out = tool(&["check", "-b", b], &m);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "module struct task_struct [id {local_task}] is opaque and shadows vmlinux's [id {base_task}]"
        )) && err.contains("btf-ids resolve -b"),
        "{err}"
    );

    // The C tool on a copy, for the ids.
    let c = dir.join("c-tool.o");
    std::fs::copy(&m, &c).unwrap();
    let cout = run(Command::new(kernel_resolve_btfids())
        .args(["-b", b])
        .arg(&c));
    assert!(cout.status.success(), "{}", stderr(&cout));

    let out = tool(&["resolve", "-v", "-b", b], &m);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains(&format!(
            "pointing module struct task_struct [id {local_task}] at vmlinux [id {base_task}]"
        )),
        "{err}"
    );
    assert!(
        err.contains("module struct fwd_only") && err.contains("only a forward declaration"),
        "{err}"
    );
    assert!(err.contains("vmlinux has no struct nobase"), "{err}");
    assert!(!err.contains("multiple IDs"), "{err}");
    only_btf_sections_changed(&dir.join("mod.o.orig").tap_write(&orig), &m);

    // Every reference re-pointed, the local name cleared, ids stable.
    let own = btf_of(&m);
    let split = Btf::parse_split(&own, Some(&base_btf)).unwrap();
    assert_eq!(own.len(), btf_of(&c).len());
    let mut to_local = 0;
    let mut to_base = 0;
    for id in split.start_id()..split.type_count() {
        split.for_each_ref(id, |_, _, t| {
            to_local += (t == local_task) as usize;
            to_base += (t == base_task) as usize;
        });
    }
    assert_eq!(to_local, 0);
    assert_eq!(to_base, refs_before);
    assert_eq!(split.type_header(local_task).unwrap().name_off, 0);
    assert_eq!(split.kind_of(local_task), Some(kind::STRUCT));
    // .BTF_ids: task_struct is vmlinux's id; the rest as the C tool has it.
    let ids = btf_ids_bytes(&m);
    let word = |b: &[u8], i: usize| u32::from_le_bytes(b[i * 4..i * 4 + 4].try_into().unwrap());
    assert_eq!(word(&ids, 0), base_task);
    assert_eq!(ids, btf_ids_bytes(&c));
    // After: check passes; a second resolve is refused and changes nothing.
    let out = tool(&["check", "-b", b], &m);
    assert!(out.status.success(), "{}", stderr(&out));
    let before = std::fs::read(&m).unwrap();
    let out = tool(&["resolve", "-b", b], &m);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("set8 'mod_kfuncs' is already resolved"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read(&m).unwrap(), before);
}

/// Writes `data` to `self` and returns it (for a copy of the original).
trait TapWrite {
    fn tap_write(self, data: &[u8]) -> PathBuf;
}

impl TapWrite for PathBuf {
    fn tap_write(self, data: &[u8]) -> PathBuf {
        std::fs::write(&self, data).unwrap();
        self
    }
}

#[test]
fn no_kernel_types_keeps_the_c_tool_result() {
    let dir = scratch("kbtf-nokt");
    let base = base(&dir);
    let m = module(&dir, "mod", MODULE, &base);
    let b = base.to_str().unwrap();
    let orig_btf = btf_of(&m);
    let c = dir.join("c-tool.o");
    std::fs::copy(&m, &c).unwrap();
    let cout = run(Command::new(kernel_resolve_btfids())
        .args(["-b", b])
        .arg(&c));
    assert!(cout.status.success());
    let out = tool(&["resolve", "--no-kernel-types", "-b", b], &m);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(btf_of(&m), orig_btf, ".BTF changed");
    assert_eq!(btf_ids_bytes(&m), btf_ids_bytes(&c));
    assert_eq!(
        stderr(&out),
        stderr(&cout),
        "warnings differ from the C tool"
    );
    // check still reports the shadow, unless told not to.
    assert_eq!(tool(&["check", "-b", b], &m).status.code(), Some(1));
    let out = tool(&["check", "--no-kernel-types", "-b", b], &m);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn ambiguous_kernel_type_is_an_error() {
    let dir = scratch("kbtf-dup");
    let base = base(&dir);
    let base_btf_bytes = btf_of(&base);
    let base_btf = Btf::parse(&base_btf_bytes).unwrap();
    let dups = find(&base_btf, kind::STRUCT, "dup");
    assert_eq!(dups.len(), 2, "the base should have two struct dup");
    let m = module(&dir, "dupmod", MODULE_DUP, &base);
    let before = std::fs::read(&m).unwrap();
    let out = tool(&["resolve", "-b", base.to_str().unwrap()], &m);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("struct dup")
            && err.contains(&format!("ids {}, {}", dups[0], dups[1]))
            && err.contains("--no-kernel-types"),
        "{err}"
    );
    assert_eq!(std::fs::read(&m).unwrap(), before, "file changed");
    let out = tool(&["check", "-b", base.to_str().unwrap()], &m);
    assert!(
        stderr(&out).contains("vmlinux has several"),
        "{}",
        stderr(&out)
    );
    // Turned off, it resolves as the C tool does.
    let out = tool(
        &["resolve", "--no-kernel-types", "-b", base.to_str().unwrap()],
        &m,
    );
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn split_btf_over_another_base_is_refused() {
    let dir = scratch("kbtf-base");
    let base = base(&dir);
    // Another base: more and other strings, other type ids.
    let other = compile_c(
        &dir,
        "other",
        "struct list_head { struct list_head *next, *prev; };\nstruct task_struct { long state; struct list_head tasks; int pid; };\n\
         struct file { long f_pos; unsigned int f_flags; };\nint other_fn(struct task_struct *t, struct file *f) { return t->pid + (int)f->f_pos; }\n",
        true,
    );
    pahole(&other, None);
    let m = module(&dir, "mod", MODULE, &base);
    let before = std::fs::read(&m).unwrap();
    for cmd in [&["check"][..], &["resolve"]] {
        let mut args = cmd.to_vec();
        args.extend(["-b", other.to_str().unwrap()]);
        let out = tool(&args, &m);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.contains("split BTF was not made over") && err.contains("pahole -J --btf_base"),
            "{err}"
        );
        assert_eq!(std::fs::read(&m).unwrap(), before);
    }
    // The real thing, both ways: a module over the running kernel's BTF
    // checked against Debian's 6.12 vmlinux, and a Debian module against
    // the running kernel's.
    let host = Path::new("/sys/kernel/btf/vmlinux");
    let debian = std::fs::read_dir("/usr/src")
        .unwrap()
        .flatten()
        .map(|e| e.path().join("vmlinux"))
        .find(|p| {
            p.exists()
                && p.parent()
                    .and_then(|d| d.file_name())
                    .is_some_and(|n| n.to_string_lossy().starts_with("linux-headers-6.12."))
        });
    let (Some(debian), true) = (debian, host.exists()) else {
        return;
    };
    let over_host = compile_c(&dir, "host", "struct task_struct;\nstruct file;\nint hf(struct task_struct *t, struct file *f) { return t != 0 && f != 0; }\n", true);
    pahole(&over_host, Some(host));
    let over_debian = compile_c(&dir, "deb", "struct task_struct;\nstruct file;\nint df(struct task_struct *t, struct file *f) { return t != 0 && f != 0; }\n", true);
    pahole(&over_debian, Some(&debian));
    let d = debian.to_str().unwrap();
    let h = host.to_str().unwrap();
    for (obj, good, bad) in [(&over_host, h, d), (&over_debian, d, h)] {
        assert!(tool(&["check", "-b", good], obj).status.success());
        let out = tool(&["check", "-b", bad], obj);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains("split BTF was not made over"), "{err}");
    }
}

/// A no_std Rust staticlib with real Rust DWARF: generics, `&str`, an
/// `Option<fn>`, a tuple, a closure, a reordered struct, an unsized struct
/// (`CStr`), zero-sized members at a struct's end (`fold`'s closure holding
/// a fn item, an array iterator's unsized tail), an opaque kernel type, next
/// to kfunc-like functions.
const RUST_LIB: &str = r#"#![no_std]
#![allow(non_camel_case_types)]
#[repr(C)]
pub struct task_struct {}
#[repr(C)]
pub struct Wrapper<T> { pub inner: T, pub tag: u32 }
pub struct Reordered { pub a: u8, pub b: u64, pub c: u16 }
#[repr(C)]
pub struct Holder {
    pub name: &'static str,
    pub cb: Option<unsafe extern "C" fn(*mut task_struct) -> i32>,
    pub w: Wrapper<[u8; 4]>,
    pub r: Reordered,
    pub t: (u8, u32),
    pub c: &'static core::ffi::CStr,
}
#[no_mangle]
pub static mut HOLDER: Holder = Holder { name: "x", cb: None, w: Wrapper { inner: [0; 4], tag: 0 },
    r: Reordered { a: 0, b: 0, c: 0 }, t: (0, 0), c: c"x" };
#[no_mangle]
pub unsafe extern "C" fn bpf_rs_task(t: *mut task_struct, n: u32) -> *mut task_struct { let _ = n; t }
#[no_mangle]
pub unsafe extern "C" fn bpf_rs_use(h: *mut Holder) -> u32 { let c = |x: u32| x + 1; c((*h).w.tag) + (*h).r.a as u32 }
#[no_mangle]
pub extern "C" fn bpf_rs_fold(n: u32) -> u32 { [1u32, 2, n].into_iter().filter(|x| *x > 1).fold(0, u32::wrapping_add) }
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! { loop {} }
"#;

fn rust_object(dir: &Path, base: &Path) -> PathBuf {
    let src = dir.join("rs");
    std::fs::create_dir_all(src.join("src")).unwrap();
    std::fs::write(
        src.join("Cargo.toml"),
        "[package]\nname = \"rsdwarf\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[workspace]\n[lib]\ncrate-type = [\"staticlib\"]\n\
         [profile.release]\npanic = \"abort\"\nopt-level = 2\ndebug = 2\n",
    )
    .unwrap();
    std::fs::write(src.join("src/lib.rs"), RUST_LIB).unwrap();
    // Kept between runs to save the build.
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("rsdwarf-target");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = run(Command::new(cargo)
        .current_dir(&src)
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .args(["build", "--quiet", "--release"]));
    assert!(out.status.success(), "rust build: {}", stderr(&out));
    let obj = dir.join("rs.o");
    let out = run(Command::new("ld")
        .args([
            "-r",
            "-u",
            "bpf_rs_task",
            "-u",
            "bpf_rs_use",
            "-u",
            "HOLDER",
            "-u",
            "bpf_rs_fold",
        ])
        .arg(target.join("release/librsdwarf.a"))
        .arg("-o")
        .arg(&obj));
    assert!(out.status.success(), "ld -r: {}", stderr(&out));
    pahole(&obj, Some(base));
    obj
}

#[test]
fn rust_names_are_made_identifiers() {
    let dir = scratch("kbtf-rust");
    let base = base(&dir);
    let b = base.to_str().unwrap();
    let obj = rust_object(&dir, &base);
    let base_btf_bytes = btf_of(&base);
    let base_btf = Btf::parse(&base_btf_bytes).unwrap();
    let own = btf_of(&obj);
    let before = Btf::parse_split(&own, Some(&base_btf)).unwrap();
    let bad = btf_rules::check(&before, 8);
    assert!(
        bad.iter().any(|v| v.name == "Wrapper<[u8; 4]>")
            && bad.iter().any(|v| v.name == "&str")
            && bad
                .iter()
                .any(|v| v.name.starts_with("Option<unsafe extern \"C\" fn("))
            && bad.iter().any(|v| v.name == "Reordered")
            && bad.iter().any(|v| v.name == "CStr"),
        "{bad:#?}"
    );
    let wrapper = find(&before, kind::STRUCT, "Wrapper<[u8; 4]>")[0];
    // Bit flips of real Rust BTF through the repairs: errors, no panic, and
    // never a change of size.
    for i in (0..own.len()).step_by(3) {
        let mut d = own.clone();
        d[i] ^= 0x5a;
        let opts = btf_ids_tool::internals::btf_fix::FixOptions {
            kernel_types: true,
            ptr_size: 8,
        };
        if let Ok(f) = btf_ids_tool::internals::btf_fix::fix(&d, Some(&base_btf), opts) {
            assert!(f.btf.is_none_or(|n| n.len() == d.len()));
        }
    }
    // check fails, naming the first offending types and the cure.
    let out = tool(&["check", "-b", b], &obj);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!("type [{wrapper}] struct 'Wrapper<[u8; 4]>'"))
            && err.contains("is not a C identifier")
            && err.contains("`btf-ids resolve` makes it valid"),
        "{err}"
    );
    let orig = std::fs::read(&obj).unwrap();
    let out = tool(&["resolve", "-v", "-b", b], &obj);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains(&format!(
            "renaming struct 'Wrapper<[u8; 4]>' [id {wrapper}] to 'Wrapper__u8__4__'"
        )),
        "{err}"
    );
    assert!(err.contains("renaming struct '&str'"), "{err}");
    assert!(
        err.contains("sorting the members of struct 'Reordered'"),
        "{err}"
    );
    assert!(err.contains("pointing module struct task_struct"), "{err}");
    assert!(
        err.contains("pointing member #0 of struct 'CStr'") && err.contains("at the empty type"),
        "{err}"
    );
    assert!(
        err.contains("of struct '_closure_env_0__u32__u32__rsdwarf__bpf_rs_fold__")
            && err.contains("fields without a size"),
        "{err}"
    );
    only_btf_sections_changed(&dir.join("rs.o.orig").tap_write(&orig), &obj);
    let own = btf_of(&obj);
    let after = Btf::parse_split(&own, Some(&base_btf)).unwrap();
    assert_eq!(btf_rules::check(&after, 8), vec![]);
    assert_eq!(after.type_name(wrapper), Some(&b"Wrapper__u8__4__"[..]));
    assert!(find(&after, kind::FUNC, "bpf_rs_task").len() == 1);
    let out = tool(&["check", "-b", b], &obj);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn unresolved_kfunc_in_a_module_gets_a_hint() {
    let dir = scratch("kbtf-hint");
    let base = base(&dir);
    let src = "int kf_here(int x) { return x; }\nBTF_KFUNCS_START(ks)\nBTF_ID_FLAGS(func, kf_here, 0)\nBTF_ID_FLAGS(func, kf_missing, 0)\nBTF_KFUNCS_END(ks)\n";
    let m = module(&dir, "hint", src, &base);
    let c = dir.join("c.o");
    std::fs::copy(&m, &c).unwrap();
    let b = base.to_str().unwrap();
    let cout = run(Command::new(kernel_resolve_btfids())
        .args(["-b", b])
        .arg(&c));
    let out = tool(&["resolve", "-b", b], &m);
    assert!(out.status.success());
    let ours: Vec<String> = stderr(&out).lines().map(String::from).collect();
    let theirs: Vec<String> = stderr(&cout).lines().map(String::from).collect();
    assert_eq!(
        theirs,
        ["WARN: resolve_btfids: unresolved symbol kf_missing"]
    );
    assert_eq!(ours.len(), 2, "{ours:?}");
    assert_eq!(ours[0], theirs[0]);
    assert!(
        ours[1].contains("kfunc kf_missing")
            && ours[1].contains("--lang_exclude=rust")
            && ours[1].contains("PAHOLE_FLAGS=\"--btf_gen_floats -j\"")
            && ours[1].contains("-22"),
        "{}",
        ours[1]
    );
    assert_eq!(btf_ids_bytes(&m), btf_ids_bytes(&c));
}

/// A kfunc that is an alias of another function (what LLVM's
/// MergeFunctions makes of two identical Rust kfuncs) has a symbol but no
/// DWARF, so no BTF FUNC: the hint names the function it shares code with.
#[test]
fn merged_kfunc_hint_names_its_twin() {
    let dir = scratch("kbtf-merged");
    let base = base(&dir);
    let src = "int kf_first(int x) { return x + 1; }\n\
               int kf_second(int x) __attribute__((alias(\"kf_first\")));\n\
               BTF_KFUNCS_START(ks)\nBTF_ID_FLAGS(func, kf_first, 0)\nBTF_ID_FLAGS(func, kf_second, 0)\nBTF_KFUNCS_END(ks)\n";
    let m = module(&dir, "merged", src, &base);
    let b = base.to_str().unwrap();
    let out = tool(&["resolve", "-b", b], &m);
    assert!(out.status.success());
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines[0], "WARN: resolve_btfids: unresolved symbol kf_second",
        "{err}"
    );
    assert!(
        lines[1].contains("kfunc kf_second")
            && lines[1].contains("at the address of kf_first")
            && lines[1].contains("-Zmerge-functions=disabled")
            && !lines[1].contains("--lang_exclude"),
        "{err}"
    );
}
