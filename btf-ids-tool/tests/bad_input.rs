//! Bad input: every case gives one line on stderr naming the file and the
//! offset or symbol, exit status 1, and leaves the input untouched.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A valid object with its own .BTF.
fn good_obj(dir: &Path) -> PathBuf {
    let src = r#"
struct task_struct { int pid; };
int f1(struct task_struct *t) { return t->pid; }
BTF_ID_LIST(l)
BTF_ID(struct, task_struct)
BTF_ID(func, f1)
"#;
    let o = compile_c(dir, "good", src, true);
    pahole(&o, None);
    o
}

/// Runs `btf-ids <args> <file>` and checks the failure contract.
fn expect_error(args: &[&str], file: &Path, must_contain: &[&str]) -> String {
    let before = std::fs::read(file).unwrap();
    let out = run(Command::new(ours()).args(args).arg(file));
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{args:?} {}: {err}",
        file.display()
    );
    assert_eq!(err.lines().count(), 1, "not one line: {err}");
    assert!(!err.contains("panicked"), "{err}");
    for m in must_contain {
        assert!(err.contains(m), "{err:?} lacks {m:?}");
    }
    assert_eq!(std::fs::read(file).unwrap(), before, "input changed");
    err
}

fn all_cmds(file: &Path, must: &[&str]) {
    let f = file.to_str().unwrap();
    for cmd in [&["inspect"][..], &["check"], &["resolve"]] {
        let mut m = must.to_vec();
        m.push(f);
        expect_error(cmd, file, &m);
    }
}

#[test]
fn truncated_and_garbage_files() {
    let dir = scratch("bad-files");
    let good = good_obj(&dir);
    let data = std::fs::read(&good).unwrap();
    for (i, len) in [0usize, 3, 10, 52, 63, 64, 200, data.len() / 2]
        .into_iter()
        .enumerate()
    {
        let p = dir.join(format!("trunc{i}.o"));
        std::fs::write(&p, &data[..len]).unwrap();
        all_cmds(&p, &["offset"]);
    }
    let mut x: u32 = 12345;
    let garbage: Vec<u8> = (0..4096)
        .map(|_| {
            x = x.wrapping_mul(1103515245).wrapping_add(12345);
            (x >> 16) as u8
        })
        .collect();
    let p = dir.join("garbage.o");
    std::fs::write(&p, &garbage).unwrap();
    all_cmds(&p, &["not an ELF", "offset 0x0"]);
    // ELF magic followed by garbage.
    let mut g2 = b"\x7fELF\x02\x01\x01".to_vec();
    g2.extend_from_slice(&garbage);
    let p = dir.join("garbage2.o");
    std::fs::write(&p, &g2).unwrap();
    all_cmds(&p, &["offset"]);
}

#[test]
fn elf_without_symtab() {
    let dir = scratch("bad-nosym");
    let good = good_obj(&dir);
    let p = dir.join("stripped.o");
    let out = run(Command::new("objcopy")
        .arg("--strip-all")
        .arg(&good)
        .arg(&p));
    assert!(out.status.success());
    expect_error(&["inspect"], &p, &["no symbol table", p.to_str().unwrap()]);
    expect_error(&["check"], &p, &["no symbol table"]);
    expect_error(
        &["resolve", "--strict"],
        &p,
        &["Cannot find .BTF_ids or symbols"],
    );
    // Like resolve_btfids: nothing to do, success, file unchanged.
    let before = std::fs::read(&p).unwrap();
    let out = run(Command::new(ours()).arg("resolve").arg(&p));
    assert!(out.status.success());
    assert!(out.stderr.is_empty());
    let out = run(Command::new(ours()).args(["resolve", "-v"]).arg(&p));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing to do"));
    assert_eq!(std::fs::read(&p).unwrap(), before);
    let c = run(Command::new(kernel_resolve_btfids()).arg("-v").arg(&p));
    assert!(c.status.success());
}

