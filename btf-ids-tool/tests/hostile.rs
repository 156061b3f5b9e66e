//! Hostile shapes (issue 11): `inspect`, `check` and `resolve` stay
//! O(n log n) in symbols, set symbols, labels and names. Each crafted
//! object is built by gcc from generated assembly and run through every
//! command; each run must stay under [`MAX_RSS_KB`] of peak RSS (the
//! child's `ru_maxrss` from `wait4`) and under [`MAX_WALL`], a ceiling far
//! above what the linear code needs even in a debug build on a loaded
//! machine and far below what the quadratic code took (13 s to minutes in
//! release builds). `resolve` must also give the kernel's resolve_btfids'
//! bytes and messages. How fast against the C tool is a benchmark's
//! question (`scripts/bench-real.sh hostile`, docs/BENCHMARKS.md), never a
//! timed test's.
//!
//! The objects are left in `$CARGO_TARGET_TMPDIR/hostile/` for the
//! benchmark script.

mod common;

use btf_ids_tool::internals::{kind, Btf};
use common::*;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

/// Peak RSS allowed for one run.
const MAX_RSS_KB: i64 = 100 * 1024;
/// Wall time allowed for one run.
const MAX_WALL: Duration = Duration::from_secs(30);

/// One measured run.
struct Run {
    code: i32,
    rss_kb: i64,
    wall: Duration,
    stderr: PathBuf,
}

/// scripts/rusage.c, built once: it forks the measured commands from its
/// own small image. (A child forked from this test process would report
/// the test's peak RSS as its own: Linux records the old address space's
/// high-water mark when the child execs.)
fn rusage_helper() -> &'static Path {
    static HELPER: OnceLock<PathBuf> = OnceLock::new();
    HELPER.get_or_init(|| {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/rusage.c");
        let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("rusage");
        let o = run(Command::new("gcc").args(["-O2", "-o"]).arg(&out).arg(&src));
        assert!(
            o.status.success(),
            "gcc {}: {}",
            src.display(),
            String::from_utf8_lossy(&o.stderr)
        );
        out
    })
}

/// Runs `prog args` with stdout and stderr to files, and measures it:
/// exit code, wait4's ru_maxrss, wall time.
fn measure(dir: &Path, tag: &str, prog: &Path, args: &[OsString]) -> Run {
    let stdout = dir.join(format!("{tag}.stdout"));
    let stderr = dir.join(format!("{tag}.stderr"));
    let o = run(Command::new(rusage_helper())
        .arg("-o")
        .arg(&stdout)
        .arg("-e")
        .arg(&stderr)
        .arg("--")
        .arg(prog)
        .args(args));
    let text = String::from_utf8_lossy(&o.stdout);
    let f: Vec<i64> = text
        .split_whitespace()
        .map(|w| w.parse().unwrap_or(-1))
        .collect();
    assert!(
        o.status.success() && f.len() == 4,
        "rusage helper: {text} {}",
        String::from_utf8_lossy(&o.stderr)
    );
    Run {
        code: f[0] as i32,
        rss_kb: f[1],
        wall: Duration::from_micros(f[2] as u64),
        stderr,
    }
}

/// Debian's BTF-only vmlinux (scripts/kernel-env.sh's VMLINUX).
fn vmlinux() -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/src")
        .unwrap()
        .flatten()
        .map(|e| e.path().join("vmlinux"))
        .filter(|p| {
            let d = p.parent().unwrap().file_name().unwrap().to_string_lossy();
            d.starts_with("linux-headers-6.12.") && d.ends_with("-amd64") && p.is_file()
        })
        .collect();
    found.sort();
    found.pop().unwrap_or_else(|| {
        panic!("no /usr/src/linux-headers-6.12.*-amd64/vmlinux: run scripts/install-deps.sh")
    })
}

/// The names of the FUNCs of `vmlinux`'s BTF, in id order.
fn func_names(vmlinux: &Path) -> Vec<String> {
    let data = std::fs::read(vmlinux).unwrap();
    let elf = btf_ids_tool::internals::ElfInfo::parse(&data).unwrap();
    let btf = Btf::parse(elf.section_bytes(elf.btf.unwrap())).unwrap();
    let mut out = Vec::new();
    for id in 1..btf.type_count() {
        let t = btf.type_header(id).unwrap();
        if t.kind == kind::FUNC {
            out.push(String::from_utf8_lossy(btf.name_bytes(t.name_off).unwrap()).into_owned());
        }
    }
    out
}

/// A small pseudo-random sequence (the flags words).
fn lcg(x: &mut u32) -> u32 {
    *x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
    *x >> 8
}

