//! The rule table of docs/kfuncs.md, proven in the kernel: for each `KF_*`
//! flag and each argument suffix that 6.12's verifier knows, a program it
//! accepts (run, and its result checked) and one it refuses (its message
//! asserted). The kfuncs are those of examples/modules/rsk-kfuncs
//! (`rules.rs`, `iter.rs`).
//!
//! Case names are the table's "Test" column: `rsk/<name>`.

use super::rsk::add_through;
use super::{Expect, ProgCase};
use crate::asm::*;
use crate::ids::{Ids, RODATA_STR};
use crate::sys::CAP_SYS_BOOT;
use btf_ids_runtime::insn::{BpfInsn, BPF_DW};
use btf_ids_runtime::registry::BPF_PROG_TYPE_SCHED_CLS;

use Expect::{Accept, Refuse, RefuseSilently};

mod iter_args;
use iter_args::*;

/// The rule cases, in the table's order.
pub static RULE_PROGS: &[ProgCase] = &[
    // KF_ACQUIRE / KF_RELEASE (with `obj` and `unreleased` of rsk.rs).
    ProgCase::syscall(
        "release-twice",
        release_twice,
        // The first release turned every copy of the pointer into a scalar.
        Refuse("R1 type=scalar expected=fp"),
    ),
    // KF_TRUSTED_ARGS (with `obj` and `task` of rsk.rs).
    ProgCase::syscall(
        "trusted-rcu-pointer",
        trusted_given_rcu,
        Refuse("R1 must be referenced or trusted"),
    ),
    ProgCase::syscall(
        "trusted-null",
        trusted_null,
        Refuse("Possibly NULL pointer passed to trusted arg0"),
    ),
    // KF_RCU
    ProgCase::syscall("rcu", rcu, Accept(1)),
    ProgCase::syscall(
        "rcu-outside-lock",
        rcu_outside_lock,
        Refuse("R1 must be a rcu pointer"),
    ),
    // KF_RCU_PROTECTED
    ProgCase::syscall("rcu-protected", rcu_protected, Accept(42)),
    // 6.12 acts on the flag for an iterator's constructor only: a plain
    // kfunc with it is accepted outside RCU (later kernels refuse it).
    ProgCase::syscall("rcu-protected-unlocked", rcu_protected_unlocked, Accept(42)),
    ProgCase::syscall("rcu-protected-iter", rcu_iter_locked, Accept(10)),
    ProgCase::syscall(
        "rcu-protected-iter-unlocked",
        rcu_iter_unlocked,
        Refuse("expected an RCU CS when using bpf_iter_rsrcu_next"),
    ),
    // KF_SLEEPABLE
    ProgCase::syscall("sleepable", sleepable, Accept(42)),
    ProgCase::packet(
        "sleepable-from-sched-cls",
        BPF_PROG_TYPE_SCHED_CLS,
        sleepable,
        Refuse("program must be sleepable to call sleepable kfunc bpf_rs_sleepable"),
    ),
    // KF_DESTRUCTIVE
    ProgCase::syscall("destructive", destructive, Accept(42)),
    ProgCase::syscall(
        "destructive-without-cap-sys-boot",
        destructive,
        Refuse("destructive kfunc calls require CAP_SYS_BOOT capability"),
    )
    .without_cap(CAP_SYS_BOOT),
    // KF_ITER_NEW / KF_ITER_NEXT / KF_ITER_DESTROY
    ProgCase::syscall("iter-loop", iter_loop, Accept(10)),
    ProgCase::syscall("iter-leak", iter_leak, Refuse("Unreleased reference")),
    ProgCase::syscall(
        "iter-next-uninit",
        iter_next_uninit,
        Refuse("expected an initialized iter_rs"),
    ),
    // __iter
    ProgCase::syscall("iter-arg", iter_arg, Accept(4)),
    ProgCase::syscall(
        "iter-arg-uninit",
        iter_arg_uninit,
        Refuse("expected an initialized iter_rs"),
    ),
    // __szk (__sz: `memsum` and `sz-too-big` of rsk.rs)
    ProgCase::syscall("szk", szk, Accept(36)),
    ProgCase::syscall(
        "szk-not-constant",
        szk_not_constant,
        Refuse("R2 must be a known constant"),
    ),
    // __k
    ProgCase::syscall("k", k_const, Accept(42)),
    ProgCase::syscall(
        "k-not-constant",
        k_not_constant,
        Refuse("R2 must be a known constant"),
    ),
    // __ign
    ProgCase::syscall("ign", ign, Accept(42)),
    ProgCase::syscall("noign", noign, Refuse("R2 type=scalar expected=fp")),
    // __uninit
    ProgCase::syscall("dynptr", dynptr_used, Accept(3)),
    // 6.12 knows what kind of dynptr its own constructors make, and no
    // other: a module kfunc's `__uninit` dynptr is refused, -EINVAL, with
    // no message. #[kfunc] refuses such a parameter at compile time.
    ProgCase::syscall("uninit", uninit, RefuseSilently(22)),
    ProgCase::syscall("uninit-given-init", uninit_given_init, RefuseSilently(22)),
    ProgCase::syscall(
        "dynptr-not-init",
        dynptr_not_init,
        Refuse("Expected an initialized dynptr"),
    ),
    // __opt
    ProgCase::syscall("opt-null", opt_null, Accept(1000)),
    ProgCase::syscall("opt-buf", opt_buf, Accept(36)),
    ProgCase::syscall(
        "sz-null",
        sz_null,
        Refuse("arg#0 arg#1 memory, len pair leads to invalid memory access"),
    ),
    // __nullable (refused: `trusted-null`)
    ProgCase::syscall("nullable-null", nullable_null, Accept(7)),
    ProgCase::syscall("nullable-task", nullable_task, Accept(1)),
    // __str
    ProgCase::syscall("str", str_rodata, Accept(5)),
    ProgCase::syscall(
        "str-stack",
        str_stack,
        Refuse("arg#0 doesn't point to a const string"),
    ),
    ProgCase::syscall(
        "str-writable-map",
        str_writable_map,
        Refuse("R1 does not point to a readonly map'"),
    ),
    // __map
    ProgCase::syscall("map", map, Accept(1)),
    ProgCase::syscall(
        "map-not-map",
        map_not_map,
        Refuse("pointer in R1 isn't map pointer"),
    ),
    // __prog: 6.12 does not know it and passes what the program gave
    // (NULL), so the kfunc answers 41, not 42; nothing to refuse.
    ProgCase::syscall("prog", prog, Accept(41)),
    // rdonly_buf_size
    ProgCase::syscall("rdonly-buf", rdonly_buf, Accept(8)),
    ProgCase::syscall(
        "rdonly-buf-write",
        rdonly_buf_write,
        Refuse("R0 cannot write into rdonly_mem"),
    ),
    ProgCase::syscall(
        "rdonly-buf-not-constant",
        rdonly_buf_not_constant,
        Refuse("R1 is not a const"),
    ),
    // A struct by value, which #[kfunc] refuses: the kernel's verdict on a
    // function listed by name.
    ProgCase::syscall(
        "struct-arg",
        struct_arg,
        Refuse("Unrecognized arg#0 type STRUCT"),
    ),
    ProgCase::syscall(
        "struct-return",
        struct_return,
        Refuse("The function bpf_rs_pair_make return type STRUCT is unsupported."),
    ),
    // rdwr_buf_size
    ProgCase::syscall("rdwr-buf", rdwr_buf, Accept(9)),
    ProgCase::syscall(
        "rdwr-buf-not-constant",
        rdwr_buf_not_constant,
        Refuse("R1 is not a const"),
    ),
];

