//! The rule table's programs for the iterator trio and the argument
//! suffixes (`__sz`, `__szk`, `__k`, `__ign`, `__uninit`, `__opt`,
//! `__nullable`, `__str`); [`super`] holds the table and the flags' ones.

use super::*;

/// The iterator's 16-byte stack slot.
pub(super) const ITER: i32 = -16;

/// `bpf_iter_rs_new(&it, 0, 5)`.
pub(super) fn iter_new(ids: &Ids, p: &mut Vec<BpfInsn>) -> Result<(), String> {
    iter_new_of(ids, p, "rs")
}

/// `bpf_iter_<ty>_new(&it, 0, 5)`.
pub(super) fn iter_new_of(ids: &Ids, p: &mut Vec<BpfInsn>, ty: &str) -> Result<(), String> {
    p.extend(stack_ptr(1, ITER));
    p.extend([
        BpfInsn::mov64_imm(2, 0),
        BpfInsn::mov64_imm(3, 5),
        ids.call(&format!("bpf_iter_{ty}_new"))?,
    ]);
    Ok(())
}

/// `kfunc(&it)`.
pub(super) fn on_iter(ids: &Ids, p: &mut Vec<BpfInsn>, kfunc: &str) -> Result<(), String> {
    p.extend(stack_ptr(1, ITER));
    p.push(ids.call(kfunc)?);
    Ok(())
}

/// The open-coded loop `sum = 0; bpf_for_each(rs, v, 0, 5) sum += *v;
/// return sum`: 10.
pub(super) fn iter_loop(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    iter_loop_of(ids, "rs", false)
}

