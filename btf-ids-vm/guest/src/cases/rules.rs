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

/// The iterator's 16-byte stack slot.
const ITER: i32 = -16;

/// `bpf_iter_rs_new(&it, 0, 5)`.
fn iter_new(ids: &Ids, p: &mut Vec<BpfInsn>) -> Result<(), String> {
    iter_new_of(ids, p, "rs")
}

/// `bpf_iter_<ty>_new(&it, 0, 5)`.
fn iter_new_of(ids: &Ids, p: &mut Vec<BpfInsn>, ty: &str) -> Result<(), String> {
    p.extend(stack_ptr(1, ITER));
    p.extend([
        BpfInsn::mov64_imm(2, 0),
        BpfInsn::mov64_imm(3, 5),
        ids.call(&format!("bpf_iter_{ty}_new"))?,
    ]);
    Ok(())
}

/// `kfunc(&it)`.
fn on_iter(ids: &Ids, p: &mut Vec<BpfInsn>, kfunc: &str) -> Result<(), String> {
    p.extend(stack_ptr(1, ITER));
    p.push(ids.call(kfunc)?);
    Ok(())
}

/// The open-coded loop `sum = 0; bpf_for_each(rs, v, 0, 5) sum += *v;
/// return sum`: 10.
fn iter_loop(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    iter_loop_of(ids, "rs", false)
}

/// The loop over `bpf_iter_<ty>`, inside `bpf_rcu_read_lock()` when
/// `locked`.
fn iter_loop_of(ids: &Ids, ty: &str, locked: bool) -> Result<Vec<BpfInsn>, String> {
    let mut p = Vec::new();
    if locked {
        p.push(ids.call("bpf_rcu_read_lock")?);
    }
    iter_new_of(ids, &mut p, ty)?;
    p.push(BpfInsn::mov64_imm(6, 0));
    // loop: r0 = next(&it); if (!r0) break; sum += *r0; continue
    let top = p.len();
    on_iter(ids, &mut p, &format!("bpf_iter_{ty}_next"))?;
    p.push(jeq_imm(0, 0, 3));
    p.push(ldx(BPF_W, 1, 0, 0));
    p.push(add64_reg(6, 1));
    let back = top as i64 - (p.len() as i64 + 1);
    p.push(ja(back as i16));
    on_iter(ids, &mut p, &format!("bpf_iter_{ty}_destroy"))?;
    if locked {
        p.push(ids.call("bpf_rcu_read_unlock")?);
    }
    p.push(BpfInsn::mov64_reg(0, 6));
    p.push(BpfInsn::exit());
    Ok(p)
}

/// The loop over the `rcu_protected` iterator under `bpf_rcu_read_lock()`:
/// 10.
fn rcu_iter_locked(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    iter_loop_of(ids, "rsrcu", true)
}

/// The same loop with no lock held.
fn rcu_iter_unlocked(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    iter_loop_of(ids, "rsrcu", false)
}

/// `bpf_iter_rs_new(&it, 0, 5); return 0;`: never destroyed.
fn iter_leak(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    let mut p = Vec::new();
    iter_new(ids, &mut p)?;
    p.extend(ret(0));
    Ok(p)
}

/// `bpf_iter_rs_next(&it)` on a slot no `new` initialised.
fn iter_next_uninit(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    let mut p = Vec::new();
    on_iter(ids, &mut p, "bpf_iter_rs_next")?;
    p.extend(ret(0));
    Ok(p)
}

/// `new(&it, 0, 5); next(&it); r = bpf_rs_iter_left(&it); destroy(&it);
/// return r`: 4.
fn iter_arg(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    let mut p = Vec::new();
    iter_new(ids, &mut p)?;
    on_iter(ids, &mut p, "bpf_iter_rs_next")?;
    on_iter(ids, &mut p, "bpf_rs_iter_left")?;
    p.push(BpfInsn::mov64_reg(6, 0));
    on_iter(ids, &mut p, "bpf_iter_rs_destroy")?;
    p.push(BpfInsn::mov64_reg(0, 6));
    p.push(BpfInsn::exit());
    Ok(p)
}

