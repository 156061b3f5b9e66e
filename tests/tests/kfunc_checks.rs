//! The good side of every compile-time kfunc check (the bad side is in
//! ui-tests/ui/kfunc_*.rs): each kfunc here compiles only because it follows
//! the rule, and its `kfunc_info!` says what `#[kfunc]` read.

#![allow(non_camel_case_types, clippy::missing_safety_doc)]
// The `suffixes_*` kfuncs exist for their signatures only.
#![allow(unused_variables)]

use btf_ids_runtime::flags::*;
use btf_ids_runtime::kfunc::{ArgAnnotation, ArgClass, KfuncArg};
use btf_ids_runtime::{btf_kfuncs, kfunc, kfunc_info};

#[repr(C)]
pub struct task_struct {
    pid: i32,
}

#[repr(C)]
pub struct bpf_iter_num {
    cur: i32,
    end: i32,
}

pub type size_t = usize;
pub type task_ptr = *mut task_struct;

// acquire + ret_null on a raw pointer to a struct.
#[kfunc(acquire, ret_null)]
pub unsafe extern "C" fn bpf_ok_task_acquire(p: *mut task_struct) -> *mut task_struct {
    p
}

// release alone; a reference argument is a pointer too.
#[kfunc(release)]
pub extern "C" fn bpf_ok_task_release(_p: &mut task_struct) {}

// ret_null through a type alias of a pointer (checked by the type system).
#[kfunc(ret_null, rcu)]
pub extern "C" fn bpf_ok_task_alias(p: task_ptr) -> task_ptr {
    p
}

// The iterator trio, named by the kernel's rule.
#[kfunc(iter_new)]
pub unsafe extern "C" fn bpf_iter_num_new(it: *mut bpf_iter_num, start: i32, end: i32) -> i32 {
    unsafe { it.write(bpf_iter_num { cur: start, end }) };
    0
}

#[kfunc(iter_next, ret_null)]
pub unsafe extern "C" fn bpf_iter_num_next(it: *mut bpf_iter_num) -> *mut i32 {
    let it = unsafe { &mut *it };
    if it.cur >= it.end {
        return core::ptr::null_mut();
    }
    it.cur += 1;
    &mut it.cur
}

#[kfunc(iter_destroy)]
pub extern "C" fn bpf_iter_num_destroy(_it: *mut bpf_iter_num) {}

// __sz after a pointer, __szk after `void *`, sizes through an alias.
#[kfunc]
pub unsafe extern "C" fn bpf_ok_memzero(mem: *mut u8, mem__sz: u32) {
    unsafe { core::ptr::write_bytes(mem, 0, mem__sz as usize) }
}

#[kfunc(sleepable)]
pub extern "C" fn bpf_ok_copy(
    dst: *mut core::ffi::c_void,
    dst__szk: core::ffi::c_uint,
    src__nullable: *const u8,
    len__sz: size_t,
) -> i32 {
    let _ = (dst, dst__szk, src__nullable, len__sz);
    0
}

// __k on an integer, __str and __ign, five arguments.
#[kfunc(destructive)]
pub extern "C" fn bpf_ok_five(
    id__k: u64,
    name__str: *const u8,
    meta__ign: *mut u8,
    flags: u32,
    rdonly_buf_size: u32,
) -> i64 {
    let _ = (id__k, name__str, meta__ign, flags, rdonly_buf_size);
    0
}

// Arena pointers in arguments 1 and 2 and in the return.
#[kfunc(arena_arg1, arena_arg2, arena_ret)]
pub extern "C" fn bpf_ok_arena(p: *mut u8, q: *mut u8) -> *mut u8 {
    let _ = q;
    p
}

#[repr(C)]
pub struct bpf_prog_aux {
    id: u32,
}

// Every flag word once, in any order; with `implicit_args` a trailing
// `bpf_prog_aux` pointer is filled in by the verifier and not counted
// among the five arguments a program passes.
#[kfunc(fastcall, implicit_args, trusted_args, rcu_protected)]
pub extern "C" fn bpf_ok_flags(
    a: u64,
    b: u64,
    c: u64,
    d: u64,
    e: u64,
    aux: *mut bpf_prog_aux,
) -> u64 {
    let _ = aux;
    a + b + c + d + e
}