/// `if (r0 == 0) return 0;`
fn null_check(p: &mut Vec<BpfInsn>) {
    p.push(jne_imm(0, 0, 2));
    p.extend(ret(0));
}

/// `r<dst> = bpf_get_prandom_u32() & mask`: a value the verifier cannot
/// know (clobbers R0 to R5).
fn unknown(p: &mut Vec<BpfInsn>, dst: u8, mask: i32) {
    p.push(BpfInsn::helper_call(BPF_FUNC_GET_PRANDOM_U32));
    p.push(and64_imm(0, mask));
    if dst != 0 {
        p.push(BpfInsn::mov64_reg(dst, 0));
    }
}

/// `t = bpf_task_from_pid(1); if (!t) return 0;` then `body` with the task
/// in R6, leaving its result in R7; then `bpf_task_release(t); return r7`.
fn with_task(
    ids: &Ids,
    body: impl FnOnce(&mut Vec<BpfInsn>) -> Result<(), String>,
) -> Result<Vec<BpfInsn>, String> {
    let mut p = vec![BpfInsn::mov64_imm(1, 1), ids.call("bpf_task_from_pid")?];
    null_check(&mut p);
    p.push(BpfInsn::mov64_reg(6, 0));
    body(&mut p)?;
    p.extend([
        BpfInsn::mov64_reg(1, 6),
        ids.call("bpf_task_release")?,
        BpfInsn::mov64_reg(0, 7),
        BpfInsn::exit(),
    ]);
    Ok(p)
}