/// `bpf_rs_iter_left(&it)` on a slot no `new` initialised.
fn iter_arg_uninit(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    let mut p = Vec::new();
    on_iter(ids, &mut p, "bpf_rs_iter_left")?;
    p.push(BpfInsn::exit());
    Ok(p)
}

/// The bytes 1..=8 at fp-8.
fn bytes_on_stack(p: &mut Vec<BpfInsn>) {
    p.extend(ld_imm64(1, u64::from_le_bytes([1, 2, 3, 4, 5, 6, 7, 8])));
    p.push(stx(BPF_DW, FP, 1, -8));
}

/// `return kfunc(fp - 8, r2)` over the bytes 1..=8, R2 set by `size`.
fn sum_of(
    ids: &Ids,
    kfunc: &str,
    size: impl FnOnce(&mut Vec<BpfInsn>),
) -> Result<Vec<BpfInsn>, String> {
    let mut p = Vec::new();
    bytes_on_stack(&mut p);
    size(&mut p);
    p.extend(stack_ptr(1, -8));
    p.push(ids.call(kfunc)?);
    p.push(BpfInsn::exit());
    Ok(p)
}

/// `bpf_rs_memsum_k(buf, 8)`: 36.
fn szk(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    sum_of(ids, "bpf_rs_memsum_k", |p| p.push(BpfInsn::mov64_imm(2, 8)))
}

/// `bpf_rs_memsum_k(buf, random & 7)`: in bounds, but not a constant.
fn szk_not_constant(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    sum_of(ids, "bpf_rs_memsum_k", |p| unknown(p, 2, 7))
}

/// `bpf_rs_scale(6, 7)`: 42.
fn k_const(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    Ok(vec![
        BpfInsn::mov64_imm(1, 6),
        BpfInsn::mov64_imm(2, 7),
        ids.call("bpf_rs_scale")?,
        BpfInsn::exit(),
    ])
}

/// `bpf_rs_scale(6, random & 7)`.
fn k_not_constant(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    let mut p = Vec::new();
    unknown(&mut p, 2, 7);
    p.extend([
        BpfInsn::mov64_imm(1, 6),
        ids.call("bpf_rs_scale")?,
        BpfInsn::exit(),
    ]);
    Ok(p)
}

/// `kfunc(42, 12345)`: a number where a `struct rs_obj *` is declared.
fn scalar_as_obj(ids: &Ids, kfunc: &str) -> Result<Vec<BpfInsn>, String> {
    Ok(vec![
        BpfInsn::mov64_imm(1, 42),
        BpfInsn::mov64_imm(2, 12345),
        ids.call(kfunc)?,
        BpfInsn::exit(),
    ])
}

/// `bpf_rs_ign(42, 12345)`: the verifier ignores `obj__ign`; 42.
fn ign(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    scalar_as_obj(ids, "bpf_rs_ign")
}

/// `bpf_rs_noign(42, 12345)`: the same, without the suffix.
fn noign(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    scalar_as_obj(ids, "bpf_rs_noign")
}

/// The 16-byte dynptr slot (the data at fp-8 stays apart).
const DYNPTR: i32 = -24;

/// `bpf_dynptr_from_mem(&value, 8, 0, &d)`: a local dynptr at [`DYNPTR`]
/// over the array map's value (6.12 takes map memory only).
fn local_dynptr(ids: &Ids, p: &mut Vec<BpfInsn>) -> Result<(), String> {
    p.extend(ld_map_value(1, ids.array_map()?, 0));
    p.push(BpfInsn::mov64_imm(2, 8));
    p.push(BpfInsn::mov64_imm(3, 0));
    p.extend(stack_ptr(4, DYNPTR));
    p.push(BpfInsn::helper_call(BPF_FUNC_DYNPTR_FROM_MEM));
    Ok(())
}

/// `kfunc(&d)`; then `return r0`.
fn on_dynptr(ids: &Ids, p: &mut Vec<BpfInsn>, kfunc: &str) -> Result<(), String> {
    p.extend(stack_ptr(1, DYNPTR));
    p.push(ids.call(kfunc)?);
    p.push(BpfInsn::exit());
    Ok(())
}