#[kfunc]
pub extern "C" fn bpf_ok_no_flags(_: u32) {}

// What passes by value, through aliases too: integers (`size_t`,
// `core::ffi::c_int`), `bool`, function pointers, thin pointers (to a
// 128-bit integer as well: behind a pointer it is plain memory). A release
// kfunc's pointer argument may come through an alias.
pub type callback_t = extern "C" fn(u64) -> u64;

#[kfunc]
pub extern "C" fn bpf_ok_by_value(
    n: size_t,
    c: core::ffi::c_int,
    on: bool,
    cb: callback_t,
    wide: *mut u128,
) -> size_t {
    let _ = (c, on, cb, wide);
    n
}

#[kfunc(release)]
pub extern "C" fn bpf_ok_release_alias(_p: task_ptr) {}

#[kfunc]
pub extern "C" fn bpf_ok_ret_alias(p: task_ptr) -> task_ptr {
    p
}

btf_kfuncs! {
    static OK_KFUNCS = [
        bpf_ok_task_acquire,
        bpf_ok_task_release,
        bpf_iter_num_new,
        bpf_iter_num_next,
        bpf_iter_num_destroy,
        func bpf_task_from_pid(KF_ACQUIRE | KF_RET_NULL),
    ];
}

fn names(args: &[KfuncArg]) -> Vec<&str> {
    args.iter().map(|a| a.name).collect()
}

fn annotations(args: &[KfuncArg]) -> Vec<ArgAnnotation> {
    args.iter().map(|a| a.annotation).collect()
}

#[test]
fn flags_are_the_kernel_bits() {
    assert_eq!(
        kfunc_info!(bpf_ok_task_acquire).flags,
        KF_ACQUIRE | KF_RET_NULL
    );
    assert_eq!(kfunc_info!(bpf_ok_task_release).flags, KF_RELEASE);
    assert_eq!(kfunc_info!(bpf_ok_task_alias).flags, KF_RET_NULL | KF_RCU);
    assert_eq!(kfunc_info!(bpf_iter_num_new).flags, KF_ITER_NEW);
    assert_eq!(
        kfunc_info!(bpf_iter_num_next).flags,
        KF_ITER_NEXT | KF_RET_NULL
    );
    assert_eq!(kfunc_info!(bpf_iter_num_destroy).flags, KF_ITER_DESTROY);
    assert_eq!(kfunc_info!(bpf_ok_five).flags, KF_DESTRUCTIVE);
    assert_eq!(
        kfunc_info!(bpf_ok_arena).flags,
        KF_ARENA_ARG1 | KF_ARENA_ARG2 | KF_ARENA_RET
    );
    assert_eq!(
        kfunc_info!(bpf_ok_flags).flags,
        KF_FASTCALL | KF_IMPLICIT_ARGS | KF_TRUSTED_ARGS | KF_RCU_PROTECTED
    );
    assert_eq!(kfunc_info!(bpf_ok_no_flags).flags, 0);
    assert_eq!(kfunc_info!(bpf_ok_release_alias).flags, KF_RELEASE);
    assert_eq!(kfunc_info!(bpf_ok_by_value).args.len(), 5);
    assert_eq!(kfunc_info!(bpf_ok_ret_alias).flags, 0);
    assert_eq!(kfunc_info!(bpf_ok_memzero).name, "bpf_ok_memzero");
}

#[test]
fn args_keep_their_names_and_annotations() {
    let args = kfunc_info!(bpf_ok_copy).args;
    assert_eq!(names(args), ["dst", "dst__szk", "src__nullable", "len__sz"]);
    assert_eq!(
        annotations(args),
        [
            ArgAnnotation::None,
            ArgAnnotation::ConstSize,
            ArgAnnotation::Nullable,
            ArgAnnotation::Size
        ]
    );
    let args = kfunc_info!(bpf_ok_five).args;
    assert_eq!(
        annotations(args),
        [
            ArgAnnotation::Const,
            ArgAnnotation::Str,
            ArgAnnotation::Ignore,
            ArgAnnotation::None,
            ArgAnnotation::RdonlyBufSize
        ]
    );
    assert_eq!(names(kfunc_info!(bpf_ok_no_flags).args), [""]);
    assert_eq!(
        names(kfunc_info!(bpf_ok_flags).args),
        ["a", "b", "c", "d", "e", "aux"]
    );
}

