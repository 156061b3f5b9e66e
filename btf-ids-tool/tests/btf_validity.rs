//! Which BTF is BTF (issue 11): `btf-ids` takes what libbpf takes (the
//! libbpf the kernel's resolve_btfids 6.12 is built with, and bpftool's),
//! refuses what it refuses with a one-line error naming the offset, and
//! holds a module's own BTF to the kernel's loader on top (btf_rules):
//! what libbpf lets through and the kernel would drop is reported by
//! `check` and refused by `resolve -b`.

mod common;

use btf_ids_tool::internals::Btf;
use common::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn info(kind: u32, vlen: u32) -> u32 {
    (kind << 24) | vlen
}

/// A little-endian blob: a 24-byte header (version, flags and `hdr_len`
/// given; types at 0, strings right after) and `extra` header bytes.
fn blob(version: u8, flags: u8, extra: &[u8], types: &[u32], strs: &[u8]) -> Vec<u8> {
    let t = le(types);
    let header = BtfHeader {
        version,
        flags,
        hdr_len: 24 + extra.len() as u32,
        ..BtfHeader::of(t.len(), strs.len())
    };
    header.then(&[extra, &t, strs].concat())
}

/// int "int" (id 1).
const INT: [u32; 4] = [1, 1 << 24, 4, 32];
const STRS: &[u8] = b"\0int\0x\0";

fn with(rest: &[u32]) -> Vec<u32> {
    let mut t = INT.to_vec();
    t.extend_from_slice(rest);
    t
}

/// An object with two ids to resolve (no BTF of its own).
fn object(dir: &Path) -> PathBuf {
    compile_c(
        dir,
        "obj",
        "BTF_ID_LIST(l)\nBTF_ID(struct, task_struct)\nBTF_ID(func, x)\n",
        false,
    )
}

fn ours_on(args: &[&str], file: &Path) -> Output {
    run(Command::new(ours()).args(args).arg(file))
}

#[test]
fn what_libbpf_takes_btf_ids_takes() {
    let dir = scratch("validity-accepts");
    let obj = object(&dir);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("version-7", blob(7, 0, &[], &INT, STRS)),
        ("flags-1", blob(1, 1, &[], &INT, STRS)),
        ("long-header", blob(1, 0, b"not zero", &INT, STRS)),
        // 2: typedef -> 3: const -> 2.
        (
            "loop",
            blob(
                1,
                0,
                &[],
                &with(&[5, info(8, 0), 3, 0, info(10, 0), 2]),
                STRS,
            ),
        ),
        // A func_proto returning type 99 of 3 (libbpf does not check it),
        // and a func "x" of it.
        (
            "proto-return",
            blob(
                1,
                0,
                &[],
                &with(&[0, info(13, 0), 99, 5, info(12, 0), 2]),
                STRS,
            ),
        ),
    ];
    for (name, data) in cases {
        let p = dir.join(format!("{name}.btf"));
        std::fs::write(&p, &data).unwrap();
        let ps = p.to_str().unwrap();
        let dump = run(Command::new("bpftool").args(["btf", "dump", "file", ps]));
        assert!(
            dump.status.success(),
            "{name}: bpftool refuses it: {}",
            String::from_utf8_lossy(&dump.stderr)
        );
        assert!(Btf::parse(&data).is_ok(), "{name}");
        // The same bytes and messages as the C tool.
        differential(&obj, &["--btf", ps]);
        let o = ours_on(&["inspect", "--btf", ps], &obj);
        assert!(o.status.success(), "{name}: inspect: {:?}", o);
    }
    // The func of the proto-return blob resolves, against the C tool.
    let p = dir.join("proto-return.btf");
    let d = differential(&obj, &["--btf", p.to_str().unwrap()]);
    assert_eq!(
        d.rust_err,
        vec!["WARN: resolve_btfids: unresolved symbol task_struct"]
    );
}

#[test]
fn bad_inner_name_offsets_are_refused_like_the_c_tool() {
    let dir = scratch("validity-names");
    let obj = object(&dir);
    let cases: Vec<(&str, Vec<u32>, &str, &str)> = vec![
        (
            "member",
            with(&[0, info(4, 2), 4, 2, 1, 0, 0x4321, 1, 0]),
            "member #1 name offset 0x4321",
            "invalid field name (string offset 17185)",
        ),
        (
            "param",
            with(&[0, info(13, 1), 1, 0x5000, 1]),
            "parameter #1 name offset 0x5000",
            "invalid param name (string offset 20480)",
        ),
        (
            "enum",
            with(&[0, info(6, 1), 4, 0x6000, 1]),
            "value #0 name offset 0x6000",
            "invalid enum name (string offset 24576)",
        ),
    ];
    for (name, types, ours_msg, c_msg) in cases {
        let p = dir.join(format!("{name}.btf"));
        std::fs::write(&p, blob(1, 0, &[], &types, STRS)).unwrap();
        let ps = p.to_str().unwrap();
        let copy = dir.join(format!("{name}.c.o"));
        std::fs::copy(&obj, &copy).unwrap();
        let c = run(Command::new(kernel_resolve_btfids())
            .args(["--btf", ps])
            .arg(&copy));
        let c_err = String::from_utf8_lossy(&c.stderr);
        assert!(
            !c.status.success() && c_err.contains(c_msg),
            "{name}: resolve_btfids took it: {c_err}"
        );
        for cmd in [&["resolve"][..], &["check"], &["inspect"]] {
            let before = std::fs::read(&obj).unwrap();
            let mut args = cmd.to_vec();
            args.extend(["--btf", ps]);
            let o = ours_on(&args, &obj);
            let err = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(1), "{name} {cmd:?}: {err}");
            assert_eq!(err.lines().count(), 1, "{name} {cmd:?}: {err}");
            assert!(
                err.contains(ours_msg) && err.contains(ps) && err.contains("offset 0x"),
                "{name} {cmd:?}: {err}"
            );
            assert_eq!(std::fs::read(&obj).unwrap(), before);
        }
    }
}

