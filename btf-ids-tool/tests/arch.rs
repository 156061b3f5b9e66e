//! Other architectures: the assembler text our macros emit, assembled for
//! aarch64, riscv64, s390x (big-endian), armv7 (32-bit), ppc64le,
//! loongarch64 and 32-bit big-endian powerpc, resolved by the kernel's
//! resolve_btfids and by `btf-ids resolve` into the same bytes, read back in
//! the target's byte order and shown whole by `btf-ids inspect`.
//!
//! The text is the macros' own: tests/fixtures/arch-corpus (every macro form,
//! `#[kfunc]` functions and the keep-alive anchors) is compiled by cargo for
//! the host, and the module-level assembly is read out of rustc's LLVM IR, so
//! it is exactly what rustc hands its assembler, `const` operands and kfunc
//! names filled in. The macros run on the host and write no target-specific
//! text, so rustc would hand the same text to the assembler of any target.
//!
//! Two assemblers per architecture: rustc's own (its LLVM, the one a Rust
//! build for that target uses; the text goes into a `#![no_core]` crate's
//! `global_asm!`, which needs no standard library for the target), and GNU as
//! from Debian's binutils-<triple> package (where Debian 12 has one), an
//! independent reading of the same directives. A missing GNU as fails the
//! test with the package to install (scripts/install-deps.sh installs them).
//! The BTF is tests/fixtures/small-btf/types.c (gcc -g, pahole -J), given to
//! both resolvers with `--btf`.

mod common;

use common::*;
use object::elf;
use object::{Object, ObjectSection, ObjectSymbol, RelocationFlags, SectionFlags, SymbolFlags};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// One target: rustc's name for it, GNU as and its Debian package, and what
/// the ELF header must say.
struct Arch {
    name: &'static str,
    rustc_target: &'static str,
    /// GNU as, and the Debian package that has it (None: Debian 12 has no
    /// cross binutils for it; used when installed all the same).
    gas: &'static str,
    gas_package: Option<&'static str>,
    machine: u16,
    is_64: bool,
    big_endian: bool,
}

const AARCH64: Arch = Arch {
    name: "aarch64",
    rustc_target: "aarch64-unknown-linux-gnu",
    gas: "aarch64-linux-gnu-as",
    gas_package: Some("binutils-aarch64-linux-gnu"),
    machine: elf::EM_AARCH64,
    is_64: true,
    big_endian: false,
};
const RISCV64: Arch = Arch {
    name: "riscv64",
    rustc_target: "riscv64gc-unknown-linux-gnu",
    gas: "riscv64-linux-gnu-as",
    gas_package: Some("binutils-riscv64-linux-gnu"),
    machine: elf::EM_RISCV,
    is_64: true,
    big_endian: false,
};
const S390X: Arch = Arch {
    name: "s390x",
    rustc_target: "s390x-unknown-linux-gnu",
    gas: "s390x-linux-gnu-as",
    gas_package: Some("binutils-s390x-linux-gnu"),
    machine: elf::EM_S390,
    is_64: true,
    big_endian: true,
};
const ARMV7: Arch = Arch {
    name: "armv7",
    rustc_target: "armv7-unknown-linux-gnueabihf",
    gas: "arm-linux-gnueabihf-as",
    gas_package: Some("binutils-arm-linux-gnueabihf"),
    machine: elf::EM_ARM,
    is_64: false,
    big_endian: false,
};
const PPC64LE: Arch = Arch {
    name: "ppc64le",
    rustc_target: "powerpc64le-unknown-linux-gnu",
    gas: "powerpc64le-linux-gnu-as",
    gas_package: Some("binutils-powerpc64le-linux-gnu"),
    machine: elf::EM_PPC64,
    is_64: true,
    big_endian: false,
};
const LOONGARCH64: Arch = Arch {
    name: "loongarch64",
    rustc_target: "loongarch64-unknown-linux-gnu",
    gas: "loongarch64-linux-gnu-as",
    gas_package: None,
    machine: elf::EM_LOONGARCH,
    is_64: true,
    big_endian: false,
};
/// 32-bit and big-endian at once (rustc's assembler only: no GNU as is
/// installed for it, so nothing more is installed).
const POWERPC: Arch = Arch {
    name: "powerpc",
    rustc_target: "powerpc-unknown-linux-gnu",
    gas: "powerpc-linux-gnu-as",
    gas_package: None,
    machine: elf::EM_PPC,
    is_64: false,
    big_endian: true,
};

