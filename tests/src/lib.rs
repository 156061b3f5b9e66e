//! Shared helpers of the integration tests: find the kernel's tools, build
//! fixture crates, compile C against the real btf_ids.h, and read `.BTF_ids`.
//!
//! A missing tool is a test failure whose message names the Debian package
//! to install; `scripts/test.sh` installs them all.

use object::elf::{SHF_ALLOC, SHF_WRITE};
use object::{Object, ObjectSection, ObjectSymbol, SectionFlags, SymbolKind};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A fixture crate under tests/fixtures.
pub fn fixture(name: &str) -> PathBuf {
    workspace_root().join("tests/fixtures").join(name)
}

/// The newest path matching `pattern`'s glob in its last-but-n component.
fn newest(dir: &str, prefix: &str, rest: &str) -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(prefix))
        .map(|e| e.path().join(rest))
        .filter(|p| p.exists())
        .collect();
    found.sort_by_key(|p| version_key(p));
    found.pop()
}

fn version_key(p: &Path) -> Vec<u64> {
    p.to_string_lossy()
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|s| s.parse().ok())
        .collect()
}

/// The kernel's resolve_btfids from Debian's linux-kbuild-6.12.* package.
pub fn resolve_btfids() -> PathBuf {
    newest(
        "/usr/lib",
        "linux-kbuild-6.12",
        "tools/bpf/resolve_btfids/resolve_btfids",
    )
    .unwrap_or_else(|| {
        panic!(
            "resolve_btfids not found under /usr/lib/linux-kbuild-6.12.*: \
                 install the newest linux-kbuild-6.12.* Debian package (scripts/test.sh does)"
        )
    })
}

/// `include/` of Debian's linux-headers-6.12.*-common package.
pub fn linux_headers() -> PathBuf {
    newest("/usr/src", "linux-headers-6.12", "include/linux/btf_ids.h")
        .map(|p| p.parent().unwrap().parent().unwrap().to_path_buf())
        .unwrap_or_else(|| {
            panic!(
                "include/linux/btf_ids.h not found under /usr/src/linux-headers-6.12.*: \
                 install the newest linux-headers-6.12.*-common Debian package"
            )
        })
}

/// A command from a Debian package, or a failure naming the package.
pub fn tool(name: &str, package: &str) -> PathBuf {
    for dir in ["/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin"] {
        let p = Path::new(dir).join(name);
        if p.exists() {
            return p;
        }
    }
    panic!("`{name}` not found: install the Debian package `{package}`")
}

/// Where the kernel's BTF is; a failure says so when the machine has none.
pub fn vmlinux_btf() -> PathBuf {
    let p = PathBuf::from("/sys/kernel/btf/vmlinux");
    assert!(
        p.exists(),
        "/sys/kernel/btf/vmlinux is missing: these tests need a kernel built with CONFIG_DEBUG_INFO_BTF"
    );
    p
}

/// Run a command, failing the test with its output when it fails.
pub fn run(cmd: &mut Command) -> Output {
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
    out
}

/// `cargo build` of a fixture crate into `target`.
pub fn cargo_build(manifest_dir: &Path, target: &Path, args: &[&str]) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    run(Command::new(cargo)
        .current_dir(manifest_dir)
        .env("CARGO_TARGET_DIR", target)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .arg("build")
        .arg("--quiet")
        .args(args));
}

/// The lib of a fixture crate as one relocatable object (`--emit=obj`).
pub fn cargo_object(manifest_dir: &Path, target: &Path, out: &Path) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    run(Command::new(cargo)
        .current_dir(manifest_dir)
        .env("CARGO_TARGET_DIR", target)
        .arg("rustc")
        .arg("--quiet")
        .arg("--lib")
        .arg("--")
        .arg("-C")
        .arg("codegen-units=1")
        .arg(format!("--emit=obj={}", out.display())));
}

/// The `#define KF_*` lines of the real include/linux/btf.h.
pub fn kf_defines(headers: &Path) -> String {
    let btf_h = std::fs::read_to_string(headers.join("linux/btf.h")).unwrap();
    let lines: Vec<String> = btf_h
        .lines()
        .filter(|l| l.starts_with("#define KF_"))
        .map(|l| l.split("/*").next().unwrap().trim_end().to_owned())
        .collect();
    assert!(lines.len() >= 10, "KF_* flags found in btf.h: {lines:?}");
    lines.join("\n") + "\n"
}