#[test]
fn no_btf_ids_section() {
    let dir = scratch("bad-nosec");
    let src = "int plain(int x) { return x; }\n";
    let o = compile_c(&dir, "plain", src, true);
    pahole(&o, None);
    let before = std::fs::read(&o).unwrap();
    let out = run(Command::new(ours()).arg("resolve").arg(&o));
    assert!(out.status.success());
    assert_eq!(std::fs::read(&o).unwrap(), before);
    expect_error(&["resolve", "--strict"], &o, &["Cannot find .BTF_ids"]);
    expect_error(&["inspect"], &o, &["no .BTF_ids section"]);
}

#[test]
fn btf_id_symbol_outside_section() {
    let dir = scratch("bad-outside");
    // Past the end of .BTF_ids (resolve_btfids: "out of bounds").
    let o = assemble(
        &dir,
        "past",
        ".section .BTF_ids,\"a\"\nlst:\n.zero 8\n.set __BTF_ID__struct__task_struct__1, lst+64\n",
    );
    all_cmds(&o, &["__BTF_ID__struct__task_struct__1"]);
    // Defined in another section: inspect and check refuse it; resolve
    // ignores it like resolve_btfids unless --strict.
    let o = assemble(
        &dir,
        "other",
        ".section .BTF_ids,\"a\"\nlst:\n.zero 4\n.data\n__BTF_ID__func__foo__7:\n.zero 4\n",
    );
    expect_error(
        &["inspect"],
        &o,
        &["__BTF_ID__func__foo__7", "outside .BTF_ids"],
    );
    expect_error(&["check"], &o, &["__BTF_ID__func__foo__7"]);
    let good = good_obj(&dir);
    expect_error(
        &["resolve", "--strict", "--btf", good.to_str().unwrap()],
        &o,
        &["__BTF_ID__func__foo__7"],
    );
}

#[test]
fn set_symbol_sizes() {
    let dir = scratch("bad-setsize");
    let o = assemble(
        &dir,
        "odd",
        ".section .BTF_ids,\"a\"\ns:\n__BTF_ID__set__s:\n.zero 8\n.size __BTF_ID__set__s, 6\n",
    );
    all_cmds(&o, &["__BTF_ID__set__s", "not a positive multiple of 4"]);
    // A count that cannot fit: size far past the section.
    let o = assemble(
        &dir,
        "huge",
        ".section .BTF_ids,\"a\"\ns:\n__BTF_ID__set8__k:\n.zero 8\n.size __BTF_ID__set8__k, 0x800000000\n",
    );
    all_cmds(&o, &["__BTF_ID__set8__k", "past the end"]);
    // Bad names, with resolve_btfids' messages.
    let o = assemble(
        &dir,
        "prefix",
        ".section .BTF_ids,\"a\"\n__BTF_ID__enum__e__1:\n.zero 4\n",
    );
    all_cmds(&o, &["FAILED unsupported prefix enum__e__1"]);
    let o = assemble(
        &dir,
        "name",
        ".section .BTF_ids,\"a\"\n__BTF_ID__func__f_1:\n.zero 4\n",
    );
    all_cmds(&o, &["FAILED to parse symbol name: func__f_1"]);
}

/// A BTF blob: header fields given, then `body`.
fn btf_blob(
    magic: u16,
    version: u8,
    hdr_len: u32,
    tlen: u32,
    soff: u32,
    slen: u32,
    body: &[u8],
) -> Vec<u8> {
    BtfHeader {
        magic,
        version,
        flags: 0,
        hdr_len,
        type_off: 0,
        type_len: tlen,
        str_off: soff,
        str_len: slen,
    }
    .then(body)
}