/// 1,000 set symbols (every tenth a set8) over one 64 KB list: each starts
/// within the first 200 bytes and runs almost to the end, so every set
/// lies over every other. 1,000 func ids among the 16,000 slots.
fn overlapping_sets(names: &[String]) -> String {
    const WORDS: usize = 16_000;
    let mut a = String::from(".section .BTF_ids,\"a\"\n");
    for i in 0..1000 {
        if i % 10 == 0 {
            let _ = writeln!(
                a,
                ".set __BTF_ID__set8__ov8_{i}, ov+{}\n.size __BTF_ID__set8__ov8_{i}, {}",
                8 * (i % 25),
                4 * (WORDS - 50)
            );
        } else {
            let _ = writeln!(
                a,
                ".set __BTF_ID__set__ov_{i}, ov+{}\n.size __BTF_ID__set__ov_{i}, {}",
                4 * (i % 50),
                4 * (WORDS - 50)
            );
        }
    }
    a.push_str("ov:\n");
    for w in 0..WORDS {
        if w % 16 == 5 {
            let _ = writeln!(
                a,
                "__BTF_ID__func__{}__{w}:",
                names[(w * 7919) % names.len()]
            );
        }
        a.push_str(".zero 4\n");
    }
    a
}

/// 300,000 labels, each a list of one slot; every tenth slot a func id.
fn many_labels(names: &[String]) -> String {
    let mut a = String::from(".section .BTF_ids,\"a\"\n");
    for i in 0..300_000usize {
        let _ = writeln!(a, "l{i}:");
        if i % 10 == 0 {
            let _ = writeln!(a, "__BTF_ID__func__{}__{i}:", names[(i * 31) % names.len()]);
        }
        a.push_str(".zero 4\n");
    }
    a
}

/// 20,000 kfunc set8s (BTF_KFUNCS_START: a label, the set symbol, count
/// and flags words) of 10 entries each: 200,000 func ids with flags.
/// `real`: names of vmlinux funcs (each at most a few times), else names
/// no BTF has.
fn many_set8s(names: &[String], real: bool) -> String {
    let mut a = String::from(".section .BTF_ids,\"a\"\n");
    let mut x = 1u32;
    for s in 0..20_000usize {
        let _ = writeln!(a, "k{s}:\n__BTF_ID__set8__k{s}:\n.zero 4\n.long 1");
        for j in 0..10 {
            let n = s * 10 + j;
            if real {
                let name = &names[(n * 104_729) % names.len()];
                let _ = writeln!(a, "__BTF_ID__func__{name}__{n}:");
            } else {
                let _ = writeln!(a, "__BTF_ID__func__no_such_kfunc_{n}__{n}:");
            }
            let _ = writeln!(a, ".zero 4\n.long {}", lcg(&mut x) & 0x1fff);
        }
        let _ = writeln!(a, ".size __BTF_ID__set8__k{s}, .-__BTF_ID__set8__k{s}");
    }
    a
}

fn os(s: impl Into<OsString>) -> OsString {
    s.into()
}

/// Checks one run against the bounds (and its exit code).
fn bounded(what: &str, r: &Run, code: i32) {
    let err = std::fs::read_to_string(&r.stderr).unwrap_or_default();
    assert_eq!(
        r.code,
        code,
        "{what}: exit {} (want {code}): {}",
        r.code,
        err.lines().take(3).collect::<Vec<_>>().join(" | ")
    );
    assert!(
        r.rss_kb < MAX_RSS_KB,
        "{what}: peak RSS {} KB, over {MAX_RSS_KB} KB",
        r.rss_kb
    );
    assert!(
        r.wall < MAX_WALL,
        "{what}: {:.1?}, over {MAX_WALL:?} (quadratic?)",
        r.wall
    );
    eprintln!(
        "hostile: {what}: {} ms, {} KB",
        r.wall.as_millis(),
        r.rss_kb
    );
}

