//! The running kernel's verifier as the judge of kfunc call instructions
//! built with `BpfInsn::kfunc_call`.
//!
//! As root, tiny sleepable `BPF_PROG_TYPE_SYSCALL` programs are handed to
//! `bpf(BPF_PROG_LOAD)`; they are never attached or run, and each accepted
//! one is closed at once. The kfunc IDs come from /sys/kernel/btf/vmlinux,
//! read by bpftool (an independent reader).
//!
//! Without bpf() (EPERM, ENOSYS) the tests fail saying so, unless
//! `BTF_IDS_SKIP_KERNEL_TESTS=1` is set; then they print a notice and pass.
//!
//! `model_agrees_with_the_kernel` also runs a resolve_btfids-patched copy of
//! this binary, whose registry (the sets of kfuncs-a and kfuncs-b, resolved
//! against the same BTF) must judge the three programs as the kernel does.

use btf_ids_runtime::insn::BpfInsn;
use btf_ids_runtime::registry::*;
use btf_ids_tests::run_in_resolved_copy;
// Linked for their registrations, which the patched copy reads.
use btf_ids_kernel::Verdict;
use btf_ids_tests::{vmlinux_btf, BtfKind, BtfNames};
use kfuncs_a as _;
use kfuncs_b as _;

const SKIP_ENV: &str = "BTF_IDS_SKIP_KERNEL_TESTS";
/// Set in the environment of the patched copy.
const CHILD_ENV: &str = "BTF_IDS_VERIFIER_RESOLVED_COPY";

// ---------------------------------------------------------------------------
// bpf(BPF_PROG_LOAD)
// ---------------------------------------------------------------------------

/// Loads a sleepable syscall program; never attaches or runs it.
fn prog_load(insns: &[BpfInsn]) -> Verdict {
    btf_ids_kernel::prog_load(BPF_PROG_TYPE_SYSCALL, true, insns)
}

/// `call id; r0 = 0; exit`, preceded and followed by more calls as given.
fn program(calls: &[u32]) -> Vec<BpfInsn> {
    let mut insns: Vec<BpfInsn> = calls.iter().map(|&id| BpfInsn::kfunc_call(id, 0)).collect();
    insns.push(BpfInsn::mov64_imm(0, 0));
    insns.push(BpfInsn::exit());
    // What the kernel reads is the little-endian encoding built by to_bytes.
    if cfg!(target_endian = "little") {
        let bytes: Vec<u8> = insns.iter().flat_map(|i| i.to_bytes()).collect();
        let decoded: Vec<BpfInsn> = BpfInsn::decode_all(&bytes).unwrap().collect();
        assert_eq!(decoded, insns);
    }
    insns
}

/// `Some(())` when bpf() works here; a test returns early on `None` (only
/// with BTF_IDS_SKIP_KERNEL_TESTS=1), and fails otherwise.
fn bpf_available() -> Option<()> {
    let why = match btf_ids_kernel::probe() {
        Ok(()) => return Some(()),
        Err(why) => why,
    };
    if std::env::var(SKIP_ENV).as_deref() == Ok("1") {
        eprintln!(
            "\n**********\nNOTICE: kernel verifier test NOT RUN: {why} ({SKIP_ENV}=1 is set)\n**********\n"
        );
        return None;
    }
    panic!("{why}; set {SKIP_ENV}=1 to skip the kernel verifier tests");
}

// ---------------------------------------------------------------------------
// The kernel's verdicts
// ---------------------------------------------------------------------------

/// A kfunc that vmlinux registers for XDP programs only. (The XDP metadata
/// kfuncs would not do: the verifier refuses them earlier, for want of a
/// device-bound program.)
const XDP_ONLY_KFUNC: &str = "bpf_dynptr_from_xdp";

#[test]
fn kernel_accepts_rcu_kfunc_calls() {
    if std::env::var_os(CHILD_ENV).is_some() || bpf_available().is_none() {
        return;
    }
    let btf = BtfNames::load(&vmlinux_btf());
    let (lock, unlock) = (
        btf.id(BtfKind::Func, "bpf_rcu_read_lock"),
        btf.id(BtfKind::Func, "bpf_rcu_read_unlock"),
    );
    let verdict = prog_load(&program(&[lock, unlock]));
    assert!(
        verdict.accepted(),
        "calls to bpf_rcu_read_lock ({lock}) and bpf_rcu_read_unlock ({unlock}) were refused \
         (errno {}):\n{}",
        verdict.errno,
        verdict.log
    );
}