/// Compile C against the real btf_ids.h, with tests/fixtures/c/prelude.h
/// on the include path and the real btf.h's KF_* flags in a scratch
/// `kf_flags.h` beside `out`.
pub fn compile_c(src: &Path, out: &Path) {
    let headers = linux_headers();
    let scratch = out.with_extension("include");
    std::fs::create_dir_all(&scratch).unwrap();
    std::fs::write(scratch.join("kf_flags.h"), kf_defines(&headers)).unwrap();
    run(Command::new("gcc")
        .args(["-c", "-O2", "-nostdinc", "-I"])
        .arg(&headers)
        .arg("-I")
        .arg(&scratch)
        .arg("-I")
        .arg(fixture("c"))
        .arg("-o")
        .arg(out)
        .arg(src));
}

/// Copy the running test binary, patch the copy with the kernel's
/// resolve_btfids against vmlinux, and run the ignored test `child` in it
/// with `env` set (its views then hold real IDs). Returns resolve_btfids'
/// warnings.
pub fn run_in_resolved_copy(child: &str, env: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("resolved-copy");
    std::fs::copy(std::env::current_exe().unwrap(), &copy).unwrap();
    let warnings = kernel_resolve(&copy, &vmlinux_btf(), None);
    let out = run(Command::new(&copy).env(env, "1").args([
        "--exact",
        child,
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ]));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("1 passed"),
        "the patched copy ran no check:\n{stdout}"
    );
    print!("{stdout}");
    warnings
}

/// Run the kernel's resolve_btfids on `elf` in place; returns its stderr and
/// stdout lines (the warnings).
pub fn kernel_resolve(elf: &Path, btf: &Path, base: Option<&Path>) -> Vec<String> {
    let mut cmd = Command::new(resolve_btfids());
    cmd.arg("--btf").arg(btf);
    if let Some(base) = base {
        cmd.arg("--btf_base").arg(base);
    }
    let out = run(cmd.arg(elf));
    let mut lines: Vec<String> = String::from_utf8_lossy(&out.stderr)
        .lines()
        .chain(String::from_utf8_lossy(&out.stdout).lines())
        .map(str::to_owned)
        .collect();
    lines.sort();
    lines
}

/// One symbol that lives in `.BTF_ids`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sym {
    pub name: String,
    /// Address (or offset for a relocatable object) of the symbol.
    pub addr: u64,
    pub size: u64,
    /// `OBJECT` or `NOTYPE`.
    pub object: bool,
    pub global: bool,
}

/// The `.BTF_ids` section of an ELF file and its symbols.
pub struct BtfIdsSection {
    pub addr: u64,
    pub data: Vec<u8>,
    pub align: u64,
    pub alloc: bool,
    pub write: bool,
    pub symbols: Vec<Sym>,
}

/// Read `.BTF_ids`, or `None` when the file has no such section.
pub fn read_btf_ids(path: &Path) -> Option<BtfIdsSection> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let file = object::File::parse(&*bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let section = file.section_by_name(".BTF_ids")?;
    let SectionFlags::Elf { sh_flags } = section.flags() else {
        panic!("not ELF")
    };
    let index = section.index();
    let symbols = file
        .symbols()
        .filter(|s| s.section_index() == Some(index))
        .map(|s| Sym {
            name: s.name().unwrap().to_owned(),
            addr: s.address(),
            size: s.size(),
            object: s.kind() == SymbolKind::Data,
            global: s.is_global(),
        })
        .collect();
    Some(BtfIdsSection {
        addr: section.address(),
        data: section.data().unwrap().to_vec(),
        align: section.align(),
        alloc: sh_flags & u64::from(SHF_ALLOC) != 0,
        write: sh_flags & u64::from(SHF_WRITE) != 0,
        symbols,
    })
}

/// A `__BTF_ID__` symbol with its unique suffix cut the way resolve_btfids
/// cuts it, and its place relative to the block's label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntrySym {
    pub name: String,
    pub offset: u64,
    pub size: u64,
    pub object: bool,
    pub global: bool,
}

/// One list or set: everything from its label to the next label.
#[derive(Clone, Debug)]
pub struct Block {
    /// The declared name (`TRACING_IDS`), whatever the label's spelling.
    pub name: String,
    pub label: Sym,
    pub bytes: Vec<u8>,
    pub entries: Vec<EntrySym>,
}

