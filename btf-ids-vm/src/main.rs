//! `btf-ids-vm`: boots Debian's 6.12 kernel under QEMU with the given
//! modules and the static guest as `/init`, and reports the guest's cases.
//!
//! ```text
//! btf-ids-vm [--kernel FILE] [--guest FILE] [--qemu FILE] [--timeout SECS]
//!            [--only CASE,...] [--initramfs FILE] [--append WORD] [MODULE.ko ...]
//! ```
//!
//! Exit status: 0 when every case passed, 1 when a case failed or the run
//! went wrong (each failure is named), 2 for a usage or setup error.

use btf_ids_vm::{locate, run, RunConfig, GUEST_BUILD, GUEST_TARGET};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

const USAGE: &str = "\
usage: btf-ids-vm [OPTIONS] [MODULE.ko ...]

Boots the kernel under QEMU (TCG) with an initramfs holding the guest as /init
and each MODULE.ko as /modules/MODULE.ko, and reports the guest's cases.

options:
  --kernel FILE     kernel image (default: the newest /boot/vmlinuz-6.12.X+deb12-amd64
                    whose X is that of an installed linux-kbuild-6.12.X+deb12)
  --guest FILE      the static guest (default: BTF_IDS_VM_GUEST, else
                    <target dir>/x86_64-unknown-linux-gnu/release/btf-ids-vm-guest
                    beside this binary's target dir)
  --qemu FILE       qemu-system-x86_64 (default: from PATH)
  --timeout SECS    kill QEMU after this long (default 60)
  --only LIST       run only the cases whose names contain one of these
                    comma-separated strings (e.g. rsk/add,rsk_shim/)
  --initramfs FILE  write the initramfs there and keep it
  --append WORD     add WORD to the kernel command line; NAME=value words reach
                    /init as environment variables: BTFIDS_PANIC=<case> (or
                    =guest) makes that case panic, to check the panic path;
                    BTFIDS_LOG=<case>,... prints those programs' whole verifier logs
  -h, --help        this text
";

struct Args {
    kernel: Option<PathBuf>,
    guest: Option<PathBuf>,
    qemu: Option<PathBuf>,
    timeout: Duration,
    only: Vec<String>,
    initramfs: Option<PathBuf>,
    append: Vec<String>,
    modules: Vec<PathBuf>,
}

fn parse_args() -> Result<Option<Args>, String> {
    let mut a = Args {
        kernel: None,
        guest: None,
        qemu: None,
        timeout: Duration::from_secs(60),
        only: Vec::new(),
        initramfs: None,
        append: Vec::new(),
        modules: Vec::new(),
    };
    let mut it = std::env::args_os().skip(1);
    while let Some(arg) = it.next() {
        let s = arg.to_string_lossy().into_owned();
        let mut value = |name: &str| {
            it.next()
                .ok_or_else(|| format!("{name} needs a value"))
                .map(PathBuf::from)
        };
        match s.as_str() {
            "-h" | "--help" => return Ok(None),
            "--kernel" => a.kernel = Some(value("--kernel")?),
            "--guest" => a.guest = Some(value("--guest")?),
            "--qemu" => a.qemu = Some(value("--qemu")?),
            "--initramfs" => a.initramfs = Some(value("--initramfs")?),
            "--append" => {
                let v = value("--append")?.to_string_lossy().into_owned();
                if v.is_empty() || v.contains(char::is_whitespace) {
                    return Err("--append: one word, no spaces".into());
                }
                a.append.push(v);
            }
            "--timeout" => {
                let v = value("--timeout")?;
                let secs: f64 = v
                    .to_string_lossy()
                    .parse()
                    .ok()
                    .filter(|s: &f64| *s > 0.0 && s.is_finite())
                    .ok_or_else(|| {
                        format!("--timeout: not a number of seconds: {}", v.display())
                    })?;
                a.timeout = Duration::from_secs_f64(secs);
            }
            "--only" => {
                let v = value("--only")?.to_string_lossy().into_owned();
                if v.contains(char::is_whitespace) {
                    return Err(
                        "--only: no spaces (the list goes on the kernel command line)".into(),
                    );
                }
                a.only
                    .extend(v.split(',').filter(|s| !s.is_empty()).map(String::from));
            }
            _ if s.starts_with('-') => return Err(format!("unknown option {s}")),
            _ => a.modules.push(PathBuf::from(arg)),
        }
    }
    Ok(Some(a))
}

/// The guest beside this binary: `<target>/<profile>/btf-ids-vm` →
/// `<target>/x86_64-unknown-linux-gnu/release/btf-ids-vm-guest`.
fn default_guest() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("BTF_IDS_VM_GUEST") {
        return Some(PathBuf::from(p));
    }
    let exe = std::env::current_exe().ok()?;
    let target = exe.parent()?.parent()?;
    Some(
        target
            .join(GUEST_TARGET)
            .join("release")
            .join("btf-ids-vm-guest"),
    )
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(Some(a)) => a,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("btf-ids-vm: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let setup = || -> Result<RunConfig, String> {
        let qemu = match args.qemu.clone() {
            Some(q) => q,
            None => locate::find_qemu()?,
        };
        let kernel = match args.kernel.clone() {
            Some(k) => k,
            None => locate::default_kernel(Path::new("/boot"), Path::new("/usr/lib"))?,
        };
        locate::check_kernel(&kernel)?;
        let guest = args
            .guest
            .clone()
            .or_else(default_guest)
            .ok_or("cannot tell where the guest is: pass --guest")?;
        if !guest.is_file() {
            return Err(format!(
                "no guest at {}: build it with `{GUEST_BUILD}` or pass --guest",
                guest.display()
            ));
        }
        Ok(RunConfig {
            qemu,
            kernel,
            guest,
            modules: args.modules.clone(),
            timeout: args.timeout,
            only: args.only.clone(),
            initramfs: args.initramfs.clone(),
            append: args.append.clone(),
        })
    };
    let cfg = match setup() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("btf-ids-vm: {e}");
            return ExitCode::from(2);
        }
    };
    eprintln!(
        "btf-ids-vm: booting {} with {} and {} module(s)",
        cfg.kernel.display(),
        cfg.guest.display(),
        cfg.modules.len()
    );
    let report = match run(&cfg, &mut std::io::stdout()) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("btf-ids-vm: {e}");
            return ExitCode::from(2);
        }
    };
    let t = &report.tally;
    println!();
    println!(
        "btf-ids-vm: QEMU ran {:.2} s wall ({}); the plan had {} cases",
        report.end.wall.as_secs_f64(),
        if report.end.timed_out {
            "killed at the timeout".to_string()
        } else {
            report.end.status.clone()
        },
        t.plan.map_or("no".to_string(), |n| n.to_string()),
    );
    // The plain closing line that test-log readers count.
    println!(
        "btf-ids-vm: {} passed, {} failed",
        t.passed.len(),
        t.failed.len()
    );
    if report.problems.is_empty() {
        println!("btf-ids-vm: all cases passed");
        ExitCode::SUCCESS
    } else {
        for p in &report.problems {
            println!("btf-ids-vm: FAILED {p}");
        }
        ExitCode::FAILURE
    }
}