/// A module's split `.BTF` with `edit` applied to the blob, written back
/// into a copy of the module.
fn edited(dir: &Path, module: &Path, stem: &str, edit: impl Fn(&[u8]) -> Vec<u8>) -> PathBuf {
    let data = std::fs::read(module).unwrap();
    let elf = btf_ids_tool::internals::ElfInfo::parse(&data).unwrap();
    let own = elf.section_bytes(elf.btf.unwrap());
    let new = edit(own);
    let blob = dir.join(format!("{stem}.btf"));
    std::fs::write(&blob, new).unwrap();
    let out = dir.join(format!("{stem}.o"));
    let o = run(Command::new("objcopy")
        .arg(format!("--update-section=.BTF={}", blob.display()))
        .arg(module)
        .arg(&out));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out
}

#[test]
fn a_modules_own_btf_is_held_to_the_kernel_rules() {
    let dir = scratch("validity-kernel");
    let base = compile_c(
        &dir,
        "base",
        "struct task_struct { int pid; };\nint base_fn(struct task_struct *t) { return t->pid; }\n",
        true,
    );
    pahole(&base, None);
    let m = compile_c(
        &dir,
        "mod",
        "int kf(int x) { return x + 1; }\nBTF_ID_LIST(l)\nBTF_ID(func, kf)\n",
        true,
    );
    pahole(&m, Some(&base));
    let b = base.to_str().unwrap();
    // As pahole made it: fine, once resolved.
    let ok = dir.join("ok.o");
    std::fs::copy(&m, &ok).unwrap();
    let o = ours_on(&["resolve", "-b", b], &ok);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = ours_on(&["check", "-b", b], &ok);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    // Version 2: libbpf (and the C tool) take it, the kernel does not.
    let v2 = edited(&dir, &m, "v2", |own| {
        let mut v = own.to_vec();
        v[2] = 2;
        v
    });
    // Two more types: a typedef and a const pointing at each other.
    let looped = edited(&dir, &m, "loop", |own| {
        let rd = |at: usize| u32::from_le_bytes(own[at..at + 4].try_into().unwrap());
        let (tlen, slen) = (rd(12) as usize, rd(20) as usize);
        let base_btf = std::fs::read(&base).unwrap();
        let belf = btf_ids_tool::internals::ElfInfo::parse(&base_btf).unwrap();
        let bb = Btf::parse(belf.section_bytes(belf.btf.unwrap())).unwrap();
        let split = Btf::parse_split(own, Some(&bb)).unwrap();
        let t = split.type_count();
        let extra = le(&[0, info(8, 0), t + 1, 0, info(10, 0), t]);
        let mut v = own[..24].to_vec();
        v[12..16].copy_from_slice(&((tlen + extra.len()) as u32).to_le_bytes());
        v[16..20].copy_from_slice(&((tlen + extra.len()) as u32).to_le_bytes());
        v.extend_from_slice(&own[24..24 + tlen]);
        v.extend(extra);
        v.extend_from_slice(&own[24 + tlen..24 + tlen + slen]);
        v
    });
    for (file, want) in [
        (&v2, "header (BTF offset 0x2): version 2, not 1"),
        (&looped, "Loop detected"),
    ] {
        let o = ours_on(&["check", "-b", b], file);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert!(
            err.contains(want) && err.contains("kernel 6.12 would drop"),
            "{err}"
        );
        let before = std::fs::read(file).unwrap();
        let o = ours_on(&["resolve", "-b", b], file);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(want), "{err}");
        assert_eq!(std::fs::read(file).unwrap(), before);
        // The C tool resolves it (libbpf does not look).
        let copy = file.with_extension("c.o");
        std::fs::copy(file, &copy).unwrap();
        let c = run(Command::new(kernel_resolve_btfids())
            .args(["-b", b])
            .arg(&copy));
        assert!(c.status.success(), "{}", String::from_utf8_lossy(&c.stderr));
    }
}