impl Block {
    /// The block's bytes as little-endian u32 words.
    pub fn words(&self) -> Vec<u32> {
        self.bytes
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
            .collect()
    }
}

/// Cut `__<unique>` off a `__BTF_ID__` name as resolve_btfids does: at the
/// last `_`, which must follow another `_`. Names without such a suffix (C's
/// set symbols) come back unchanged.
pub fn strip_unique(name: &str) -> String {
    let prefix_len = [
        "set8__",
        "set__",
        "struct__",
        "union__",
        "typedef__",
        "func__",
    ]
    .iter()
    .find_map(|k| {
        name.strip_prefix("__BTF_ID__")?
            .strip_prefix(k)
            .map(|_| 10 + k.len())
    })
    .unwrap_or(0);
    let rest = &name[prefix_len..];
    match rest.rfind('_') {
        Some(i) if i > 0 && rest.as_bytes()[i - 1] == b'_' && is_unique(&rest[i + 1..]) => {
            name[..prefix_len + i - 1].to_owned()
        }
        _ => name.to_owned(),
    }
}

/// A unique suffix: C's `__COUNTER__``__LINE__` digits or ours (hex, `n`, digits).
fn is_unique(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric())
}

/// The declared name behind a label: C's `name`, our hidden
/// `__btf_ids_<name>_<unique>`, or our global `name`.
pub fn label_name(label: &str) -> String {
    match label.strip_prefix("__btf_ids_") {
        Some(rest) => rest[..rest.rfind('_').unwrap()].to_owned(),
        None => label.to_owned(),
    }
}

/// Split the section into blocks at its labels (the symbols that are not
/// `__BTF_ID__` symbols).
pub fn blocks(section: &BtfIdsSection) -> Vec<Block> {
    let mut labels: Vec<&Sym> = section
        .symbols
        .iter()
        .filter(|s| !s.name.starts_with("__BTF_ID__"))
        .collect();
    labels.sort_by_key(|s| s.addr);
    let end = section.addr + section.data.len() as u64;
    labels
        .iter()
        .enumerate()
        .map(|(i, label)| {
            let stop = labels.get(i + 1).map_or(end, |next| next.addr);
            let from = (label.addr - section.addr) as usize;
            let to = (stop - section.addr) as usize;
            let mut entries: Vec<EntrySym> = section
                .symbols
                .iter()
                .filter(|s| {
                    s.name.starts_with("__BTF_ID__") && s.addr >= label.addr && s.addr < stop
                })
                .map(|s| EntrySym {
                    name: strip_unique(&s.name),
                    offset: s.addr - label.addr,
                    size: s.size,
                    object: s.object,
                    global: s.global,
                })
                .collect();
            entries.sort_by(|a, b| (a.offset, &a.name).cmp(&(b.offset, &b.name)));
            Block {
                name: label_name(&label.name),
                label: (*label).clone(),
                bytes: section.data[from..to].to_vec(),
                entries,
            }
        })
        .collect()
}

/// The blocks of `path` by declared name; each name must occur once.
pub fn blocks_by_name(path: &Path) -> HashMap<String, Block> {
    let section = read_btf_ids(path).unwrap_or_else(|| panic!("{}: no .BTF_ids", path.display()));
    let mut map = HashMap::new();
    for b in blocks(&section) {
        let name = b.name.clone();
        assert!(
            map.insert(name.clone(), b).is_none(),
            "{}: two blocks named {name}",
            path.display()
        );
    }
    map
}

/// BTF kinds that resolve_btfids resolves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BtfKind {
    Struct,
    Union,
    Typedef,
    Func,
}

impl BtfKind {
    pub fn from_word(w: &str) -> Option<BtfKind> {
        Some(match w {
            "struct" | "STRUCT" => BtfKind::Struct,
            "union" | "UNION" => BtfKind::Union,
            "typedef" | "TYPEDEF" => BtfKind::Typedef,
            "func" | "FUNC" => BtfKind::Func,
            _ => return None,
        })
    }
}

/// Every `(kind, name)` of a BTF file with its IDs in ID order, read by
/// `bpftool btf dump file F format raw` (an independent reader).
pub struct BtfNames(HashMap<(BtfKind, String), Vec<u32>>);