/// `r7 = kfunc(task->real_parent)` for the task in R6, inside
/// `bpf_rcu_read_lock()` when `locked`.
fn parent_through(ids: &Ids, kfunc: &str, locked: bool) -> Result<Vec<BpfInsn>, String> {
    let off = ids.task_real_parent()?;
    with_task(ids, |p| {
        if locked {
            p.push(ids.call("bpf_rcu_read_lock")?);
        }
        p.extend([ldx(BPF_DW, 1, 6, off), ids.call(kfunc)?]);
        p.push(BpfInsn::mov64_reg(7, 0));
        if locked {
            p.push(ids.call("bpf_rcu_read_unlock")?);
        }
        Ok(())
    })
}

/// `o = bpf_rs_obj_new(42); bpf_rs_obj_release(o); bpf_rs_obj_release(o)`.
fn release_twice(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    let mut p = vec![BpfInsn::mov64_imm(1, 42), ids.call("bpf_rs_obj_new")?];
    null_check(&mut p);
    p.extend([
        BpfInsn::mov64_reg(6, 0),
        BpfInsn::mov64_reg(1, 6),
        ids.call("bpf_rs_obj_release")?,
        BpfInsn::mov64_reg(1, 6),
        ids.call("bpf_rs_obj_release")?,
    ]);
    p.extend(ret(0));
    Ok(p)
}

/// A trusted-args kfunc given `task->real_parent` under RCU: an RCU
/// pointer, not a trusted one.
fn trusted_given_rcu(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    parent_through(ids, "bpf_rs_task_nonnull", true)
}

/// `bpf_rs_task_nonnull(NULL)`.
fn trusted_null(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    Ok(vec![
        BpfInsn::mov64_imm(1, 0),
        ids.call("bpf_rs_task_nonnull")?,
        BpfInsn::exit(),
    ])
}

/// `bpf_rs_task_rcu(task->real_parent)` inside `bpf_rcu_read_lock()`: 1.
fn rcu(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    parent_through(ids, "bpf_rs_task_rcu", true)
}

/// The same read outside the lock, in a sleepable program: untrusted.
fn rcu_outside_lock(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    parent_through(ids, "bpf_rs_task_rcu", false)
}

/// `bpf_rcu_read_lock(); r = bpf_rs_rcu_protected(41);
/// bpf_rcu_read_unlock(); return r`.
fn rcu_protected(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    Ok(vec![
        ids.call("bpf_rcu_read_lock")?,
        BpfInsn::mov64_imm(1, 41),
        ids.call("bpf_rs_rcu_protected")?,
        BpfInsn::mov64_reg(6, 0),
        ids.call("bpf_rcu_read_unlock")?,
        BpfInsn::mov64_reg(0, 6),
        BpfInsn::exit(),
    ])
}

/// `return bpf_rs_rcu_protected(41)` with no lock held.
fn rcu_protected_unlocked(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    Ok(vec![
        BpfInsn::mov64_imm(1, 41),
        ids.call("bpf_rs_rcu_protected")?,
        BpfInsn::exit(),
    ])
}

/// `return bpf_rs_sleepable(21)`.
fn sleepable(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    Ok(vec![
        BpfInsn::mov64_imm(1, 21),
        ids.call("bpf_rs_sleepable")?,
        BpfInsn::exit(),
    ])
}

/// `return bpf_rs_destructive(40)`.
fn destructive(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    Ok(vec![
        BpfInsn::mov64_imm(1, 40),
        ids.call("bpf_rs_destructive")?,
        BpfInsn::exit(),
    ])
}
