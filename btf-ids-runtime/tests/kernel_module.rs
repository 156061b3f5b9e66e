//! A Rust-only kernel module object built the way kbuild links one: the
//! fixture crate tests/fixtures/kernel-module (a `#![no_std]` staticlib using
//! `kernel_module!`, `btf_kfuncs!`, `BtfKfuncIdSet::new(..).with_filter(..)`,
//! `register_btf_kfunc_id_set` and `_printk`) compiled with the flags kernel
//! code needs, then `ld -r -u init_module -u cleanup_module` into one object.
//!
//! Checked in that object: the `.modinfo` strings C's `MODULE_*` lines give,
//! the `.init.data` / `.exit.data` entries of `module_init` / `module_exit`,
//! the `struct btf_kfunc_id_set` statics word by word, the undefined symbols
//! (the kernel's and modpost's only), and that the runtime's default features
//! bring no linkme section; the same crate with the `registry` feature is the
//! control that does.
#![cfg(all(target_arch = "x86_64", target_os = "linux"))]

use object::elf::{R_X86_64_64, SHF_ALLOC, SHF_EXECINSTR, SHF_WRITE};
use object::read::archive::ArchiveFile;
use object::{
    Object, ObjectSection, ObjectSymbol, RelocationFlags, RelocationTarget, SectionFlags,
};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The kernel's flags for Rust code (../shared/KERNEL-VM.md).
const KERNEL_RUSTFLAGS: &[&str] = &[
    "-Ccode-model=kernel",
    "-Crelocation-model=static",
    "-Cno-redzone=yes",
    "-Ctarget-feature=-sse,-sse2,-avx,-avx2",
    "-Cforce-frame-pointers=yes",
];

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kernel-module")
}

/// A command from a Debian package, or a failure naming the package.
fn tool(name: &str, package: &str) -> PathBuf {
    for dir in ["/usr/bin", "/usr/local/bin"] {
        let p = Path::new(dir).join(name);
        if p.exists() {
            return p;
        }
    }
    panic!("`{name}` not found: install the Debian package `{package}`")
}

fn run(cmd: &mut Command) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed with {}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Builds the fixture; `kernel` selects the kernel flags, release profile
/// and explicit target (so the flags do not reach the proc macros).
fn build(target_dir: &Path, kernel: bool, features: &[&str]) -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(fixture())
        .env("CARGO_TARGET_DIR", target_dir)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_RUSTFLAGS")
        .args(["build", "--quiet"]);
    for f in features {
        cmd.args(["--features", f]);
    }
    let lib = if kernel {
        cmd.env("CARGO_ENCODED_RUSTFLAGS", KERNEL_RUSTFLAGS.join("\x1f"))
            .args(["--release", "--target", "x86_64-unknown-linux-gnu"]);
        target_dir.join("x86_64-unknown-linux-gnu/release/libkernel_module.a")
    } else {
        target_dir.join("debug/libkernel_module.a")
    };
    run(&mut cmd);
    lib
}

/// `ld -r` of the archive, pulling in what the module's entry points need
/// (not `--whole-archive`, which drags in all of compiler_builtins).
fn link(archive: &Path, out: &Path) -> Vec<u8> {
    run(Command::new(tool("ld", "binutils"))
        .args(["-r", "-u", "init_module", "-u", "cleanup_module"])
        .arg(archive)
        .arg("-o")
        .arg(out));
    std::fs::read(out).unwrap()
}

/// The build directory this test keeps between runs.
fn work_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("btf-ids-runtime-kernel-module");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn elf_flags(section: &object::Section<'_, '_>) -> u64 {
    match section.flags() {
        SectionFlags::Elf { sh_flags } => sh_flags,
        other => panic!("not ELF flags: {other:?}"),
    }
}

/// The one relocation at `offset` of `section`: (type, symbol name, addend).
fn reloc_at(
    file: &object::File<'_>,
    section: &object::Section<'_, '_>,
    offset: u64,
) -> (u32, String, i64) {
    let mut found = section.relocations().filter(|(o, _)| *o == offset);
    let (_, reloc) = found
        .next()
        .unwrap_or_else(|| panic!("no relocation at {offset} of {:?}", section.name()));
    assert!(found.next().is_none(), "two relocations at {offset}");
    let r_type = match reloc.flags() {
        RelocationFlags::Elf { r_type } => r_type,
        other => panic!("not an ELF relocation: {other:?}"),
    };
    let name = match reloc.target() {
        RelocationTarget::Symbol(i) => {
            let sym = file.symbol_by_index(i).unwrap();
            if sym.kind() == object::SymbolKind::Section {
                file.section_by_index(sym.section_index().unwrap())
                    .unwrap()
                    .name()
                    .unwrap()
                    .to_string()
            } else {
                sym.name().unwrap().to_string()
            }
        }
        other => panic!("relocation against {other:?}"),
    };
    (r_type, name, reloc.addend())
}

/// linkme's sections are `linkme_<SLICE>` and `linkm2_<SLICE>` (plus their
/// `.rela` twins).
fn linkme_sections(file: &object::File<'_>) -> Vec<String> {
    file.sections()
        .filter_map(|s| s.name().ok().map(str::to_string))
        .filter(|n| n.trim_start_matches(".rela").starts_with("linkm"))
        .collect()
}