impl BtfNames {
    pub fn load(btf: &Path) -> BtfNames {
        let out = run(Command::new(tool("bpftool", "bpftool"))
            .args(["btf", "dump", "file"])
            .arg(btf)
            .args(["format", "raw"]));
        let mut map: HashMap<(BtfKind, String), Vec<u32>> = HashMap::new();
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            // [114] STRUCT 'task_struct' size=3264 vlen=248
            let Some(rest) = line.strip_prefix('[') else {
                continue;
            };
            let mut parts = rest.splitn(3, ' ');
            let (Some(id), Some(kind), Some(name)) = (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            let Some(kind) = BtfKind::from_word(kind) else {
                continue;
            };
            let Some(name) = name.strip_prefix('\'').and_then(|n| n.split('\'').next()) else {
                continue;
            };
            let id: u32 = id.trim_end_matches(']').parse().unwrap();
            map.entry((kind, name.to_owned())).or_default().push(id);
        }
        BtfNames(map)
    }

    /// The ID resolve_btfids picks: the first, or 0 when there is none.
    pub fn id(&self, kind: BtfKind, name: &str) -> u32 {
        self.0
            .get(&(kind, name.to_owned()))
            .and_then(|ids| ids.first().copied())
            .unwrap_or(0)
    }

    /// The ID named by an entry symbol such as `__BTF_ID__struct__file`.
    pub fn id_of_entry(&self, entry: &str) -> u32 {
        let rest = entry.strip_prefix("__BTF_ID__").unwrap();
        let (kind, name) = rest.split_once("__").unwrap();
        self.id(BtfKind::from_word(kind).unwrap(), name)
    }
}

/// A BTF we make ourselves (`gcc -g` + `pahole -J` of
/// tests/fixtures/small-btf/types.c), so tests do not rest on the host
/// kernel's BTF alone.
pub fn small_btf(dir: &Path) -> PathBuf {
    let out = dir.join("small-btf.o");
    run(Command::new("gcc")
        .args(["-g", "-c", "-O0", "-o"])
        .arg(&out)
        .arg(fixture("small-btf/types.c")));
    run(Command::new(tool("pahole", "dwarves")).arg("-J").arg(&out));
    out
}

/// Copy a fixture crate into `dir`, pointing its path dependencies on this
/// workspace's crates at their absolute paths, so it can be edited freely.
pub fn copy_fixture(name: &str, dir: &Path) -> PathBuf {
    let src = fixture(name);
    let dst = dir.join(name);
    copy_tree(&src, &dst);
    let manifest = dst.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let root = workspace_root();
    let text = text.replace("\"../../../", &format!("\"{}/", root.display()));
    std::fs::write(&manifest, text).unwrap();
    dst
}

fn copy_tree(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for entry in std::fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let to = dst.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            if entry.file_name() != "target" {
                copy_tree(&entry.path(), &to);
            }
        } else {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
}

/// A writable copy of `src` in `dir`.
pub fn copy_to(src: &Path, dir: &Path, name: &str) -> PathBuf {
    let dst = dir.join(name);
    std::fs::copy(src, &dst).unwrap_or_else(|e| panic!("copy {}: {e}", src.display()));
    dst
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strip_unique_follows_resolve_btfids() {
        assert_eq!(
            strip_unique("__BTF_ID__struct__task_struct__07"),
            "__BTF_ID__struct__task_struct"
        );
        assert_eq!(
            strip_unique("__BTF_ID__struct____sk_buff__618"),
            "__BTF_ID__struct____sk_buff"
        );
        assert_eq!(
            strip_unique("__BTF_ID__func__bpf_iter__task__6ca9a5829945f11dn33"),
            "__BTF_ID__func__bpf_iter__task"
        );
        assert_eq!(
            strip_unique("__BTF_ID__set__TASK_SET"),
            "__BTF_ID__set__TASK_SET"
        );
        assert_eq!(
            strip_unique("__BTF_ID__set8__S__0123abcn4"),
            "__BTF_ID__set8__S"
        );
        assert_eq!(label_name("__btf_ids_TRACING_IDS_0123abcn4"), "TRACING_IDS");
        assert_eq!(label_name("btf_ids_global_set"), "btf_ids_global_set");
    }
}
