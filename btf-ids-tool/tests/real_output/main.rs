//! Differential tests on Debian's real build output (issue 11): the
//! BTF-only vmlinux of linux-headers-6.12.X+deb12-amd64 and the modules of
//! linux-image-6.12.X+deb12-amd64-unsigned were resolved by Debian's build
//! with the kernel's resolve_btfids. Each object is brought back to what
//! resolve_btfids was given ([`restore`]), resolved again by `btf-ids` (with
//! Kbuild's command lines) and by the kernel's resolve_btfids, and both must
//! give the shipped `.BTF_ids` bytes; `btf-ids` must give the shipped file
//! byte for byte, module signature included.
//!
//! The packages are required: without them the test fails, naming
//! scripts/install-deps.sh.

mod restore;
mod scan;

use btf_ids_tool::internals::ElfInfo;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

/// The modules of Debian's 6.12.117+deb12-amd64 (4,230 `.ko.xz`) that carry
/// `.BTF_ids`, relative to /lib/modules/<release>/kernel: every one a kfunc
/// set8 (BTF_KFUNCS_START), nf_conntrack also a BTF_ID_LIST.
const MODULES_WITH_BTF_IDS: [&str; 7] = [
    "net/ipv4/fou.ko.xz",
    "net/ipv4/tcp_bbr.ko.xz",
    "net/ipv4/tcp_dctcp.ko.xz",
    "net/netfilter/nf_conntrack.ko.xz",
    "net/netfilter/nf_flow_table.ko.xz",
    "net/netfilter/nf_nat.ko.xz",
    "net/xfrm/xfrm_interface.ko.xz",
];

/// vmlinux's `.BTF_ids`: 671 id symbols, 14 sets and 24 set8s (709
/// `__BTF_ID__` symbols).
const VMLINUX_COUNTS: (usize, usize, usize) = (671, 14, 24);

/// The release the two figures above were taken from. On another 6.12.X
/// (the test command installs the newest the archive has) the test checks
/// the same round trip on whatever it finds, and prints what that is.
const PINNED_RELEASE: &str = "6.12.117+deb12";

const INSTALL: &str = "run scripts/install-deps.sh (as root) to install Debian's linux-kbuild-6.12.X+deb12, \
                       linux-headers-6.12.X+deb12-amd64 and linux-image-6.12.X+deb12-amd64-unsigned";

/// What scripts/kernel-env.sh prints.
struct KernelEnv {
    kver: String,
    vmlinux: PathBuf,
    resolve_btfids_c: PathBuf,
}

fn kernel_env() -> KernelEnv {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/kernel-env.sh");
    let out = Command::new("bash")
        .arg(&script)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    assert!(
        out.status.success(),
        "Debian's 6.12 kernel packages are missing ({}): {INSTALL}",
        String::from_utf8_lossy(&out.stderr).trim()
    );
    let vars: BTreeMap<String, String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let get = |k: &str| {
        vars.get(k)
            .cloned()
            .unwrap_or_else(|| panic!("scripts/kernel-env.sh printed no {k}"))
    };
    KernelEnv {
        kver: get("KVER"),
        vmlinux: get("VMLINUX").into(),
        resolve_btfids_c: get("RESOLVE_BTFIDS_C").into(),
    }
}

fn ours() -> &'static str {
    env!("CARGO_BIN_EXE_btf-ids")
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn btf_ids_of(data: &[u8]) -> &[u8] {
    let elf = ElfInfo::parse(data).unwrap();
    elf.section_bytes(elf.btf_ids.expect("no .BTF_ids"))
}

fn first_difference(a: &[u8], b: &[u8]) -> String {
    match a.iter().zip(b).position(|(x, y)| x != y) {
        Some(i) => format!(
            "first difference at byte {i:#x} (lengths {} and {})",
            a.len(),
            b.len()
        ),
        None => format!(
            "one is a prefix of the other (lengths {} and {})",
            a.len(),
            b.len()
        ),
    }
}

/// The appended module signature (`<PKCS#7><struct module_signature, 12
/// bytes, sig_len big-endian last>"~Module signature appended~\n"`): the
/// length of the ELF image before it, if there is one.
fn signed_elf_len(data: &[u8]) -> Option<usize> {
    const MAGIC: &[u8] = b"~Module signature appended~\n";
    let rest = data.strip_suffix(MAGIC)?;
    let info = rest.get(rest.len().checked_sub(12)?..)?;
    let sig_len = u32::from_be_bytes(info[8..12].try_into().unwrap()) as usize;
    rest.len().checked_sub(12 + sig_len)
}

