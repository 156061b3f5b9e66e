//! `BPF_PROG_TEST_RUN`: running a loaded program once and reading its `r0`.
//!
//! A `BPF_PROG_TYPE_SYSCALL` program runs without input (an optional
//! context); a packet program (`SCHED_CLS`, `XDP`, ...) needs `data_in`, a
//! packet of at least an Ethernet header (14 bytes).
//!
//! ```no_run
//! use btf_ids_kernel::{run, ProgLoad};
//! use btf_ids_runtime::insn::BpfInsn;
//! use btf_ids_runtime::registry::BPF_PROG_TYPE_SYSCALL;
//!
//! let insns = [BpfInsn::mov64_imm(0, 7), BpfInsn::exit()];
//! let verdict = ProgLoad::new(BPF_PROG_TYPE_SYSCALL, &insns).sleepable(true).load();
//! let out = run::test_run(verdict.prog_fd().unwrap(), &run::TestRun::default())?;
//! assert_eq!(out.retval, 7);
//! # Ok::<(), std::io::Error>(())
//! ```

use crate::sys;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};

const BPF_PROG_TEST_RUN: u32 = 10;

/// The `test` part of `union bpf_attr`.
#[repr(C)]
#[derive(Default)]
struct TestRunAttr {
    prog_fd: u32,
    retval: u32,
    data_size_in: u32,
    data_size_out: u32,
    data_in: u64,
    data_out: u64,
    repeat: u32,
    duration: u32,
    ctx_size_in: u32,
    ctx_size_out: u32,
    ctx_in: u64,
    ctx_out: u64,
    flags: u32,
    cpu: u32,
    batch_size: u32,
    /// The struct's tail padding, spelt out so that it is zero: the kernel
    /// refuses an attr with non-zero bytes past the last field it knows.
    _pad: u32,
}

// The uapi struct is 76 bytes of fields, 80 with its alignment.
const _: () = assert!(std::mem::size_of::<TestRunAttr>() == 80);

/// The input of one test run.
#[derive(Debug, Clone, Default)]
pub struct TestRun<'a> {
    /// The packet (`data_in`); empty for none.
    pub data_in: &'a [u8],
    /// The context (`ctx_in`); empty for none.
    pub ctx_in: &'a [u8],
    /// How many times the kernel runs it (0 and 1 both mean once).
    pub repeat: u32,
}

/// What a test run returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TestRunOutput {
    /// The program's return value (`r0`, cut to 32 bits by the kernel).
    pub retval: u32,
    /// The average run time in nanoseconds, as the kernel measured it.
    pub duration_ns: u32,
}

/// Runs the loaded program `prog` once (or `input.repeat` times) with
/// `input`. Output packets and contexts are not read back.
pub fn test_run(prog: BorrowedFd<'_>, input: &TestRun<'_>) -> io::Result<TestRunOutput> {
    let ptr = |b: &[u8]| if b.is_empty() { 0 } else { b.as_ptr() as u64 };
    let mut attr = TestRunAttr {
        prog_fd: prog.as_raw_fd() as u32,
        data_size_in: input.data_in.len() as u32,
        data_in: ptr(input.data_in),
        ctx_size_in: input.ctx_in.len() as u32,
        ctx_in: ptr(input.ctx_in),
        repeat: input.repeat,
        ..Default::default()
    };
    // SAFETY: TestRunAttr is the `test` member of union bpf_attr; data_in
    // and ctx_in point at live buffers of the sizes given and are only read;
    // data_out and ctx_out are null, so nothing is written through them.
    unsafe { sys::bpf(BPF_PROG_TEST_RUN, &mut attr) }?;
    Ok(TestRunOutput {
        retval: attr.retval,
        duration_ns: attr.duration,
    })
}