/// `bpf_rs_dynptr_used(&d)` on a dynptr `bpf_dynptr_from_mem` made: 3.
fn dynptr_used(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    let mut p = Vec::new();
    local_dynptr(ids, &mut p)?;
    on_dynptr(ids, &mut p, "bpf_rs_dynptr_used")?;
    Ok(p)
}

/// `bpf_rs_dynptr_used(&d)` on a slot nothing initialised.
fn dynptr_not_init(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    let mut p = Vec::new();
    on_dynptr(ids, &mut p, "bpf_rs_dynptr_used")?;
    Ok(p)
}

/// `bpf_rs_dynptr_init(&d)` (`ptr__uninit`) on an uninitialised slot.
fn uninit(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    let mut p = Vec::new();
    on_dynptr(ids, &mut p, "bpf_rs_dynptr_init")?;
    Ok(p)
}

/// `bpf_rs_dynptr_init(&d)` on a dynptr `bpf_dynptr_from_mem` made.
fn uninit_given_init(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    let mut p = Vec::new();
    local_dynptr(ids, &mut p)?;
    on_dynptr(ids, &mut p, "bpf_rs_dynptr_init")?;
    Ok(p)
}

/// `bpf_rs_memsum_opt(NULL, 8)`: 1000, the kfunc's answer to NULL.
fn opt_null(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    Ok(vec![
        BpfInsn::mov64_imm(1, 0),
        BpfInsn::mov64_imm(2, 8),
        ids.call("bpf_rs_memsum_opt")?,
        BpfInsn::exit(),
    ])
}

/// `bpf_rs_memsum_opt(buf, 8)` over the bytes 1..=8: 36.
fn opt_buf(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    sum_of(ids, "bpf_rs_memsum_opt", |p| {
        p.push(BpfInsn::mov64_imm(2, 8))
    })
}

/// `bpf_rs_memsum(NULL, 8)`: NULL where the buffer has no `__opt`.
fn sz_null(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    Ok(vec![
        BpfInsn::mov64_imm(1, 0),
        BpfInsn::mov64_imm(2, 8),
        ids.call("bpf_rs_memsum")?,
        BpfInsn::exit(),
    ])
}

/// `bpf_rs_task_nullable(NULL)`: 7, the kfunc's answer to NULL.
fn nullable_null(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    Ok(vec![
        BpfInsn::mov64_imm(1, 0),
        ids.call("bpf_rs_task_nullable")?,
        BpfInsn::exit(),
    ])
}

/// `bpf_rs_task_nullable(task)`: 1.
fn nullable_task(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    super::rsk::task_through(ids, "bpf_rs_task_nullable")
}

/// `bpf_rs_strlen(s)` with `s` at the start of the read-only map's value.
fn str_rodata(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    let mut p = Vec::new();
    p.extend(ld_map_value(1, ids.rodata_map()?, 0));
    p.push(ids.call("bpf_rs_strlen")?);
    p.push(BpfInsn::exit());
    debug_assert_eq!(RODATA_STR.len() - 1, 5);
    Ok(p)
}

/// `bpf_rs_strlen("abc")` with the string on the stack.
fn str_stack(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    let mut p = Vec::new();
    p.extend(ld_imm64(1, u64::from_le_bytes(*b"abc\0\0\0\0\0")));
    p.push(stx(BPF_DW, FP, 1, -8));
    p.extend(stack_ptr(1, -8));
    p.push(ids.call("bpf_rs_strlen")?);
    p.push(BpfInsn::exit());
    Ok(p)
}

/// `bpf_rs_strlen(s)` with `s` in a map programs may write.
fn str_writable_map(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    let mut p = Vec::new();
    p.extend(ld_map_value(1, ids.array_map()?, 0));
    p.push(ids.call("bpf_rs_strlen")?);
    p.push(BpfInsn::exit());
    Ok(p)
}