/// One object: restore it, resolve the restored copy with both tools, and
/// compare with the shipped file. `base`: vmlinux for a module.
fn round_trip(
    dir: &Path,
    name: &str,
    shipped: &[u8],
    base: Option<(&Path, &[u8])>,
    env: &KernelEnv,
) -> restore::Restored {
    let r = restore::restore(shipped, base.map(|b| b.1))
        .unwrap_or_else(|e| panic!("{name}: restore: {e}"));
    assert_eq!(r.data.len(), shipped.len());
    let (ship_ids, rest_ids) = (btf_ids_of(shipped), btf_ids_of(&r.data));
    assert_ne!(ship_ids, rest_ids, "{name}: restoring changed nothing");
    let restored = dir.join(format!("{name}.restored"));
    std::fs::write(&restored, &r.data).unwrap();
    let copy = |what: &str| {
        let p = dir.join(format!("{name}.{what}"));
        std::fs::copy(&restored, &p).unwrap();
        p
    };
    let base_args: Vec<&std::ffi::OsStr> = match base {
        Some((p, _)) => vec!["-b".as_ref(), p.as_os_str()],
        None => vec![],
    };

    // Ours, as Kbuild runs it with RESOLVE_BTFIDS=btf-ids: resolve_btfids'
    // own command line (`-b vmlinux m.ko`, `vmlinux`), in place.
    let in_place = copy("btf-ids");
    let o = run(Command::new(ours()).args(&base_args).arg(&in_place));
    let ours_err = String::from_utf8_lossy(&o.stderr).into_owned();
    let got = std::fs::read(&in_place).unwrap();
    assert!(
        got == shipped,
        "{name}: `btf-ids {}{name}` did not give the shipped file: {}; .BTF_ids {}",
        if base.is_some() { "-b vmlinux " } else { "" },
        first_difference(&got, shipped),
        if btf_ids_of(&got) == ship_ids {
            "equal"
        } else {
            "differs"
        }
    );
    // `btf-ids resolve ... -o out`: a new file, the same bytes.
    let out = dir.join(format!("{name}.btf-ids-o"));
    let _ = std::fs::remove_file(&out);
    run(Command::new(ours())
        .arg("resolve")
        .args(&base_args)
        .arg(&restored)
        .arg("-o")
        .arg(&out));
    assert!(
        std::fs::read(&out).unwrap() == shipped,
        "{name}: `btf-ids resolve -o` did not give the shipped file"
    );
    assert_eq!(
        std::fs::read(&restored).unwrap(),
        r.data,
        "{name}: -o changed its input"
    );

    // The kernel's resolve_btfids, the same command line.
    let c_file = copy("resolve_btfids");
    let o = run(Command::new(&env.resolve_btfids_c)
        .args(&base_args)
        .arg(&c_file));
    let c_err = String::from_utf8_lossy(&o.stderr).into_owned();
    let c = std::fs::read(&c_file).unwrap();
    assert!(
        btf_ids_of(&c) == ship_ids,
        "{name}: resolve_btfids did not give the shipped .BTF_ids"
    );
    match signed_elf_len(shipped) {
        // libelf writes the ELF image as it lays it out and truncates the
        // file there: the signature is gone, everything else is as shipped.
        Some(elf_len) => assert!(
            c == shipped[..elf_len],
            "{name}: resolve_btfids' output is not the shipped file less its signature: {}",
            first_difference(&c, &shipped[..elf_len])
        ),
        None => assert!(
            c == shipped,
            "{name}: resolve_btfids' output is not the shipped file: {}",
            first_difference(&c, shipped)
        ),
    }
    assert_eq!(
        ours_err, c_err,
        "{name}: the two tools printed different messages"
    );

    // The shipped file itself (resolved already): ours refuses it, the C
    // tool resolves it again and gives each kfunc the flags word that the
    // first sort left in its slot, which changes the bytes exactly when
    // some flags word had moved.
    let again = dir.join(format!("{name}.shipped"));
    std::fs::write(&again, shipped).unwrap();
    let o = Command::new(ours())
        .args(&base_args)
        .arg(&again)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains("is already resolved"),
        "{name}: btf-ids did not refuse the resolved file: {} {err}",
        o.status
    );
    assert!(
        std::fs::read(&again).unwrap() == shipped,
        "{name}: a refused file was changed"
    );
    run(Command::new(&env.resolve_btfids_c)
        .args(&base_args)
        .arg(&again));
    assert_eq!(
        btf_ids_of(&std::fs::read(&again).unwrap()) == ship_ids,
        r.moved_flags == 0,
        "{name}: resolve_btfids run twice ({} flags words had moved)",
        r.moved_flags
    );
    r
}

