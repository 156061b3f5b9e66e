//! The cases of the `rsk` set's first kfuncs (`add`, the `rs_obj` pair, the
//! task, `memsum`, the filter) and of tests/doc-module's `mymod`.

use super::{Expect, ProgCase};
use crate::asm::*;
use crate::ids::Ids;
use btf_ids_runtime::insn::{BpfInsn, BPF_DW};
use btf_ids_runtime::registry::{BPF_PROG_TYPE_SCHED_CLS, BPF_PROG_TYPE_XDP};

/// The program cases of tests/doc-module (`mymod`), registered for
/// `BPF_PROG_TYPE_SYSCALL` only.
pub static MYMOD_PROGS: &[ProgCase] = &[
    ProgCase::syscall("add", mymod_add, Expect::Accept(5)),
    ProgCase::syscall("task", mymod_task, Expect::Accept(1)),
    ProgCase::packet(
        "not-registered",
        BPF_PROG_TYPE_XDP,
        mymod_add,
        Expect::Refuse("calling kernel function mymod_add is not allowed"),
    ),
];

/// `return mymod_add(2, 3)`.
fn mymod_add(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    add_through(ids, "mymod_add")
}

/// vmlinux's task through `mymod_is_task`: 1.
fn mymod_task(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    task_through(ids, "mymod_is_task")
}

/// The program cases of the `rsk` kfunc set.
pub static RSK_PROGS: &[ProgCase] = &[
    // Accepted and run.
    ProgCase::syscall("add", add, Expect::Accept(5)),
    ProgCase::syscall("obj", obj, Expect::Accept(42)),
    ProgCase::syscall("task", task, Expect::Accept(1)),
    ProgCase::syscall("memsum", memsum, Expect::Accept(36)),
    ProgCase::syscall("filtered-syscall", filtered, Expect::Accept(42)),
    ProgCase::packet(
        "sched-cls-add",
        BPF_PROG_TYPE_SCHED_CLS,
        add,
        Expect::Accept(5),
    ),
    // Refused, for the kernel's own reason.
    ProgCase::syscall(
        "unreleased",
        unreleased,
        Expect::Refuse("Unreleased reference"),
    ),
    ProgCase::syscall(
        "null-deref",
        null_deref,
        Expect::Refuse("invalid mem access 'ptr_or_null_'"),
    ),
    ProgCase::syscall(
        "sz-too-big",
        sz_too_big,
        // 6.12 goes on with "arg#0 arg#1 memory, len pair leads to invalid
        // memory access".
        Expect::Refuse("invalid indirect access to stack R1 off=-8 size=64"),
    ),
    ProgCase::packet(
        "not-registered",
        BPF_PROG_TYPE_XDP,
        add,
        Expect::Refuse("calling kernel function bpf_rs_add is not allowed"),
    ),
    ProgCase::packet(
        "filter-says-no",
        BPF_PROG_TYPE_SCHED_CLS,
        filtered,
        Expect::Refuse("calling kernel function bpf_rs_filtered is not allowed"),
    ),
];

/// `return bpf_rs_add(2, 3)`.
fn add(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    add_through(ids, "bpf_rs_add")
}

/// `return <kfunc>(2, 3)`.
pub(super) fn add_through(ids: &Ids, kfunc: &str) -> Result<Vec<BpfInsn>, String> {
    Ok(vec![
        BpfInsn::mov64_imm(1, 2),
        BpfInsn::mov64_imm(2, 3),
        ids.call(kfunc)?,
        BpfInsn::exit(),
    ])
}

/// `return bpf_rs_filtered(41)`.
fn filtered(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    Ok(vec![
        BpfInsn::mov64_imm(1, 41),
        ids.call("bpf_rs_filtered")?,
        BpfInsn::exit(),
    ])
}

/// `o = bpf_rs_obj_new(42); if (!o) return 0; v = bpf_rs_obj_value(o);
/// bpf_rs_obj_release(o); return v`.
fn obj(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    let mut p = vec![
        BpfInsn::mov64_imm(1, 42),
        ids.call("bpf_rs_obj_new")?,
        jne_imm(0, 0, 2),
    ];
    p.extend(ret(0));
    p.extend([
        BpfInsn::mov64_reg(6, 0),
        BpfInsn::mov64_reg(1, 6),
        ids.call("bpf_rs_obj_value")?,
        BpfInsn::mov64_reg(7, 0),
        BpfInsn::mov64_reg(1, 6),
        ids.call("bpf_rs_obj_release")?,
        BpfInsn::mov64_reg(0, 7),
        BpfInsn::exit(),
    ]);
    Ok(p)
}

/// `t = bpf_task_from_pid(1); if (!t) return 0; v = bpf_rs_task_nonnull(t);
/// bpf_task_release(t); return v` (vmlinux's task in the module's kfunc).
fn task(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    task_through(ids, "bpf_rs_task_nonnull")
}

/// `t = bpf_task_from_pid(1); if (!t) return 0; v = <kfunc>(t);
/// bpf_task_release(t); return v`.
pub(super) fn task_through(ids: &Ids, kfunc: &str) -> Result<Vec<BpfInsn>, String> {
    let mut p = vec![
        BpfInsn::mov64_imm(1, 1),
        ids.call("bpf_task_from_pid")?,
        jne_imm(0, 0, 2),
    ];
    p.extend(ret(0));
    p.extend([
        BpfInsn::mov64_reg(6, 0),
        BpfInsn::mov64_reg(1, 6),
        ids.call(kfunc)?,
        BpfInsn::mov64_reg(7, 0),
        BpfInsn::mov64_reg(1, 6),
        ids.call("bpf_task_release")?,
        BpfInsn::mov64_reg(0, 7),
        BpfInsn::exit(),
    ]);
    Ok(p)
}

/// The bytes 1..=8 in the 8-byte stack slot at fp-8, then
/// `return bpf_rs_memsum(fp - 8, size)`.
pub(super) fn memsum_of(ids: &Ids, size: i32) -> Result<Vec<BpfInsn>, String> {
    let mut p = Vec::new();
    p.extend(ld_imm64(1, u64::from_le_bytes([1, 2, 3, 4, 5, 6, 7, 8])));
    p.push(stx(BPF_DW, FP, 1, -8));
    p.extend(stack_ptr(1, -8));
    p.push(BpfInsn::mov64_imm(2, size));
    p.push(ids.call("bpf_rs_memsum")?);
    p.push(BpfInsn::exit());
    Ok(p)
}

/// `bpf_rs_memsum` over the 8 bytes it was given: 36.
pub(super) fn memsum(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    memsum_of(ids, 8)
}

/// `bpf_rs_memsum` told `buf__sz = 64` over an 8-byte buffer.
pub(super) fn sz_too_big(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    memsum_of(ids, 64)
}

/// `o = bpf_rs_obj_new(42); if (!o) return 0; return 0;`: the reference
/// is never released.
fn unreleased(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    let mut p = vec![
        BpfInsn::mov64_imm(1, 42),
        ids.call("bpf_rs_obj_new")?,
        jne_imm(0, 0, 2),
    ];
    p.extend(ret(0));
    p.extend(ret(0));
    Ok(p)
}

/// `return bpf_rs_obj_new(42)->value` with no NULL check.
fn null_deref(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    Ok(vec![
        BpfInsn::mov64_imm(1, 42),
        ids.call("bpf_rs_obj_new")?,
        ldx(BPF_DW, 0, 0, 0),
        BpfInsn::exit(),
    ])
}
