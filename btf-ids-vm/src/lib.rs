//! A QEMU harness that makes the real kernel the judge of our kfunc modules.
//!
//! The host side ([`run`], the `btf-ids-vm` binary) writes an initramfs
//! ([`cpio`]) holding a static Rust `/init` (the `btf-ids-vm-guest` crate)
//! and the modules, boots Debian's 6.12 kernel under QEMU TCG ([`qemu`]),
//! streams the serial console, and reads the guest's verdicts
//! ([`protocol`]). The guest loads each module, finds its kfuncs' BTF IDs
//! by name, and has the verifier accept (and `BPF_PROG_TEST_RUN` run) or
//! refuse one program per case.

#![warn(missing_docs)]

pub mod cpio;
pub mod locate;
pub mod protocol;
pub mod qemu;

use std::path::{Path, PathBuf};
use std::time::Duration;

/// The Rust target the guest is built for.
pub const GUEST_TARGET: &str = "x86_64-unknown-linux-gnu";

/// The command that builds the guest (run in the workspace).
pub const GUEST_BUILD: &str =
    "CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS='-C target-feature=+crt-static' \
     cargo build --release -p btf-ids-vm-guest --target x86_64-unknown-linux-gnu";

/// Everything a run needs.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// `qemu-system-x86_64`.
    pub qemu: PathBuf,
    /// The kernel image.
    pub kernel: PathBuf,
    /// The static guest executable, installed as `/init`.
    pub guest: PathBuf,
    /// The module files, installed as `/modules/<file name>`.
    pub modules: Vec<PathBuf>,
    /// Kill QEMU after this long.
    pub timeout: Duration,
    /// Only the cases whose names contain one of these (all when empty);
    /// given to the guest as `BTFIDS_ONLY` on the kernel command line.
    pub only: Vec<String>,
    /// Where the initramfs is written (and left); a temporary file that is
    /// removed after the run when `None`.
    pub initramfs: Option<PathBuf>,
    /// More kernel command-line words; `NAME=value` ones without a dot
    /// reach `/init` as environment variables (e.g. `BTFIDS_PANIC=rsk/add`).
    pub append: Vec<String>,
}

/// What a run found.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// The protocol lines read.
    pub tally: protocol::Tally,
    /// How QEMU ended.
    pub end: qemu::RunEnd,
    /// Everything wrong, one message each; empty for a good run.
    pub problems: Vec<String>,
}

/// The initramfs for `guest` and `modules`: reads the files and names each
/// module by its file name. Refuses a dynamic guest, a module whose name
/// does not end in `.ko`, and two modules of one name.
pub fn build_initramfs(guest: &Path, modules: &[PathBuf]) -> Result<Vec<u8>, String> {
    let init = std::fs::read(guest).map_err(|e| {
        format!(
            "cannot read the guest {} ({e}); build it with: {GUEST_BUILD}",
            guest.display()
        )
    })?;
    locate::check_static_elf(&init).map_err(|e| format!("{}: {e}", guest.display()))?;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for m in modules {
        let name = m
            .file_name()
            .and_then(|n| n.to_str())
            .filter(|n| n.ends_with(".ko") && n.len() > 3)
            .ok_or_else(|| format!("{}: a module file must be named <module>.ko", m.display()))?
            .to_string();
        if files.iter().any(|(n, _)| *n == name) {
            return Err(format!("two modules named {name}"));
        }
        let data = std::fs::read(m).map_err(|e| format!("cannot read {}: {e}", m.display()))?;
        files.push((name, data));
    }
    Ok(cpio::initramfs(&init, &files))
}

/// Writes the initramfs, boots the VM, echoes its console to `echo` and
/// tallies the guest's lines.
pub fn run(cfg: &RunConfig, echo: &mut dyn std::io::Write) -> Result<RunReport, String> {
    locate::check_kernel(&cfg.kernel)?;
    let image = build_initramfs(&cfg.guest, &cfg.modules)?;
    let (initrd, temporary) = match &cfg.initramfs {
        Some(p) => (p.clone(), false),
        None => (
            std::env::temp_dir().join(format!("btf-ids-vm-{}.cpio", std::process::id())),
            true,
        ),
    };
    std::fs::write(&initrd, &image)
        .map_err(|e| format!("cannot write {}: {e}", initrd.display()))?;
    let mut append = qemu::DEFAULT_APPEND.to_string();
    if !cfg.only.is_empty() {
        // An unknown `name=value` parameter becomes an environment variable
        // of /init.
        append.push_str(&format!(" BTFIDS_ONLY={}", cfg.only.join(",")));
    }
    for word in &cfg.append {
        append.push(' ');
        append.push_str(word);
    }
    let vm = qemu::Vm {
        qemu: cfg.qemu.clone(),
        kernel: cfg.kernel.clone(),
        initrd: initrd.clone(),
        append,
        timeout: cfg.timeout,
    };
    let mut tally = protocol::Tally::default();
    let end = vm.run(echo, &mut |line| {
        tally.feed_console(line);
    });
    if temporary {
        let _ = std::fs::remove_file(&initrd);
    }
    let end = end?;
    let mut problems = tally.problems();
    if end.timed_out {
        problems.push(format!(
            "QEMU was killed after {} s (the timeout): the guest hung or the kernel did not finish booting",
            cfg.timeout.as_secs_f64()
        ));
    }
    Ok(RunReport {
        tally,
        end,
        problems,
    })
}