/// `bpf_rs_map_ptr(&map)`: 1.
fn map(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    let mut p = Vec::new();
    p.extend(ld_map_fd(1, ids.array_map()?));
    p.push(ids.call("bpf_rs_map_ptr")?);
    p.push(BpfInsn::exit());
    Ok(p)
}

/// `bpf_rs_map_ptr(fp - 8)`: a stack pointer where a map is declared.
fn map_not_map(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    let mut p = Vec::new();
    bytes_on_stack(&mut p);
    p.extend(stack_ptr(1, -8));
    p.push(ids.call("bpf_rs_map_ptr")?);
    p.push(BpfInsn::exit());
    Ok(p)
}

/// `bpf_rs_prog(41, NULL)`: 42 where the verifier puts the program's aux
/// in `aux__prog`, 41 where it does not.
fn prog(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    let mut p = add_through(ids, "bpf_rs_prog")?;
    p[0] = BpfInsn::mov64_imm(1, 41);
    p[1] = BpfInsn::mov64_imm(2, 0);
    Ok(p)
}

/// `b = bpf_rs_rdonly_buf(size); if (!b) return 0;` then `rest` with `b`
/// in R0.
fn with_rdonly_buf(
    ids: &Ids,
    size: impl FnOnce(&mut Vec<BpfInsn>),
    rest: &[BpfInsn],
) -> Result<Vec<BpfInsn>, String> {
    with_buf(ids, "bpf_rs_rdonly_buf", size, rest)
}

/// `b = kfunc(size); if (!b) return 0;` then `rest` with `b` in R0.
fn with_buf(
    ids: &Ids,
    kfunc: &str,
    size: impl FnOnce(&mut Vec<BpfInsn>),
    rest: &[BpfInsn],
) -> Result<Vec<BpfInsn>, String> {
    let mut p = Vec::new();
    size(&mut p);
    p.push(ids.call(kfunc)?);
    null_check(&mut p);
    p.extend_from_slice(rest);
    Ok(p)
}

/// `return bpf_rs_rdonly_buf(8)[7]`: 8.
fn rdonly_buf(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    with_rdonly_buf(
        ids,
        |p| p.push(BpfInsn::mov64_imm(1, 8)),
        &[ldx(BPF_B, 0, 0, 7), BpfInsn::exit()],
    )
}

/// `bpf_rs_rdonly_buf(8)[0] = 1`.
fn rdonly_buf_write(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    let [a, b] = ret(0);
    with_rdonly_buf(
        ids,
        |p| p.push(BpfInsn::mov64_imm(1, 8)),
        &[st(BPF_B, 0, 0, 1), a, b],
    )
}

/// `bpf_rs_rdonly_buf(random & 7)`.
fn rdonly_buf_not_constant(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    let [a, b] = ret(0);
    with_rdonly_buf(ids, |p| unknown(p, 1, 7), &[a, b])
}

/// `b = bpf_rs_rdwr_buf(8); b[3] = 9; return b[3]`: 9.
fn rdwr_buf(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    with_buf(
        ids,
        "bpf_rs_rdwr_buf",
        |p| p.push(BpfInsn::mov64_imm(1, 8)),
        &[st(BPF_B, 0, 3, 9), ldx(BPF_B, 0, 0, 3), BpfInsn::exit()],
    )
}

/// `bpf_rs_rdwr_buf(random & 7)`.
fn rdwr_buf_not_constant(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    let [a, b] = ret(0);
    with_buf(ids, "bpf_rs_rdwr_buf", |p| unknown(p, 1, 7), &[a, b])
}

/// `bpf_rs_pair_sum({ 3, 2 })`: an 8-byte struct in R1.
fn struct_arg(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    let mut p = Vec::new();
    p.extend(ld_imm64(1, 2 << 32 | 3));
    p.push(ids.call("bpf_rs_pair_sum")?);
    p.push(BpfInsn::exit());
    Ok(p)
}

/// `bpf_rs_pair_make(1)`: a struct back in R0.
fn struct_return(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    let mut p = add_through(ids, "bpf_rs_pair_make")?;
    p.remove(1);
    Ok(p)
}
