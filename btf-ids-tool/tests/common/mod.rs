//! Helpers shared by the integration tests: finding the kernel's tools and
//! headers, compiling C objects that use btf_ids.h, running both resolvers.
#![allow(dead_code)]

use btf_ids_tool::internals::ElfInfo;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Our binary.
pub fn ours() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_btf-ids"))
}

fn glob_one(dir_pat_prefix: &str, dir: &str, rest: &str) -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(dir_pat_prefix))
        .map(|e| e.path().join(rest))
        .filter(|p| p.exists())
        .collect();
    found.sort();
    found.pop()
}

/// The kernel's resolve_btfids 6.12 (Debian linux-kbuild-6.12.*).
pub fn kernel_resolve_btfids() -> PathBuf {
    glob_one("linux-kbuild-6.12.", "/usr/lib", "tools/bpf/resolve_btfids/resolve_btfids").unwrap_or_else(|| {
        panic!(
            "the kernel's resolve_btfids was not found under /usr/lib/linux-kbuild-6.12.*/tools/bpf/resolve_btfids/; \
             install it with `apt-get install linux-kbuild-6.12.<ver>` (e.g. linux-kbuild-6.12.117+deb12)"
        )
    })
}

/// The Debian 6.12 common headers (with include/linux/btf_ids.h).
pub fn kernel_headers() -> PathBuf {
    glob_one("linux-headers-6.12.", "/usr/src", "include/linux/btf_ids.h")
        .and_then(|p| p.parent()?.parent()?.parent().map(Path::to_path_buf))
        .filter(|p| p.to_string_lossy().ends_with("-common"))
        .or_else(|| {
            std::fs::read_dir("/usr/src").ok()?.flatten().map(|e| e.path()).find(|p| {
                let n = p.file_name().unwrap_or_default().to_string_lossy().into_owned();
                n.starts_with("linux-headers-6.12.") && n.ends_with("-common") && p.join("include/linux/btf_ids.h").exists()
            })
        })
        .unwrap_or_else(|| {
            panic!("/usr/src/linux-headers-6.12.*-common not found; `apt-get install linux-headers-6.12.<ver>-common`")
        })
}

/// The text put before every C test file: what btf_ids.h needs outside a
/// kernel tree (see DESIGN.md).
pub const PRELUDE: &str = r#"#define CONFIG_DEBUG_INFO_BTF 1
#define _LINUX_TYPES_H
#define __LINUX_COMPILER_H
#define __LINUX_COMPILER_ATTRIBUTES_H
#define __LINUX_STRINGIFY_H
typedef unsigned int u32;
#define ___PASTE(a,b) a##b
#define __PASTE(a,b) ___PASTE(a,b)
#define __stringify_1(x...) #x
#define __stringify(x...) __stringify_1(x)
#define __maybe_unused __attribute__((__unused__))
#include <linux/btf_ids.h>
"#;

/// A scratch directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs a command, panicking with its output if it cannot start.
pub fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