/// The loop over `bpf_iter_<ty>`, inside `bpf_rcu_read_lock()` when
/// `locked`.
pub(super) fn iter_loop_of(ids: &Ids, ty: &str, locked: bool) -> Result<Vec<BpfInsn>, String> {
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
pub(super) fn rcu_iter_locked(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    iter_loop_of(ids, "rsrcu", true)
}

/// The same loop with no lock held.
pub(super) fn rcu_iter_unlocked(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    iter_loop_of(ids, "rsrcu", false)
}

/// `bpf_iter_rs_new(&it, 0, 5); return 0;`: never destroyed.
pub(super) fn iter_leak(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    let mut p = Vec::new();
    iter_new(ids, &mut p)?;
    p.extend(ret(0));
    Ok(p)
}

/// `bpf_iter_rs_next(&it)` on a slot no `new` initialised.
pub(super) fn iter_next_uninit(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    let mut p = Vec::new();
    on_iter(ids, &mut p, "bpf_iter_rs_next")?;
    p.extend(ret(0));
    Ok(p)
}

/// `new(&it, 0, 5); next(&it); r = bpf_rs_iter_left(&it); destroy(&it);
/// return r`: 4.
pub(super) fn iter_arg(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
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
pub(super) fn iter_arg_uninit(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    let mut p = Vec::new();
    on_iter(ids, &mut p, "bpf_rs_iter_left")?;
    p.push(BpfInsn::exit());
    Ok(p)
}

/// The bytes 1..=8 at fp-8.
pub(super) fn bytes_on_stack(p: &mut Vec<BpfInsn>) {
    p.extend(ld_imm64(1, u64::from_le_bytes([1, 2, 3, 4, 5, 6, 7, 8])));
    p.push(stx(BPF_DW, FP, 1, -8));
}

/// `return kfunc(fp - 8, r2)` over the bytes 1..=8, R2 set by `size`.
pub(super) fn sum_of(
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
pub(super) fn szk(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    sum_of(ids, "bpf_rs_memsum_k", |p| p.push(BpfInsn::mov64_imm(2, 8)))
}

/// `bpf_rs_memsum_k(buf, random & 7)`: in bounds, but not a constant.
pub(super) fn szk_not_constant(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    sum_of(ids, "bpf_rs_memsum_k", |p| unknown(p, 2, 7))
}

/// `bpf_rs_scale(6, 7)`: 42.
pub(super) fn k_const(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    Ok(vec![
        BpfInsn::mov64_imm(1, 6),
        BpfInsn::mov64_imm(2, 7),
        ids.call("bpf_rs_scale")?,
        BpfInsn::exit(),
    ])
}

/// `bpf_rs_scale(6, random & 7)`.
pub(super) fn k_not_constant(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
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
pub(super) fn scalar_as_obj(ids: &Ids, kfunc: &str) -> Result<Vec<BpfInsn>, String> {
    Ok(vec![
        BpfInsn::mov64_imm(1, 42),
        BpfInsn::mov64_imm(2, 12345),
        ids.call(kfunc)?,
        BpfInsn::exit(),
    ])
}

/// `bpf_rs_ign(42, 12345)`: the verifier ignores `obj__ign`; 42.
pub(super) fn ign(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    scalar_as_obj(ids, "bpf_rs_ign")
}

/// `bpf_rs_noign(42, 12345)`: the same, without the suffix.
pub(super) fn noign(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    scalar_as_obj(ids, "bpf_rs_noign")
}

/// The 16-byte dynptr slot (the data at fp-8 stays apart).
pub(super) const DYNPTR: i32 = -24;

/// `bpf_dynptr_from_mem(&value, 8, 0, &d)`: a local dynptr at [`DYNPTR`]
/// over the array map's value (6.12 takes map memory only).
pub(super) fn local_dynptr(ids: &Ids, p: &mut Vec<BpfInsn>) -> Result<(), String> {
    p.extend(ld_map_value(1, ids.array_map()?, 0));
    p.push(BpfInsn::mov64_imm(2, 8));
    p.push(BpfInsn::mov64_imm(3, 0));
    p.extend(stack_ptr(4, DYNPTR));
    p.push(BpfInsn::helper_call(BPF_FUNC_DYNPTR_FROM_MEM));
    Ok(())
}

/// `kfunc(&d)`; then `return r0`.
pub(super) fn on_dynptr(ids: &Ids, p: &mut Vec<BpfInsn>, kfunc: &str) -> Result<(), String> {
    p.extend(stack_ptr(1, DYNPTR));
    p.push(ids.call(kfunc)?);
    p.push(BpfInsn::exit());
    Ok(())
}

/// `bpf_rs_dynptr_used(&d)` on a dynptr `bpf_dynptr_from_mem` made: 3.
pub(super) fn dynptr_used(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    let mut p = Vec::new();
    local_dynptr(ids, &mut p)?;
    on_dynptr(ids, &mut p, "bpf_rs_dynptr_used")?;
    Ok(p)
}

/// `bpf_rs_dynptr_used(&d)` on a slot nothing initialised.
pub(super) fn dynptr_not_init(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    let mut p = Vec::new();
    on_dynptr(ids, &mut p, "bpf_rs_dynptr_used")?;
    Ok(p)
}

/// `bpf_rs_dynptr_init(&d)` (`ptr__uninit`) on an uninitialised slot.
pub(super) fn uninit(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    let mut p = Vec::new();
    on_dynptr(ids, &mut p, "bpf_rs_dynptr_init")?;
    Ok(p)
}

/// `bpf_rs_dynptr_init(&d)` on a dynptr `bpf_dynptr_from_mem` made.
pub(super) fn uninit_given_init(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    let mut p = Vec::new();
    local_dynptr(ids, &mut p)?;
    on_dynptr(ids, &mut p, "bpf_rs_dynptr_init")?;
    Ok(p)
}

/// `bpf_rs_memsum_opt(NULL, 8)`: 1000, the kfunc's answer to NULL.
pub(super) fn opt_null(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    Ok(vec![
        BpfInsn::mov64_imm(1, 0),
        BpfInsn::mov64_imm(2, 8),
        ids.call("bpf_rs_memsum_opt")?,
        BpfInsn::exit(),
    ])
}

/// `bpf_rs_memsum_opt(buf, 8)` over the bytes 1..=8: 36.
pub(super) fn opt_buf(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    sum_of(ids, "bpf_rs_memsum_opt", |p| {
        p.push(BpfInsn::mov64_imm(2, 8))
    })
}

/// `bpf_rs_memsum(NULL, 8)`: NULL where the buffer has no `__opt`.
pub(super) fn sz_null(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    Ok(vec![
        BpfInsn::mov64_imm(1, 0),
        BpfInsn::mov64_imm(2, 8),
        ids.call("bpf_rs_memsum")?,
        BpfInsn::exit(),
    ])
}

/// `bpf_rs_task_nullable(NULL)`: 7, the kfunc's answer to NULL.
pub(super) fn nullable_null(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    Ok(vec![
        BpfInsn::mov64_imm(1, 0),
        ids.call("bpf_rs_task_nullable")?,
        BpfInsn::exit(),
    ])
}

/// `bpf_rs_task_nullable(task)`: 1.
pub(super) fn nullable_task(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    super::super::rsk::task_through(ids, "bpf_rs_task_nullable")
}

/// `bpf_rs_strlen(s)` with `s` at the start of the read-only map's value.
pub(super) fn str_rodata(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    let mut p = Vec::new();
    p.extend(ld_map_value(1, ids.rodata_map()?, 0));
    p.push(ids.call("bpf_rs_strlen")?);
    p.push(BpfInsn::exit());
    debug_assert_eq!(RODATA_STR.len() - 1, 5);
    Ok(p)
}

/// `bpf_rs_strlen("abc")` with the string on the stack.
pub(super) fn str_stack(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    let mut p = Vec::new();
    p.extend(ld_imm64(1, u64::from_le_bytes(*b"abc\0\0\0\0\0")));
    p.push(stx(BPF_DW, FP, 1, -8));
    p.extend(stack_ptr(1, -8));
    p.push(ids.call("bpf_rs_strlen")?);
    p.push(BpfInsn::exit());
    Ok(p)
}

/// `bpf_rs_strlen(s)` with `s` in a map programs may write.
pub(super) fn str_writable_map(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    let mut p = Vec::new();
    p.extend(ld_map_value(1, ids.array_map()?, 0));
    p.push(ids.call("bpf_rs_strlen")?);
    p.push(BpfInsn::exit());
    Ok(p)
}

/// `bpf_rs_map_ptr(&map)`: 1.
pub(super) fn map(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    let mut p = Vec::new();
    p.extend(ld_map_fd(1, ids.array_map()?));
    p.push(ids.call("bpf_rs_map_ptr")?);
    p.push(BpfInsn::exit());
    Ok(p)
}

/// `bpf_rs_map_ptr(fp - 8)`: a stack pointer where a map is declared.
pub(super) fn map_not_map(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    let mut p = Vec::new();
    bytes_on_stack(&mut p);
    p.extend(stack_ptr(1, -8));
    p.push(ids.call("bpf_rs_map_ptr")?);
    p.push(BpfInsn::exit());
    Ok(p)
}

/// `bpf_rs_prog(41, NULL)`: 42 where the verifier puts the program's aux
/// in `aux__prog`, 41 where it does not.
pub(super) fn prog(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    let mut p = add_through(ids, "bpf_rs_prog")?;
    p[0] = BpfInsn::mov64_imm(1, 41);
    p[1] = BpfInsn::mov64_imm(2, 0);
    Ok(p)
}

/// `b = bpf_rs_rdonly_buf(size); if (!b) return 0;` then `rest` with `b`
/// in R0.
pub(super) fn with_rdonly_buf(
    ids: &Ids,
    size: impl FnOnce(&mut Vec<BpfInsn>),
    rest: &[BpfInsn],
) -> Result<Vec<BpfInsn>, String> {
    with_buf(ids, "bpf_rs_rdonly_buf", size, rest)
}

/// `b = kfunc(size); if (!b) return 0;` then `rest` with `b` in R0.
pub(super) fn with_buf(
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
pub(super) fn rdonly_buf(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    with_rdonly_buf(
        ids,
        |p| p.push(BpfInsn::mov64_imm(1, 8)),
        &[ldx(BPF_B, 0, 0, 7), BpfInsn::exit()],
    )
}

/// `bpf_rs_rdonly_buf(8)[0] = 1`.
pub(super) fn rdonly_buf_write(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    let [a, b] = ret(0);
    with_rdonly_buf(
        ids,
        |p| p.push(BpfInsn::mov64_imm(1, 8)),
        &[st(BPF_B, 0, 0, 1), a, b],
    )
}

/// `bpf_rs_rdonly_buf(random & 7)`.
pub(super) fn rdonly_buf_not_constant(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    let [a, b] = ret(0);
    with_rdonly_buf(ids, |p| unknown(p, 1, 7), &[a, b])
}

/// `b = bpf_rs_rdwr_buf(8); b[3] = 9; return b[3]`: 9.
pub(super) fn rdwr_buf(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    with_buf(
        ids,
        "bpf_rs_rdwr_buf",
        |p| p.push(BpfInsn::mov64_imm(1, 8)),
        &[st(BPF_B, 0, 3, 9), ldx(BPF_B, 0, 0, 3), BpfInsn::exit()],
    )
}

/// `bpf_rs_rdwr_buf(random & 7)`.
pub(super) fn rdwr_buf_not_constant(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    let [a, b] = ret(0);
    with_buf(ids, "bpf_rs_rdwr_buf", |p| unknown(p, 1, 7), &[a, b])
}

/// `bpf_rs_pair_sum({ 3, 2 })`: an 8-byte struct in R1.
pub(super) fn struct_arg(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    let mut p = Vec::new();
    p.extend(ld_imm64(1, 2 << 32 | 3));
    p.push(ids.call("bpf_rs_pair_sum")?);
    p.push(BpfInsn::exit());
    Ok(p)
}

/// `bpf_rs_pair_make(1)`: a struct back in R0.
pub(super) fn struct_return(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    let mut p = add_through(ids, "bpf_rs_pair_make")?;
    p.remove(1);
    Ok(p)
}