/// What every architecture is compared with: the host build.
struct Host {
    dir: PathBuf,
    /// The module-level assembly of the corpus, x86's syntax switches taken out.
    text: String,
    btf: PathBuf,
    names: HashMap<(String, String), u32>,
    unresolved: Section,
    /// The host object after the kernel's resolve_btfids.
    resolved: Section,
    inspect: serde_json::Value,
}

fn host() -> &'static Host {
    static HOST: OnceLock<Host> = OnceLock::new();
    HOST.get_or_init(|| {
        let dir = scratch("arch");
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/arch-corpus");
        // Kept between runs to save the build.
        let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("arch-corpus-target");
        // The IR and the object go beside the build: cargo skips rustc when
        // the crate is fresh, and then the files of the build that made
        // them are still there (without them, the crate is built again).
        let ir = target.join("arch-corpus.ll");
        let object = target.join("arch-corpus.o");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let cargo = |args: &[&str]| {
            let out = run(Command::new(&cargo)
                .current_dir(&fixture)
                .env("CARGO_TARGET_DIR", &target)
                .env_remove("RUSTFLAGS")
                .env_remove("CARGO_ENCODED_RUSTFLAGS")
                .args(args));
            assert!(
                out.status.success(),
                "cargo {args:?} in tests/fixtures/arch-corpus failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        if !ir.exists() || !object.exists() {
            cargo(&["clean", "--quiet", "-p", "arch-corpus"]);
        }
        let emit = format!("--emit=llvm-ir={},obj={}", ir.display(), object.display());
        cargo(&[
            "rustc",
            "--quiet",
            "--lib",
            "--",
            "-C",
            "codegen-units=1",
            &emit,
        ]);
        let text = module_asm(&std::fs::read_to_string(&ir).unwrap());
        std::fs::write(dir.join("corpus.s"), &text).unwrap();

        let btf = small_btf(&dir);
        let names = btf_names(&btf);
        let unresolved = Section::read(&object);
        let resolved_obj = dir.join("corpus-resolved.o");
        std::fs::copy(&object, &resolved_obj).unwrap();
        kernel_resolve(&resolved_obj, &btf);
        let resolved = Section::read(&resolved_obj);
        let inspect = inspect_json(&resolved_obj, &btf);
        Host {
            dir,
            text,
            btf,
            names,
            unresolved,
            resolved,
            inspect,
        }
    })
}

/// The `module asm` lines of LLVM IR, unescaped, without the
/// `.intel_syntax` / `.att_syntax` pair rustc wraps each x86 block in.
fn module_asm(ir: &str) -> String {
    let mut text = String::new();
    for line in ir.lines() {
        let Some(quoted) = line
            .strip_prefix("module asm \"")
            .and_then(|l| l.strip_suffix('"'))
        else {
            continue;
        };
        let mut bytes = Vec::new();
        let raw = quoted.as_bytes();
        let mut i = 0;
        while i < raw.len() {
            if raw[i] == b'\\' {
                if raw[i + 1] == b'\\' {
                    bytes.push(b'\\');
                    i += 2;
                } else {
                    let hex = std::str::from_utf8(&raw[i + 1..i + 3]).unwrap();
                    bytes.push(u8::from_str_radix(hex, 16).unwrap());
                    i += 3;
                }
            } else {
                bytes.push(raw[i]);
                i += 1;
            }
        }
        let line = String::from_utf8(bytes).unwrap();
        if line != ".intel_syntax" && line != ".att_syntax" {
            text.push_str(&line);
            text.push('\n');
        }
    }
    assert!(
        text.contains(".pushsection .BTF_ids"),
        "no .BTF_ids block in the corpus's module assembly"
    );
    text
}

