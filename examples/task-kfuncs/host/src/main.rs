//! Reads task-kfuncs' views after `btf-ids resolve` patched this binary,
//! judges BPF kfunc call instructions against the registry, and, where the
//! running kernel allows it, asks the kernel's verifier too.
//!
//! Exit status 0 when every answer is the expected one.

use btf_ids_runtime::insn::BpfInsn;
use btf_ids_runtime::registry::*;
use task_kfuncs::*;

fn flag_names(flags: u32) -> String {
    let names: Vec<&str> = btf_ids_runtime::flags::flag_names(flags).collect();
    if names.is_empty() {
        "0".into()
    } else {
        names.join("|")
    }
}

/// One expectation about a call; prints it and returns whether it held.
fn expect(what: &str, insn: BpfInsn, prog: BpfProg, want_allowed: bool) -> bool {
    let bytes = insn.to_bytes();
    let decoded = BpfInsn::from_bytes(bytes);
    let answer = check_kfunc_call(&decoded, &prog);
    let hex: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let ok = answer.is_ok() == want_allowed;
    let verdict = match &answer {
        Ok(info) => format!("allowed, flags {}", flag_names(info.flags)),
        Err(why) => format!("refused: {why}"),
    };
    println!(
        "  [{}] {what}\n        insn {} for {}{}: {verdict}",
        if ok { "ok" } else { "UNEXPECTED" },
        hex.join(" "),
        prog.prog_type,
        if prog.sleepable { " (sleepable)" } else { "" },
    );
    ok
}

fn main() {
    let mut ok = true;
    println!("== typed views (as patched into this binary)");
    if RTASK_KFUNCS.is_empty() {
        eprintln!("task-kfuncs-host: the kfunc sets are unresolved (count 0): run `btf-ids resolve` on this binary first");
        std::process::exit(1);
    }
    for (ty, name) in [
        (RtaskBtfType::Task, "task_struct"),
        (RtaskBtfType::File, "file"),
        (RtaskBtfType::Vma, "vm_area_struct"),
    ] {
        println!(
            "  RTASK_BTF_IDS[{ty:?}] = {:>6}  (struct {name})",
            btf_id(ty)
        );
    }
    for (label, set) in [
        ("RTASK_KFUNCS", RTASK_KFUNCS.iter().collect::<Vec<_>>()),
        ("RTASK_KILL_KFUNCS", RTASK_KILL_KFUNCS.iter().collect()),
    ] {
        println!("  {label}: {} kfuncs, sorted by ID", set.len());
        for (id, flags) in set {
            let name = KfuncRegistry::global().kfunc_name(id).unwrap_or("?");
            println!("    {id:>6}  {name:<24} {}", flag_names(flags));
        }
    }

    println!("\n== registrations (register_btf_kfunc_id_set)");
    let registry = KfuncRegistry::global();
    for (i, reg) in registry.registrations().iter().enumerate() {
        let result = registry.register_result(i).unwrap();
        let filter = if reg.kset.filter.is_some() {
            ", with a filter"
        } else {
            ""
        };
        let verdict = match result {
            Ok(()) => "registered".to_string(),
            Err(e) => format!("refused: {e}"),
        };
        println!("  {} for {}{filter}: {verdict}", reg.name, reg.prog_type);
        ok &= result.is_ok();
    }

    println!("\n== kfunc calls judged by the registry");
    let acquire = rtask_names::IDS[0];
    let kill = rtask_names::IDS[7];
    let tracing = BpfProg::new(BPF_PROG_TYPE_TRACING);
    let xdp = BpfProg::new(BPF_PROG_TYPE_XDP);
    let syscall = BpfProg::new(BPF_PROG_TYPE_SYSCALL);
    ok &= expect(
        "bpf_rtask_acquire from a tracing program",
        BpfInsn::kfunc_call(acquire, 0),
        tracing,
        true,
    );
    ok &= expect(
        "bpf_rtask_acquire from an XDP program (registered for tracing and syscall only)",
        BpfInsn::kfunc_call(acquire, 0),
        xdp,
        false,
    );
    ok &= expect(
        "struct task_struct's ID called as a kfunc (unknown)",
        BpfInsn::kfunc_call(btf_id(RtaskBtfType::Task), 0),
        tracing,
        false,
    );
    ok &= expect(
        "bpf_rtask_kill from a non-sleepable syscall program (its filter says no)",
        BpfInsn::kfunc_call(kill, 0),
        syscall,
        false,
    );
    ok &= expect(
        "bpf_rtask_kill from a sleepable syscall program",
        BpfInsn::kfunc_call(kill, 0),
        syscall.sleepable(),
        true,
    );

    println!("\n== the running kernel's verifier");
    kernel(&mut ok);

    if !ok {
        eprintln!("task-kfuncs-host: some answers were not the expected ones");
        std::process::exit(1);
    }
}

fn kernel(ok: &mut bool) {
    let vmlinux =
        std::env::var("BTF_IDS_VMLINUX").unwrap_or_else(|_| "/sys/kernel/btf/vmlinux".into());
    if !std::path::Path::new(&vmlinux).exists() {
        println!("  left out: {vmlinux} is missing, so no vmlinux kfunc IDs to call");
        return;
    }
    if VMLINUX_KFUNCS.iter().any(|id| id == 0) {
        println!(
            "  left out: VMLINUX_KFUNCS were not resolved against vmlinux ({:?})",
            VMLINUX_KFUNCS.as_slice()
        );
        return;
    }
    if let Err(why) = btf_ids_kernel::probe() {
        println!("  left out: {why}");
        return;
    }
    let program = |calls: &[u32]| {
        let mut insns: Vec<BpfInsn> = calls.iter().map(|&id| BpfInsn::kfunc_call(id, 0)).collect();
        insns.push(BpfInsn::mov64_imm(0, 0));
        insns.push(BpfInsn::exit());
        insns
    };
    let accepted = btf_ids_kernel::prog_load(
        BPF_PROG_TYPE_SYSCALL,
        true,
        &program(&[VMLINUX_KFUNCS[0], VMLINUX_KFUNCS[1]]),
    );
    println!(
        "  sleepable syscall program calling bpf_rcu_read_lock ({}) and bpf_rcu_read_unlock ({}): {}",
        VMLINUX_KFUNCS[0],
        VMLINUX_KFUNCS[1],
        if accepted.accepted() { "accepted".to_string() } else { format!("REFUSED: {}", accepted.reason().unwrap_or("")) }
    );
    *ok &= accepted.accepted();
    let refused =
        btf_ids_kernel::prog_load(BPF_PROG_TYPE_SYSCALL, true, &program(&[VMLINUX_KFUNCS[2]]));
    println!(
        "  sleepable syscall program calling bpf_dynptr_from_xdp ({}), an XDP kfunc: {}",
        VMLINUX_KFUNCS[2],
        match refused.reason() {
            Some(r) => format!("refused: {r}"),
            None => "ACCEPTED".to_string(),
        }
    );
    *ok &= refused
        .reason()
        .is_some_and(|r| r.contains("is not allowed"));
}