#[test]
fn debian_vmlinux_and_modules_resolve_to_the_shipped_bytes() {
    let t0 = Instant::now();
    let env = kernel_env();
    let moddir = PathBuf::from(format!("/lib/modules/{}-amd64", env.kver));
    assert!(
        moddir.join("kernel").is_dir(),
        "{} is missing (linux-image-{}-amd64-unsigned): {INSTALL}",
        moddir.display(),
        env.kver
    );
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("real_output");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();

    // vmlinux, resolved against its own .BTF.
    let vmlinux = std::fs::read(&env.vmlinux).unwrap();
    assert_eq!(signed_elf_len(&vmlinux), None);
    let r = round_trip(&dir, "vmlinux", &vmlinux, None, &env);
    let pinned = env.kver == PINNED_RELEASE;
    if pinned {
        assert_eq!(
            (r.id_symbols, r.sets, r.set8s),
            VMLINUX_COUNTS,
            "vmlinux: (id symbols, sets, set8s) of {}",
            env.kver
        );
    } else {
        assert!(r.id_symbols > 0 && r.set8s > 0, "vmlinux of {}", env.kver);
        eprintln!(
            "real_output: {}: vmlinux has {} id symbols, {} sets, {} set8s",
            env.kver, r.id_symbols, r.sets, r.set8s
        );
    }
    assert!(
        r.moved_flags > 0,
        "vmlinux: no set8 flags were out of place"
    );
    let t_vmlinux = t0.elapsed();

    // The modules with .BTF_ids.
    let (scanned, found) = scan::modules_with_btf_ids(&moddir.join("kernel"));
    let t_scan = t0.elapsed() - t_vmlinux;
    let names: Vec<String> = found
        .iter()
        .map(|p| {
            p.strip_prefix(moddir.join("kernel"))
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    if pinned {
        assert_eq!(
            names, MODULES_WITH_BTF_IDS,
            "the modules with .BTF_ids among the {scanned} of {}",
            env.kver
        );
    } else {
        assert!(!names.is_empty(), "no module of {} has .BTF_ids", env.kver);
        eprintln!(
            "real_output: {}: modules with .BTF_ids: {names:?}",
            env.kver
        );
    }
    assert!(
        scanned > 4000,
        "only {scanned} modules under {}",
        moddir.display()
    );

    let vmlinux_btf = {
        let elf = ElfInfo::parse(&vmlinux).unwrap();
        elf.section_bytes(elf.btf.expect("vmlinux has no .BTF"))
            .to_vec()
    };
    let mut moved = vec![format!("vmlinux {}", r.moved_flags)];
    for (p, n) in found.iter().zip(&names) {
        let shipped = scan::read_module(p);
        // Debian's build signs every module, the -unsigned package's too:
        // signer "Build time autogenerated kernel key", sha256.
        assert!(
            signed_elf_len(&shipped).is_some(),
            "{n}: no module signature"
        );
        let stem = n.rsplit('/').next().unwrap().trim_end_matches(".ko.xz");
        let r = round_trip(
            &dir,
            stem,
            &shipped,
            Some((&env.vmlinux, &vmlinux_btf)),
            &env,
        );
        assert!(r.set8s > 0, "{n}: no set8");
        moved.push(format!("{stem} {}", r.moved_flags));
    }
    // Where all of a set's flags are equal (tcp_bbr: all 0) nothing moves.
    assert!(
        moved[1..].iter().any(|m| !m.ends_with(" 0")),
        "no module's set8 flags were out of place"
    );
    eprintln!(
        "real_output: set8 flags words put back: {}",
        moved.join(", ")
    );
    // Kept for a look when an assertion failed; 26 MB otherwise.
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!(
        "real_output: vmlinux {:.2?}, scan of {scanned} modules {t_scan:.2?}, {} modules {:.2?}, total {:.2?}",
        t_vmlinux,
        found.len(),
        t0.elapsed() - t_vmlinux - t_scan,
        t0.elapsed()
    );
}