/// Compiles `src` (the prelude is prepended) into `out` with gcc.
pub fn compile_c(dir: &Path, stem: &str, src: &str, debug: bool) -> PathBuf {
    let c = dir.join(format!("{stem}.c"));
    std::fs::write(&c, format!("{PRELUDE}{src}")).unwrap();
    let o = dir.join(format!("{stem}.o"));
    let h = kernel_headers();
    let mut cmd = Command::new("gcc");
    cmd.arg("-c")
        .arg("-O2")
        .arg("-nostdinc")
        .arg("-I")
        .arg(h.join("include"));
    if debug {
        cmd.arg("-g");
    }
    cmd.arg(&c).arg("-o").arg(&o);
    let out = run(&mut cmd);
    assert!(
        out.status.success(),
        "gcc failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    o
}

/// Adds .BTF with `pahole -J` (split over `base` when given).
pub fn pahole(obj: &Path, base: Option<&Path>) {
    let mut cmd = Command::new("pahole");
    cmd.arg("-J");
    if let Some(b) = base {
        cmd.arg("--btf_base").arg(b);
    }
    cmd.arg(obj);
    let out = run(&mut cmd);
    assert!(
        out.status.success(),
        "pahole failed (apt-get install dwarves): {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The `.BTF_ids` bytes of a file.
pub fn btf_ids_bytes(path: &Path) -> Vec<u8> {
    let data = std::fs::read(path).unwrap();
    let elf = ElfInfo::parse(&data).unwrap();
    elf.section_bytes(elf.btf_ids.expect("no .BTF_ids"))
        .to_vec()
}

/// Result of running both resolvers on copies of `obj`.
pub struct Diff {
    /// Kernel tool's output file.
    pub c_file: PathBuf,
    /// Ours.
    pub rust_file: PathBuf,
    /// Kernel tool's stderr lines.
    pub c_err: Vec<String>,
    /// Ours.
    pub rust_err: Vec<String>,
}

/// Copies `obj` twice, runs resolve_btfids on one and `btf-ids resolve` on
/// the other with the same `args`, and asserts both succeed with identical
/// `.BTF_ids` bytes and identical warnings.
pub fn differential(obj: &Path, args: &[&str]) -> Diff {
    let c_file = obj.with_extension("c-tool.o");
    let rust_file = obj.with_extension("rust-tool.o");
    std::fs::copy(obj, &c_file).unwrap();
    std::fs::copy(obj, &rust_file).unwrap();
    let c = run(Command::new(kernel_resolve_btfids())
        .args(args)
        .arg(&c_file));
    let r = run(Command::new(ours())
        .arg("resolve")
        .args(args)
        .arg(&rust_file));
    let lines = |o: &Output| -> Vec<String> {
        String::from_utf8_lossy(&o.stderr)
            .lines()
            .map(str::to_string)
            .collect()
    };
    assert!(
        c.status.success(),
        "resolve_btfids failed: {}",
        String::from_utf8_lossy(&c.stderr)
    );
    assert!(
        r.status.success(),
        "btf-ids resolve failed: {}",
        String::from_utf8_lossy(&r.stderr)
    );
    let (cb, rb) = (btf_ids_bytes(&c_file), btf_ids_bytes(&rust_file));
    if cb != rb {
        let first = cb.iter().zip(&rb).position(|(a, b)| a != b);
        panic!(
            "`.BTF_ids` differ (len {} vs {}), first difference at byte {first:?}",
            cb.len(),
            rb.len()
        );
    }
    let d = Diff {
        c_file,
        rust_file,
        c_err: lines(&c),
        rust_err: lines(&r),
    };
    assert_eq!(d.c_err, d.rust_err, "warnings differ");
    d
}

/// Asserts that `out` equals `orig` everywhere outside `.BTF_ids` (and,
/// unless `btf_may_change`, outside `.BTF`).
pub fn only_btf_ids_changed(orig: &Path, out: &Path) {
    let a = std::fs::read(orig).unwrap();
    let b = std::fs::read(out).unwrap();
    assert_eq!(a.len(), b.len(), "file size changed");
    let elf = ElfInfo::parse(&a).unwrap();
    let s = elf.btf_ids.unwrap();
    let (lo, hi) = (s.file_offset as usize, (s.file_offset + s.size) as usize);
    assert_eq!(a[..lo], b[..lo], "bytes before .BTF_ids changed");
    assert_eq!(a[hi..], b[hi..], "bytes after .BTF_ids changed");
}

/// Asserts that `out` equals `orig` outside `.BTF_ids` and `.BTF`, and
/// that neither changed size (what `resolve` may edit in place).
pub fn only_btf_sections_changed(orig: &Path, out: &Path) {
    let a = std::fs::read(orig).unwrap();
    let b = std::fs::read(out).unwrap();
    assert_eq!(a.len(), b.len(), "file size changed");
    let elf = ElfInfo::parse(&a).unwrap();
    let mut ranges: Vec<(usize, usize)> = [elf.btf_ids, elf.btf]
        .into_iter()
        .flatten()
        .map(|s| (s.file_offset as usize, (s.file_offset + s.size) as usize))
        .collect();
    ranges.sort();
    let mut at = 0;
    for (lo, hi) in ranges {
        assert_eq!(a[at..lo], b[at..lo], "bytes at {at:#x}..{lo:#x} changed");
        at = hi;
    }
    assert_eq!(a[at..], b[at..], "bytes after {at:#x} changed");
}

/// Compiles with extra gcc flags (e.g. `-m32`).
pub fn compile_c_flags(dir: &Path, stem: &str, src: &str, flags: &[&str]) -> PathBuf {
    let c = dir.join(format!("{stem}.c"));
    std::fs::write(&c, format!("{PRELUDE}{src}")).unwrap();
    let o = dir.join(format!("{stem}.o"));
    let h = kernel_headers();
    let out = run(Command::new("gcc")
        .args(["-c", "-O2", "-nostdinc", "-I"])
        .arg(h.join("include"))
        .args(flags)
        .arg(&c)
        .arg("-o")
        .arg(&o));
    assert!(
        out.status.success(),
        "gcc failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    o
}

/// Rewrites a little-endian relocatable ELF (either class) as big-endian:
/// the ELF header, section headers, symbol and relocation tables and the
/// `.BTF_ids` words are byte-swapped; other section contents (code, strings,
/// `.BTF`) are left as they are, which is enough for `.BTF_ids` work with
/// `--btf` pointing elsewhere.
pub fn to_big_endian(data: &[u8]) -> Vec<u8> {
    assert_eq!(&data[..4], b"\x7fELF");
    assert_eq!(data[5], 1, "input must be little-endian");
    let is64 = data[4] == 2;
    let mut out = data.to_vec();
    out[5] = 2;
    fn swap(out: &mut [u8], off: usize, n: usize) {
        out[off..off + n].reverse();
    }
    let rd = |off: usize, n: usize| -> u64 {
        let mut b = [0u8; 8];
        b[..n].copy_from_slice(&data[off..off + n]);
        u64::from_le_bytes(b)
    };
    let w = if is64 { 8 } else { 4 };
    // e_type, e_machine, e_version, e_entry, e_phoff, e_shoff, e_flags,
    // e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx.
    let mut off = 16;
    for n in [2, 2, 4, w, w, w, 4, 2, 2, 2, 2, 2, 2] {
        swap(&mut out, off, n);
        off += n;
    }
    let (shoff, shentsize, shnum, shstrndx) = if is64 {
        (
            rd(0x28, 8) as usize,
            rd(0x3a, 2) as usize,
            rd(0x3c, 2) as usize,
            rd(0x3e, 2) as usize,
        )
    } else {
        (
            rd(0x20, 4) as usize,
            rd(0x2e, 2) as usize,
            rd(0x30, 2) as usize,
            rd(0x32, 2) as usize,
        )
    };
    let shdr_fields: Vec<usize> = if is64 {
        vec![4, 4, 8, 8, 8, 8, 4, 4, 8, 8]
    } else {
        vec![4; 10]
    };
    // Section name table.
    let sh = |i: usize| shoff + i * shentsize;
    let field = |i: usize, k: usize| -> u64 {
        let mut o = sh(i);
        for &n in &shdr_fields[..k] {
            o += n;
        }
        rd(o, shdr_fields[k])
    };
    let strtab_off = field(shstrndx, 4) as usize;
    for i in 0..shnum {
        let name_off = strtab_off + field(i, 0) as usize;
        let end = data[name_off..].iter().position(|&b| b == 0).unwrap();
        let name = &data[name_off..name_off + end];
        let (typ, offset, size) = (
            field(i, 1) as u32,
            field(i, 4) as usize,
            field(i, 5) as usize,
        );
        let mut o = sh(i);
        for &n in &shdr_fields {
            swap(&mut out, o, n);
            o += n;
        }
        let entry: Vec<usize> = match (typ, is64) {
            (2, true) => vec![4, 1, 1, 2, 8, 8],  // SHT_SYMTAB
            (2, false) => vec![4, 4, 4, 1, 1, 2], // SHT_SYMTAB
            (4, true) => vec![8, 8, 8],           // SHT_RELA
            (4, false) => vec![4, 4, 4],          // SHT_RELA
            (9, true) => vec![8, 8],              // SHT_REL
            (9, false) => vec![4, 4],             // SHT_REL
            (17, _) => vec![4],                   // SHT_GROUP
            _ if name == b".BTF_ids" => vec![4],
            _ => continue,
        };
        let esz: usize = entry.iter().sum();
        let mut p = offset;
        while p + esz <= offset + size {
            for &n in &entry {
                swap(&mut out, p, n);
                p += n;
            }
        }
    }
    out
}

/// Assembles `asm` with gcc into `dir/stem.o` (the `.s` is removed).
pub fn assemble(dir: &Path, stem: &str, asm: &str) -> PathBuf {
    let s = dir.join(format!("{stem}.s"));
    std::fs::write(&s, asm).unwrap();
    let o = dir.join(format!("{stem}.o"));
    let out = run(Command::new("gcc").arg("-c").arg(&s).arg("-o").arg(&o));
    assert!(
        out.status.success(),
        "gcc: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_file(&s);
    o
}

/// `words` as little-endian bytes.
#[allow(dead_code)]
pub fn le(words: &[u32]) -> Vec<u8> {
    words.iter().flat_map(|w| w.to_le_bytes()).collect()
}

/// A little-endian `struct btf_header`, any field chosen (the tests of bad
/// BTF set what they break), then `rest` (more header, types, strings).
#[allow(dead_code)]
pub struct BtfHeader {
    pub magic: u16,
    pub version: u8,
    pub flags: u8,
    pub hdr_len: u32,
    pub type_off: u32,
    pub type_len: u32,
    pub str_off: u32,
    pub str_len: u32,
}

#[allow(dead_code)]
impl BtfHeader {
    /// The header of a well-formed blob: version 1, no flags, 24 bytes,
    /// `type_len` bytes of types right after it, then `str_len` of strings.
    pub fn of(type_len: usize, str_len: usize) -> Self {
        BtfHeader {
            magic: 0xeb9f,
            version: 1,
            flags: 0,
            hdr_len: 24,
            type_off: 0,
            type_len: type_len as u32,
            str_off: type_len as u32,
            str_len: str_len as u32,
        }
    }

    /// The header's bytes, then `rest`.
    pub fn then(&self, rest: &[u8]) -> Vec<u8> {
        let mut v = self.magic.to_le_bytes().to_vec();
        v.extend([self.version, self.flags]);
        v.extend(le(&[
            self.hdr_len,
            self.type_off,
            self.type_len,
            self.str_off,
            self.str_len,
        ]));
        v.extend_from_slice(rest);
        v
    }
}