/// Every member of an archive, parsed.
fn for_each_member(archive: &[u8], mut f: impl FnMut(&str, &object::File<'_>)) {
    let ar = ArchiveFile::parse(archive).unwrap();
    for member in ar.members() {
        let member = member.unwrap();
        let name = String::from_utf8_lossy(member.name()).to_string();
        let data = member.data(archive).unwrap();
        if let Ok(file) = object::File::parse(data) {
            f(&name, &file);
        }
    }
}

#[test]
fn kernel_module_object_has_modinfo_init_exit_and_no_linkme() {
    let dir = work_dir();
    let archive = build(&dir.join("kernel"), true, &[]);

    // No member of the archive, compiler_builtins and core included, has a
    // linkme section.
    let bytes = std::fs::read(&archive).unwrap();
    for_each_member(&bytes, |name, file| {
        assert_eq!(linkme_sections(file), Vec::<String>::new(), "{name}");
    });

    let data = link(&archive, &dir.join("km_rust.o"));
    let file = object::File::parse(&*data).unwrap();
    assert!(linkme_sections(&file).is_empty());
    for sym in file.symbols() {
        let name = sym.name().unwrap();
        assert!(!name.contains("linkme"), "linkme symbol {name}");
    }

    // What the object needs from outside: the kernel's two functions and
    // modpost's __this_module, and no core or compiler_builtins function.
    let undefined: BTreeSet<&str> = file
        .symbols()
        .filter(|s| s.is_undefined() && !s.name().unwrap().is_empty())
        .map(|s| s.name().unwrap())
        .collect();
    assert_eq!(
        undefined,
        BTreeSet::from(["__this_module", "_printk", "register_btf_kfunc_id_set"])
    );

    // MODULE_LICENSE, MODULE_AUTHOR (twice), MODULE_DESCRIPTION: NUL-terminated
    // entries, in an allocated read-only section of alignment 1.
    let modinfo = file.section_by_name(".modinfo").expect(".modinfo");
    assert_eq!(
        std::str::from_utf8(modinfo.data().unwrap()).unwrap(),
        "license=GPL\0author=btf-ids\0author=A. N. Other <other@example.invalid>\0\
         description=Rust kfuncs, no C\0"
    );
    assert_eq!(elf_flags(&modinfo), u64::from(SHF_ALLOC));
    assert_eq!(modinfo.align(), 1);
    assert_eq!(modinfo.relocations().count(), 0);

    // module_init / module_exit: one pointer each to the entry point, in the
    // writable init/exit data, as C's ___ADDRESSABLE leaves them.
    for (section, entry) in [
        (".init.data", "init_module"),
        (".exit.data", "cleanup_module"),
    ] {
        let s = file.section_by_name(section).expect(section);
        assert_eq!(s.size(), 8, "{section}");
        assert_eq!(s.align(), 8, "{section}");
        assert_eq!(elf_flags(&s), u64::from(SHF_ALLOC | SHF_WRITE), "{section}");
        assert_eq!(s.relocations().count(), 1, "{section}");
        assert_eq!(
            reloc_at(&file, &s, 0),
            (R_X86_64_64, entry.to_string(), 0),
            "{section}"
        );
        let sym = file
            .symbols()
            .find(|s| s.name() == Ok(entry))
            .unwrap_or_else(|| panic!("no {entry}"));
        assert!(sym.is_global() && sym.is_definition(), "{entry}");
        let text = file.section_by_index(sym.section_index().unwrap()).unwrap();
        assert_ne!(elf_flags(&text) & u64::from(SHF_EXECINSTR), 0, "{entry}");
    }

    // struct btf_kfunc_id_set { owner, set, filter }: three 8-byte words
    // with a relocation each, none for a NULL filter.
    let set_label = file
        .symbols()
        .filter_map(|s| s.name().ok())
        .find(|n| n.starts_with("__btf_ids_KM_KFUNCS_"))
        .expect("the set's label")
        .to_string();
    for (name, filtered) in [("KM_SET", false), ("KM_FILTERED_SET", true)] {
        let sym = file
            .symbols()
            .find(|s| s.name() == Ok(name))
            .unwrap_or_else(|| panic!("no {name}"));
        assert_eq!(sym.size(), 24, "{name}");
        let section = file.section_by_index(sym.section_index().unwrap()).unwrap();
        assert_eq!(
            elf_flags(&section) & u64::from(SHF_WRITE),
            0,
            "{name} is read-only"
        );
        let at = sym.address() - section.address();
        let words = &section.data().unwrap()[at as usize..at as usize + 24];
        assert!(
            words.iter().all(|&b| b == 0),
            "{name}: addresses come from relocations"
        );
        let owner = reloc_at(&file, &section, at);
        assert_eq!(owner, (R_X86_64_64, "__this_module".to_string(), 0));
        let set = reloc_at(&file, &section, at + 8);
        assert_eq!(set, (R_X86_64_64, set_label.clone(), 0));
        let relocs_in_struct = section
            .relocations()
            .filter(|(o, _)| (at..at + 24).contains(o))
            .count();
        if filtered {
            let (r_type, target, addend) = reloc_at(&file, &section, at + 16);
            assert_eq!(r_type, R_X86_64_64);
            // Against the function's symbol or its own section.
            assert!(target.contains("km_filter"), "{target}");
            assert_eq!(addend, 0);
            assert_eq!(relocs_in_struct, 3);
        } else {
            assert_eq!(relocs_in_struct, 2, "{name}: a NULL filter is a zero word");
        }
    }
}

#[test]
fn the_registry_feature_is_what_brings_linkme_sections() {
    let dir = work_dir();
    let archive = build(&dir.join("control"), false, &["registry"]);
    let bytes = std::fs::read(&archive).unwrap();
    let mut found = BTreeSet::new();
    for_each_member(&bytes, |_, file| found.extend(linkme_sections(file)));
    assert!(
        found.contains("linkme_BTF_KFUNC_ID_SET_REGISTRATIONS"),
        "the detector misses linkme: {found:?}"
    );
}