/// tests/fixtures/small-btf/types.c as an object with BTF.
fn small_btf(dir: &Path) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/small-btf/types.c");
    let out = dir.join("small-btf.o");
    let res = run(Command::new("gcc")
        .args(["-g", "-c", "-O0", "-o"])
        .arg(&out)
        .arg(&src));
    assert!(
        res.status.success(),
        "gcc: {}",
        String::from_utf8_lossy(&res.stderr)
    );
    pahole(&out, None);
    out
}

/// `(kind, name)` to the first ID of that kind and name, read by bpftool
/// (an independent BTF reader).
fn btf_names(btf: &Path) -> HashMap<(String, String), u32> {
    let bpftool = ["/usr/sbin/bpftool", "/usr/bin/bpftool"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("bpftool not found: install the Debian package `bpftool`");
    let out = run(Command::new(bpftool)
        .args(["btf", "dump", "file"])
        .arg(btf)
        .args(["format", "raw"]));
    assert!(out.status.success(), "bpftool btf dump failed");
    let mut names = HashMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        // [7] STRUCT 'task_struct' size=24 vlen=3
        let Some(rest) = line.strip_prefix('[') else {
            continue;
        };
        let mut parts = rest.splitn(3, ' ');
        let (Some(id), Some(kind), Some(name)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let Some(name) = name.strip_prefix('\'').and_then(|n| n.split('\'').next()) else {
            continue;
        };
        let id: u32 = id.trim_end_matches(']').parse().unwrap();
        names
            .entry((kind.to_ascii_lowercase(), name.to_owned()))
            .or_insert(id);
    }
    names
}

fn kernel_resolve(obj: &Path, btf: &Path) {
    let out = run(Command::new(kernel_resolve_btfids())
        .arg("--btf")
        .arg(btf)
        .arg(obj));
    assert!(
        out.status.success(),
        "resolve_btfids {}: {}{}",
        obj.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn our_resolve(obj: &Path, btf: &Path) {
    let out = run(Command::new(ours())
        .args(["resolve", "--btf"])
        .arg(btf)
        .arg(obj));
    assert!(
        out.status.success(),
        "btf-ids resolve {}: {}{}",
        obj.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn inspect_json(obj: &Path, btf: &Path) -> serde_json::Value {
    let out = run(Command::new(ours())
        .args(["inspect", "--json", "--btf"])
        .arg(btf)
        .arg(obj));
    assert!(
        out.status.success(),
        "btf-ids inspect {}: {}",
        obj.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A symbol of `.BTF_ids`, as the assembler wrote it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Sym {
    name: String,
    offset: u64,
    size: u64,
    st_info: u8,
    visibility: u8,
}

/// `.BTF_ids` of an object, and the keep-alive relocations.
struct Section {
    data: Vec<u8>,
    symbols: Vec<Sym>,
    /// How many `$d` mapping symbols lie in `.BTF_ids`.
    mapping: usize,
    /// `(r_type, target symbol)` of `.btf_ids.keep`'s relocations.
    keep: Vec<(u32, String)>,
    machine: u16,
    is_64: bool,
    big_endian: bool,
}

impl Section {
    fn read(path: &Path) -> Section {
        let bytes = std::fs::read(path).unwrap();
        let file =
            object::File::parse(&*bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(&bytes[..4], b"\x7fELF", "{}: not ELF", path.display());
        let machine = elf_machine(&bytes, !file.is_little_endian());
        let section = file
            .section_by_name(".BTF_ids")
            .unwrap_or_else(|| panic!("{}: no .BTF_ids", path.display()));
        let index = section.index();
        let mut symbols: Vec<Sym> = file
            .symbols()
            .filter(|s| s.section_index() == Some(index) && s.kind() != object::SymbolKind::Section)
            .map(|s| {
                let SymbolFlags::Elf { st_info, st_other } = s.flags() else {
                    unreachable!()
                };
                Sym {
                    name: s.name().unwrap().to_owned(),
                    offset: s.address() - section.address(),
                    size: s.size(),
                    st_info,
                    visibility: st_other & 3,
                }
            })
            .collect();
        symbols.sort();
        // AArch64, ARM and RISC-V assemblers mark data with local `$d`
        // mapping symbols (ELF for the Arm architecture, RISC-V ELF psABI);
        // resolve_btfids looks only at `__BTF_ID__` names and the list
        // labels, and so must `btf-ids`.
        let (mapping, symbols): (Vec<Sym>, Vec<Sym>) =
            symbols.into_iter().partition(|s| s.name.starts_with('$'));
        for m in &mapping {
            assert!(
                (m.name == "$d" || m.name.starts_with("$d.")) && m.st_info == 0 && m.size == 0,
                "{}: a symbol in .BTF_ids that is not a data mapping symbol: {m:?}",
                path.display()
            );
        }
        let keep_section = file
            .section_by_name(".btf_ids.keep")
            .unwrap_or_else(|| panic!("{}: no .btf_ids.keep", path.display()));
        let SectionFlags::Elf { sh_flags } = keep_section.flags() else {
            unreachable!()
        };
        assert!(
            sh_flags & u64::from(elf::SHF_GNU_RETAIN) != 0,
            "{}: .btf_ids.keep is not SHF_GNU_RETAIN",
            path.display()
        );
        let mut keep: Vec<(u32, String)> = keep_section
            .relocations()
            .map(|(_, r)| {
                let RelocationFlags::Elf { r_type } = r.flags() else {
                    unreachable!()
                };
                let object::RelocationTarget::Symbol(sym) = r.target() else {
                    panic!(
                        "{}: a keep-alive relocation without a symbol",
                        path.display()
                    )
                };
                let name = file
                    .symbol_by_index(sym)
                    .unwrap()
                    .name()
                    .unwrap()
                    .to_owned();
                (r_type, name)
            })
            .collect();
        keep.sort();
        Section {
            data: section.data().unwrap().to_vec(),
            symbols,
            mapping: mapping.len(),
            keep,
            machine,
            is_64: file.is_64(),
            big_endian: !file.is_little_endian(),
        }
    }

    /// The section as the target reads it: 32-bit words in its byte order.
    fn words(&self) -> Vec<u32> {
        self.data
            .chunks_exact(4)
            .map(|c| {
                let c: [u8; 4] = c.try_into().unwrap();
                if self.big_endian {
                    u32::from_be_bytes(c)
                } else {
                    u32::from_le_bytes(c)
                }
            })
            .collect()
    }
}

/// `e_machine` of an ELF file (the object crate reads it, but does not hand
/// it out for every class).
fn elf_machine(bytes: &[u8], big_endian: bool) -> u16 {
    let b = [bytes[18], bytes[19]];
    if big_endian {
        u16::from_be_bytes(b)
    } else {
        u16::from_le_bytes(b)
    }
}

/// The corpus text through rustc's assembler for `target`: a `#![no_core]`
/// crate holding it in one `global_asm!` (`options(raw)`: the text is
/// final, braces and all). RUSTC_BOOTSTRAP lets the stable compiler take
/// `no_core`; a crate without core needs no standard library for the target.
fn assemble_rustc(target: &str, text: &str, dir: &Path) -> PathBuf {
    let src = dir.join("corpus-asm.rs");
    std::fs::write(
        &src,
        format!(
            "#![feature(no_core, rustc_attrs, decl_macro)]\n#![no_core]\n\
             #[rustc_builtin_macro]\nmacro global_asm(\"assembly template\", \
             $(operands,)* $(options($(option),*))?) {{}}\n\
             global_asm!({text:?}, options(raw));\n"
        ),
    )
    .unwrap();
    let obj = dir.join(format!("rustc-{target}.o"));
    // rustc writes its scratch files into the working directory.
    let out = run(Command::new("rustc")
        .current_dir(dir)
        .env("RUSTC_BOOTSTRAP", "1")
        .args(["-A", "internal_features", "--crate-type", "lib"])
        .args(["--crate-name", "arch_corpus_asm", "--target", target])
        .arg(format!("--emit=obj={}", obj.display()))
        .arg(&src));
    assert!(
        out.status.success(),
        "rustc's assembler for {target} refused the macros' text:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    obj
}

/// The corpus text through GNU as.
fn assemble_gas(arch: &Arch, text_file: &Path, dir: &Path) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin")])
        .map(|d| d.join(arch.gas))
        .find(|p| p.exists());
    let gas = match (found, arch.gas_package) {
        (Some(gas), _) => gas,
        (None, None) => return None,
        (None, Some(package)) => panic!(
            "`{}` not found: install the Debian package `{package}` (scripts/install-deps.sh does)",
            arch.gas
        ),
    };
    let obj = dir.join(format!("gas-{}.o", arch.name));
    let out = run(Command::new(&gas).arg("-o").arg(&obj).arg(text_file));
    assert!(
        out.status.success(),
        "{} refused the macros' text:\n{}",
        arch.gas,
        String::from_utf8_lossy(&out.stderr)
    );
    Some(obj)
}

/// The checks of a resolved section, against the BTF read by bpftool and
/// the unresolved section's flags words: every list entry holds its own ID
/// and unused slots stay 0; a set holds its count and its members' IDs in
/// order; a set8 its count, its flags and (ID, flags) pairs in ID order, each
/// flags word still with its function.
fn check_resolved(
    what: &str,
    resolved: &[u32],
    unresolved: &[u32],
    symbols: &[Sym],
    names: &HashMap<(String, String), u32>,
) {
    let id_of = |sym: &str| -> u32 {
        let rest = sym.strip_prefix("__BTF_ID__").unwrap();
        let (kind, rest) = rest.split_once("__").unwrap();
        let name = &rest[..rest.rfind("__").unwrap()];
        *names
            .get(&(kind.to_owned(), name.to_owned()))
            .unwrap_or_else(|| panic!("{what}: {kind} {name} is not in the BTF"))
    };
    let is_set =
        |s: &Sym| s.name.starts_with("__BTF_ID__set__") || s.name.starts_with("__BTF_ID__set8__");
    let sets: Vec<&Sym> = symbols.iter().filter(|s| is_set(s)).collect();
    let in_set = |off: u64| {
        sets.iter()
            .any(|s| off >= s.offset && off < s.offset + s.size)
    };
    let mut covered = vec![false; resolved.len()];
    for set in &sets {
        let first = (set.offset / 4) as usize;
        let members: Vec<&Sym> = symbols
            .iter()
            .filter(|s| !is_set(s) && s.name.starts_with("__BTF_ID__"))
            .filter(|s| s.offset > set.offset && s.offset < set.offset + set.size)
            .collect();
        let words = &resolved[first..first + (set.size / 4) as usize];
        covered[first..first + words.len()].fill(true);
        assert_eq!(
            words[0] as usize,
            members.len(),
            "{what}: {} count",
            set.name
        );
        if set.name.starts_with("__BTF_ID__set8__") {
            assert_eq!(
                words[1],
                unresolved[first + 1],
                "{what}: {} set flags",
                set.name
            );
            let mut want: Vec<(u32, u32)> = members
                .iter()
                .map(|m| (id_of(&m.name), unresolved[(m.offset / 4) as usize + 1]))
                .collect();
            want.sort();
            let got: Vec<(u32, u32)> = words[2..].chunks(2).map(|p| (p[0], p[1])).collect();
            assert_eq!(got, want, "{what}: {} (id, flags) pairs", set.name);
        } else {
            let mut want: Vec<u32> = members.iter().map(|m| id_of(&m.name)).collect();
            want.sort();
            assert_eq!(&words[1..], &want[..], "{what}: {} ids", set.name);
        }
    }
    for s in symbols
        .iter()
        .filter(|s| s.name.starts_with("__BTF_ID__") && !is_set(s) && !in_set(s.offset))
    {
        let i = (s.offset / 4) as usize;
        assert_eq!(resolved[i], id_of(&s.name), "{what}: {}", s.name);
        covered[i] = true;
    }
    for (i, w) in resolved.iter().enumerate().filter(|(i, _)| !covered[*i]) {
        assert_eq!(*w, 0, "{what}: the unused slot at {:#x}", i * 4);
    }
}

/// The inspect JSON without what depends on the file: its name, class,
/// byte order and where the section lies.
fn normalized(mut v: serde_json::Value) -> serde_json::Value {
    let obj = v.as_object_mut().unwrap();
    for key in ["file", "class", "endian", "section_offset", "btf"] {
        obj.remove(key);
    }
    v
}

/// Everything for one architecture; see the module doc.
fn check_arch(arch: &Arch) {
    let host = host();
    let dir = host.dir.join(arch.name);
    std::fs::create_dir_all(&dir).unwrap();
    let text_file = dir.join("corpus.s");
    std::fs::write(&text_file, &host.text).unwrap();

    let mut objects = vec![("rustc", assemble_rustc(arch.rustc_target, &host.text, &dir))];
    if let Some(gas) = assemble_gas(arch, &text_file, &dir) {
        objects.push(("GNU as", gas));
    }
    let x86_syms = &host.unresolved.symbols;
    let x86_words = host.unresolved.words();
    for (assembler, obj) in &objects {
        let what = format!("{} ({assembler})", arch.name);
        let s = Section::read(obj);
        assert_eq!(s.machine, arch.machine, "{what}: e_machine");
        assert_eq!(s.is_64, arch.is_64, "{what}: ELF class");
        assert_eq!(s.big_endian, arch.big_endian, "{what}: byte order");
        println!(
            "{what}: ELF{}, {}-endian, {} `$d` mapping symbols in .BTF_ids, {} keep-alive relocations",
            if s.is_64 { 64 } else { 32 },
            if s.big_endian { "big" } else { "little" },
            s.mapping,
            s.keep.len()
        );
        // The same symbols at the same places as the host's, and the same
        // words in the target's byte order (zeros, flags, set8 flags).
        assert_eq!(
            &s.symbols, x86_syms,
            "{what}: .BTF_ids symbols differ from x86_64's"
        );
        assert_eq!(
            s.words(),
            x86_words,
            "{what}: .BTF_ids words differ from x86_64's"
        );
        // Every anchor became the target's R_*_NONE (0 on each of them)
        // against its block or kfunc.
        let host_keep: Vec<(u32, String)> = host
            .unresolved
            .keep
            .iter()
            .map(|(_, n)| (0, n.clone()))
            .collect();
        assert_eq!(s.keep, host_keep, "{what}: keep-alive relocations");

        // Both resolvers, the same bytes.
        let by_kernel = dir.join(format!("{}-kernel.o", assembler.replace(' ', "-")));
        let by_ours = dir.join(format!("{}-ours.o", assembler.replace(' ', "-")));
        std::fs::copy(obj, &by_kernel).unwrap();
        std::fs::copy(obj, &by_ours).unwrap();
        kernel_resolve(&by_kernel, &host.btf);
        our_resolve(&by_ours, &host.btf);
        assert!(
            std::fs::read(&by_kernel).unwrap() == std::fs::read(&by_ours).unwrap(),
            "{what}: btf-ids resolve and resolve_btfids wrote different files ({} and {})",
            by_ours.display(),
            by_kernel.display()
        );
        // Read as the target reads it.
        let resolved = Section::read(&by_ours);
        check_resolved(
            &what,
            &resolved.words(),
            &x86_words,
            &resolved.symbols,
            &host.names,
        );
        assert_eq!(
            resolved.words(),
            host.resolved.words(),
            "{what}: resolved words differ from x86_64's"
        );
        if arch.big_endian {
            // The first slot of the first list: task_struct's ID, most
            // significant byte first.
            let id = host.names[&("struct".to_owned(), "task_struct".to_owned())];
            let at = resolved
                .symbols
                .iter()
                .find(|s| s.name.starts_with("__BTF_ID__struct__task_struct__"))
                .unwrap()
                .offset as usize;
            assert_eq!(
                resolved.data[at..at + 4],
                id.to_be_bytes(),
                "{what}: byte order of an ID"
            );
        }

        // inspect shows every entry, as it does for x86_64.
        let json = inspect_json(&by_ours, &host.btf);
        assert_eq!(
            json["class"],
            if arch.is_64 { 64 } else { 32 },
            "{what}: inspect class"
        );
        assert_eq!(
            json["endian"],
            if arch.big_endian { "big" } else { "little" },
            "{what}: inspect byte order"
        );
        let summary = &json["summary"];
        let ids = x86_syms
            .iter()
            .filter(|s| s.name.starts_with("__BTF_ID__") && !s.name.starts_with("__BTF_ID__set"))
            .count();
        assert_eq!(summary["ids"], ids, "{what}: inspect ids\n{json:#}");
        assert_eq!(
            summary["unresolved"], 0,
            "{what}: inspect unresolved\n{json:#}"
        );
        assert_eq!(
            summary["btf_mismatches"], 0,
            "{what}: inspect mismatches\n{json:#}"
        );
        assert_eq!(
            normalized(json),
            normalized(host.inspect.clone()),
            "{what}: inspect differs from x86_64's"
        );
    }
}

/// The text read out of the IR is exactly what rustc assembled: put through
/// rustc's assembler for x86_64 again, it gives the cargo-built object's
/// `.BTF_ids` bytes, symbols and anchors.
#[test]
fn module_asm_is_the_text_rustc_assembled() {
    let host = host();
    let obj = assemble_rustc("x86_64-unknown-linux-gnu", &host.text, &host.dir);
    let again = Section::read(&obj);
    assert_eq!(again.data, host.unresolved.data);
    assert_eq!(again.symbols, host.unresolved.symbols);
    assert_eq!(again.keep, host.unresolved.keep);
    // The corpus holds every form: lists with unused slots, a global list
    // and set, sets, set8s with flags, a kfunc set with `#[kfunc]` entries,
    // and an anchor per block and per kfunc.
    let blocks = host.text.matches(".pushsection .BTF_ids").count();
    assert_eq!(blocks, 8, "blocks in the corpus");
    assert_eq!(
        host.unresolved.keep.len(),
        blocks + 2,
        "anchors: one per block, one per kfunc"
    );
    assert!(host
        .unresolved
        .keep
        .iter()
        .all(|(t, _)| *t == elf::R_X86_64_NONE));
    let names: BTreeMap<&str, usize> = [
        ("arch_global_ids", 1),
        ("arch_global_set", 1),
        ("bpf_task_acquire", 1),
        ("bpf_task_release", 1),
    ]
    .into_iter()
    .collect();
    for (name, n) in names {
        assert_eq!(
            host.unresolved
                .keep
                .iter()
                .filter(|(_, t)| t == name)
                .count(),
            n,
            "anchors against {name}"
        );
    }
    check_resolved(
        "x86_64",
        &host.resolved.words(),
        &host.unresolved.words(),
        &host.resolved.symbols,
        &host.names,
    );
}

#[test]
fn aarch64() {
    check_arch(&AARCH64);
}

#[test]
fn riscv64() {
    check_arch(&RISCV64);
}

#[test]
fn s390x_big_endian() {
    check_arch(&S390X);
}

#[test]
fn armv7_32_bit() {
    check_arch(&ARMV7);
}

#[test]
fn ppc64le() {
    check_arch(&PPC64LE);
}

#[test]
fn loongarch64() {
    check_arch(&LOONGARCH64);
}

#[test]
fn powerpc_32_bit_big_endian() {
    check_arch(&POWERPC);
}