#[test]
fn bad_btf() {
    let dir = scratch("bad-btf");
    let good = good_obj(&dir);
    // int "int" (id 1) + strings.
    let types = le(&[1, 1 << 24, 4, 32]);
    let strs = b"\0int\0";
    let mut body = types.clone();
    body.extend_from_slice(strs);
    let (tl, sl) = (types.len() as u32, strs.len() as u32);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "magic",
            btf_blob(0x1234, 1, 24, tl, tl, sl, &body),
            "bad magic",
        ),
        // A 12-byte header puts the types at 12: the header's own bytes.
        (
            "hdrlen",
            btf_blob(0xeb9f, 1, 12, tl, tl, sl, &body),
            "string section",
        ),
        (
            "hdrlen2",
            btf_blob(0xeb9f, 1, 4096, tl, tl, sl, &body),
            "header length",
        ),
        (
            "stroff",
            btf_blob(0xeb9f, 1, 24, tl, tl + 100, sl, &body),
            "string section",
        ),
        (
            "typelen",
            btf_blob(0xeb9f, 1, 24, tl + 64, tl, sl, &body),
            "type section",
        ),
        (
            "overflow",
            btf_blob(0xeb9f, 1, 24, 0xffff_fff0, tl, sl, &body),
            "past the end",
        ),
        (
            "nameoff",
            {
                let mut b = le(&[1000, 1 << 24, 4, 32]);
                b.extend_from_slice(strs);
                btf_blob(0xeb9f, 1, 24, tl, tl, sl, &b)
            },
            "name offset",
        ),
        (
            "vlen",
            {
                let mut b = le(&[1, (4 << 24) | 0xffff, 4]);
                b.extend_from_slice(strs);
                btf_blob(0xeb9f, 1, 24, 12, 12, sl, &b)
            },
            "runs past",
        ),
        (
            "typeref",
            {
                let mut b = le(&[1, 2 << 24, 77]);
                b.extend_from_slice(strs);
                btf_blob(0xeb9f, 1, 24, 12, 12, sl, &b)
            },
            "past the last id",
        ),
        // Names of members, parameters and enum values must be in the
        // string table too (libbpf's btf_validate_type).
        (
            "member-name",
            {
                let t = le(&[1, 1 << 24, 4, 32, 0, (4 << 24) | 1, 4, 0x777, 1, 0]);
                let mut b = t.clone();
                b.extend_from_slice(strs);
                btf_blob(0xeb9f, 1, 24, t.len() as u32, t.len() as u32, sl, &b)
            },
            "member #0 name offset 0x777 past the string section",
        ),
        (
            "param-name",
            {
                let t = le(&[1, 1 << 24, 4, 32, 0, (13 << 24) | 2, 1, 0, 1, 0x888, 1]);
                let mut b = t.clone();
                b.extend_from_slice(strs);
                btf_blob(0xeb9f, 1, 24, t.len() as u32, t.len() as u32, sl, &b)
            },
            "parameter #2 name offset 0x888 past the string section",
        ),
        (
            "enum-name",
            {
                let t = le(&[1, 1 << 24, 4, 32, 0, (6 << 24) | 1, 4, 0x999, 0]);
                let mut b = t.clone();
                b.extend_from_slice(strs);
                btf_blob(0xeb9f, 1, 24, t.len() as u32, t.len() as u32, sl, &b)
            },
            "value #0 name offset 0x999 past the string section",
        ),
        // Strings before types.
        (
            "strings-first",
            btf_blob(0xeb9f, 1, 24, tl, 0, sl, &body),
            "types must come first",
        ),
    ];
    for (name, blob, want) in cases {
        let p = dir.join(format!("{name}.btf"));
        std::fs::write(&p, &blob).unwrap();
        let ps = p.to_str().unwrap();
        expect_error(&["resolve", "--btf", ps], &good, &[want, ps, "offset"]);
        expect_error(&["check", "--btf", ps], &good, &[want, ps]);
        expect_error(&["inspect", "--btf", ps], &good, &[want, ps]);
        // As a base too.
        expect_error(&["resolve", "-b", ps], &good, &[want, ps]);
    }
}