/// Every command on `obj`; `resolve` against the C tool on copies.
/// `check_fails`: the object has unresolved ids, so `check` exits 1.
fn run_all(dir: &Path, stem: &str, obj: &Path, vm: &Path) {
    let f = obj.as_os_str().to_os_string();
    let v = vm.as_os_str().to_os_string();
    let cases: Vec<(&str, Vec<OsString>, i32)> = vec![
        ("inspect", vec![os("inspect"), f.clone()], 0),
        (
            "inspect-json",
            vec![os("inspect"), os("--json"), f.clone()],
            0,
        ),
        (
            "inspect-btf-json",
            vec![
                os("inspect"),
                os("--json"),
                os("--btf"),
                v.clone(),
                f.clone(),
            ],
            0,
        ),
        ("check", vec![os("check"), f.clone()], 1),
        (
            "check-btf",
            vec![os("check"), os("--btf"), v.clone(), f.clone()],
            1,
        ),
    ];
    for (tag, args, code) in cases {
        let r = measure(dir, &format!("{stem}.{tag}"), &ours(), &args);
        bounded(&format!("{stem}: btf-ids {tag}"), &r, code);
    }
    // The same object, resolved in place by each tool.
    let mine = dir.join(format!("{stem}.btf-ids.o"));
    let theirs = dir.join(format!("{stem}.resolve_btfids.o"));
    std::fs::copy(obj, &mine).unwrap();
    std::fs::copy(obj, &theirs).unwrap();
    let args = |p: &Path| vec![os("--btf"), v.clone(), p.as_os_str().to_os_string()];
    let mut a = vec![os("resolve")];
    a.extend(args(&mine));
    let r = measure(dir, &format!("{stem}.resolve"), &ours(), &a);
    bounded(&format!("{stem}: btf-ids resolve --btf vmlinux"), &r, 0);
    let c = measure(
        dir,
        &format!("{stem}.c-resolve"),
        &kernel_resolve_btfids(),
        &args(&theirs),
    );
    assert_eq!(c.code, 0, "{stem}: resolve_btfids failed");
    assert!(
        std::fs::read(&mine).unwrap() == std::fs::read(&theirs).unwrap(),
        "{stem}: btf-ids and resolve_btfids wrote different files"
    );
    assert!(
        std::fs::read(&r.stderr).unwrap() == std::fs::read(&c.stderr).unwrap(),
        "{stem}: btf-ids and resolve_btfids printed different messages"
    );
}

/// A tiny split BTF over `vm` (a module's), for `-b` runs.
fn split_btf(dir: &Path, vm: &Path) -> PathBuf {
    let o = compile_c(dir, "tiny", "int tiny_fn(int x) { return x + 1; }\n", true);
    pahole(&o, Some(vm));
    o
}

#[test]
fn overlapping_sets_labels_and_set8s_stay_bounded() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("hostile");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let vm = vmlinux();
    let names = func_names(&vm);
    assert!(
        names.len() > 40_000,
        "only {} funcs in {}",
        names.len(),
        vm.display()
    );

    let ov = assemble(&dir, "overlap", &overlapping_sets(&names));
    let size = std::fs::metadata(&ov).unwrap().len();
    assert!(size < 200_000, "overlap.o is {size} bytes");
    run_all(&dir, "overlap", &ov, &vm);
    // inspect lists the first set's slots once and names it for the rest.
    let text = std::fs::read_to_string(dir.join("overlap.inspect.stdout")).unwrap();
    assert_eq!(
        text.matches(" OVERLAPS set ").count(),
        999,
        "overlap: inspect"
    );
    let check = std::fs::read_to_string(dir.join("overlap.check.stderr")).unwrap();
    assert_eq!(check.matches("overlaps set").count(), 999, "overlap: check");

    let labels = assemble(&dir, "labels", &many_labels(&names));
    run_all(&dir, "labels", &labels, &vm);
    let text = std::fs::read_to_string(dir.join("labels.inspect.stdout")).unwrap();
    assert!(
        text.ends_with(
            "300000 lists, 0 sets, 0 set8s; 30000 ids, 30000 unresolved, 270000 unused slots\n"
        ),
        "labels: {}",
        text.lines().last().unwrap_or("")
    );

    let set8s = assemble(&dir, "set8s", &many_set8s(&names, true));
    run_all(&dir, "set8s", &set8s, &vm);

    // A module's kfuncs that no BTF has (resolve with -b): 200,000
    // warnings, the first 8 with a hint, then one line for the rest.
    let missing = assemble(&dir, "set8s-missing", &many_set8s(&names, false));
    let split = split_btf(&dir, &vm);
    let copy = dir.join("set8s-missing.btf-ids.o");
    std::fs::copy(&missing, &copy).unwrap();
    let r = measure(
        &dir,
        "set8s-missing.resolve-b",
        &ours(),
        &[
            os("resolve"),
            os("--btf"),
            split.into(),
            os("-b"),
            vm.clone().into(),
            copy.into(),
        ],
    );
    bounded(
        "set8s-missing: btf-ids resolve --btf split -b vmlinux",
        &r,
        0,
    );
    let err = std::fs::read_to_string(&r.stderr).unwrap();
    assert_eq!(
        err.matches("unresolved symbol no_such_kfunc_").count(),
        200_000
    );
    assert_eq!(err.matches("BTF_SET8_KFUNCS) has no BTF FUNC").count(), 8);
    assert!(err.contains("and 199992 more kfuncs of BTF_SET8_KFUNCS sets"));
    assert_eq!(err.lines().count(), 200_000 + 8 + 1);
}