#[test]
fn kernel_refuses_an_id_that_is_not_a_function() {
    if std::env::var_os(CHILD_ENV).is_some() || bpf_available().is_none() {
        return;
    }
    let btf = BtfNames::load(&vmlinux_btf());
    let task_struct = btf.id(BtfKind::Struct, "task_struct");
    assert_ne!(task_struct, 0);
    assert_eq!(
        btf.id(BtfKind::Func, "task_struct"),
        0,
        "task_struct is no function"
    );
    let verdict = prog_load(&program(&[task_struct]));
    assert!(
        !verdict.accepted(),
        "a call to struct task_struct was accepted"
    );
    let want = format!("kernel btf_id {task_struct} is not a function");
    assert!(
        verdict.log.contains(&want),
        "expected \"{want}\" in the verifier log (errno {}):\n{}",
        verdict.errno,
        verdict.log
    );
    assert_eq!(verdict.errno, libc::EINVAL);
}

#[test]
fn kernel_refuses_a_kfunc_of_another_program_type() {
    if std::env::var_os(CHILD_ENV).is_some() || bpf_available().is_none() {
        return;
    }
    let btf = BtfNames::load(&vmlinux_btf());
    let rx_hash = btf.id(BtfKind::Func, XDP_ONLY_KFUNC);
    let verdict = prog_load(&program(&[rx_hash]));
    assert!(
        !verdict.accepted(),
        "{XDP_ONLY_KFUNC} was accepted in a syscall program"
    );
    let want = format!("calling kernel function {XDP_ONLY_KFUNC} is not allowed");
    assert!(
        verdict.log.contains(&want),
        "expected \"{want}\" in the verifier log (errno {}):\n{}",
        verdict.errno,
        verdict.log
    );
    assert_eq!(verdict.errno, libc::EACCES);
}

// ---------------------------------------------------------------------------
// The model against the kernel
// ---------------------------------------------------------------------------

fn run_resolved_copy() {
    run_in_resolved_copy("model_child", CHILD_ENV);
}

#[test]
fn model_agrees_with_the_kernel() {
    if std::env::var_os(CHILD_ENV).is_some() || bpf_available().is_none() {
        return;
    }
    run_resolved_copy();
}

/// Runs inside the patched copy; run directly, it makes that copy itself.
#[test]
#[ignore = "entry point of the resolve_btfids-patched copy that model_agrees_with_the_kernel runs"]
fn model_child() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return run_resolved_copy();
    }
    let btf = BtfNames::load(&vmlinux_btf());
    // kfuncs-a registers the RCU kfuncs on COMMON and kfuncs-b the XDP
    // metadata kfuncs for XDP, as vmlinux does; task_struct is no kfunc.
    let cases = [
        vec![
            btf.id(BtfKind::Func, "bpf_rcu_read_lock"),
            btf.id(BtfKind::Func, "bpf_rcu_read_unlock"),
        ],
        vec![btf.id(BtfKind::Func, XDP_ONLY_KFUNC)],
        vec![btf.id(BtfKind::Struct, "task_struct")],
    ];
    let prog = BpfProg::new(BPF_PROG_TYPE_SYSCALL).sleepable();
    for ids in cases {
        let insns = program(&ids);
        let model: Vec<_> = insns
            .iter()
            .filter(|i| i.as_kfunc_call().is_some())
            .map(|i| check_kfunc_call(i, &prog))
            .collect();
        let kernel = prog_load(&insns);
        let model_ok = model.iter().all(Result::is_ok);
        assert_eq!(
            model_ok,
            kernel.accepted(),
            "model {model:?} vs kernel (errno {}):\n{}",
            kernel.errno,
            kernel.log
        );
        for verdict in &model {
            match verdict {
                Ok(info) => assert!(info.name.is_some(), "{info:?}"),
                Err(CallRefused::NotAllowed { name, .. }) => {
                    let name = name.expect("named by kfuncs-b's table");
                    let want = format!("calling kernel function {name} is not allowed");
                    assert!(kernel.log.contains(&want), "{want}:\n{}", kernel.log);
                }
                Err(CallRefused::UnknownId { btf_id }) => {
                    let want = format!("kernel btf_id {btf_id} is not a function");
                    assert!(kernel.log.contains(&want), "{want}:\n{}", kernel.log);
                }
                Err(other) => panic!("unexpected refusal {other}"),
            }
        }
        println!(
            "{:?}: model {}, kernel {}",
            ids,
            if model_ok { "allows" } else { "refuses" },
            if kernel.accepted() {
                "accepts"
            } else {
                "refuses"
            }
        );
    }
}