#[test]
fn kfuncs_are_callable_rust_functions() {
    let mut task = task_struct { pid: 7 };
    let p = unsafe { bpf_ok_task_acquire(&mut task) };
    assert_eq!(unsafe { (*p).pid }, 7);
    let mut it = bpf_iter_num { cur: 0, end: 0 };
    let mut seen = 0;
    unsafe {
        bpf_iter_num_new(&mut it, 0, 3);
        while !bpf_iter_num_next(&mut it).is_null() {
            seen += 1;
        }
    }
    bpf_iter_num_destroy(&mut it);
    assert_eq!(seen, 3);
    let mut buf = [1u8; 8];
    unsafe { bpf_ok_memzero(buf.as_mut_ptr(), 8) };
    assert_eq!(buf, [0; 8]);
}

#[test]
fn the_set_reads_flags_from_the_attributes() {
    // Unresolved (no resolve_btfids ran): count 0, the kfuncs flag set.
    assert_eq!(OK_KFUNCS.capacity(), 6);
    assert_eq!(OK_KFUNCS.flags(), BTF_SET8_KFUNCS);
}

/// Every annotation the runtime knows, spread over kfuncs of at most five
/// arguments.
fn every_suffix() -> Vec<KfuncArg> {
    [
        kfunc_info!(suffixes_a).args,
        kfunc_info!(suffixes_b).args,
        kfunc_info!(suffixes_c).args,
        kfunc_info!(suffixes_d).args,
    ]
    .concat()
}

/// The macro's suffix table and the runtime's agree on every name a
/// `#[kfunc]` here carries, and every annotation is exercised.
#[test]
fn macro_and_runtime_read_names_alike() {
    let mut all = every_suffix();
    for args in [
        kfunc_info!(bpf_ok_task_acquire).args,
        kfunc_info!(bpf_ok_copy).args,
        kfunc_info!(bpf_ok_five).args,
        kfunc_info!(bpf_ok_memzero).args,
    ] {
        all.extend_from_slice(args);
    }
    for a in &all {
        assert_eq!(a.annotation, ArgAnnotation::of(a.name), "{}", a.name);
        if a.annotation != ArgAnnotation::None {
            let suffix = a.annotation.suffix();
            assert!(a.name.ends_with(suffix) && a.name.len() >= suffix.len());
        }
    }
    let seen = annotations(&every_suffix());
    for a in ArgAnnotation::ALL {
        assert!(seen.contains(&a), "{a:?} is exercised");
        let class = a.class();
        match a {
            ArgAnnotation::None | ArgAnnotation::Ignore => assert_eq!(class, ArgClass::Any),
            ArgAnnotation::Size
            | ArgAnnotation::ConstSize
            | ArgAnnotation::Const
            | ArgAnnotation::RdonlyBufSize
            | ArgAnnotation::RdwrBufSize => assert_eq!(class, ArgClass::Integer),
            _ => assert_eq!(class, ArgClass::Pointer, "{a:?}"),
        }
    }
}

// Not real kfuncs: every suffix, each on an argument of the right type.
#[kfunc]
pub extern "C" fn suffixes_a(
    a__arena__nullable: *mut u8,
    b__refcounted_kptr: *mut u8,
    c__nonown_allowed: *mut u8,
    d__irq_flag: *mut u64,
    e__uninit: *mut u8,
) {
}

#[kfunc]
pub extern "C" fn suffixes_b(
    x__alloc: *mut u8,
    y__opt: *mut u8,
    z__str: *const u8,
    m__map: *mut u8,
    p__prog: *mut u8,
) {
}

#[kfunc]
pub extern "C" fn suffixes_c(
    i__iter: *mut bpf_iter_num,
    r__arena: *mut u8,
    buf: *mut u8,
    buf__sz: u32,
    k__k: u32,
) {
}

#[kfunc]
pub extern "C" fn suffixes_d(
    plain__nullable: *mut u8,
    plain__szk: u64,
    g__ign: *const u8,
    rdonly_buf_size: u32,
    rdwr_buf_size: usize,
) {
}
