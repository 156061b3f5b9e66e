//! `/init` of the btf-ids-vm initramfs: mounts proc, sysfs and devtmpfs,
//! runs the cases of `btf_ids_vm_guest::cases::plans`, prints one
//! `BTFIDS-VM` line per case on the console, and powers off. A panic still
//! prints a FAIL line and powers off.

use btf_ids_vm::protocol::Line;
use btf_ids_vm_guest::exec::{panic_text, Runner, Selection, IN_CASE, MODULE_DIR, PANIC_MSG};
use btf_ids_vm_guest::{cases, fixtures, ids, sys};
use std::io::Write;
use std::sync::atomic::Ordering;
use std::time::Instant;

fn emit(line: Line) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", line.render());
    let _ = out.flush();
}

fn panic_hook(info: &std::panic::PanicHookInfo<'_>) {
    let payload = panic_text(info.payload());
    let at = info
        .location()
        .map(|l| format!(" at {}:{}", l.file(), l.line()))
        .unwrap_or_default();
    let msg = format!("the guest panicked{at}: {payload}");
    if IN_CASE.load(Ordering::SeqCst) {
        // The runner reports it as the case's failure and goes on.
        if let Ok(mut slot) = PANIC_MSG.try_lock() {
            *slot = Some(msg);
            return;
        }
    }
    emit(Line::Fail {
        case: "guest".into(),
        why: msg,
    });
    sys::power_off();
}

fn main() {
    if std::process::id() != 1 {
        eprintln!(
            "btf-ids-vm-guest is the /init of the btf-ids-vm initramfs (it loads modules and \
             powers the machine off); run it through the btf-ids-vm runner"
        );
        std::process::exit(2);
    }
    std::panic::set_hook(Box::new(panic_hook));
    // End the line that the firmware and the kernel's decompressor left open.
    println!();
    let start = Instant::now();
    let result = std::panic::catch_unwind(|| {
        for e in sys::mount_basics() {
            emit(Line::Note(e));
        }
        let vmlinux = ids::Vmlinux::read("/sys/kernel/btf/vmlinux");
        let parsed = start.elapsed();
        let fixtures = fixtures::Fixtures::make(&vmlinux);
        for n in &fixtures.notes {
            emit(Line::Note(n.clone()));
        }
        let selection = Selection::parse(&std::env::var("BTFIDS_ONLY").unwrap_or_default());
        let mut out = emit;
        let panic_in = std::env::var("BTFIDS_PANIC").ok();
        if panic_in.as_deref() == Some("guest") {
            panic!("BTFIDS_PANIC=guest asked for a panic outside the cases");
        }
        let mut runner = Runner {
            vmlinux,
            selection,
            out: &mut out,
            panic_in,
            log_for: Selection::parse(&std::env::var("BTFIDS_LOG").unwrap_or_default()),
            module_dir: MODULE_DIR.into(),
            env: fixtures.env,
        };
        let plans = cases::plans();
        runner.run(&plans);
        parsed
    });
    if let Ok(parsed) = result {
        emit(Line::Note(format!(
            "/init ran {:.2} s (vmlinux BTF read in {:.2} s); uptime {:.2} s",
            start.elapsed().as_secs_f64(),
            parsed.as_secs_f64(),
            sys::uptime().unwrap_or(f64::NAN)
        )));
        emit(Line::Done);
    }
    sys::power_off();
}
