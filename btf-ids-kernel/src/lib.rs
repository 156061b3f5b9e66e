//! The running kernel as the judge of kfunc calls: the bpf() and module
//! syscalls that the tests and the QEMU guest use.
//!
//! - [`prog_load`] / [`ProgLoad`]: `bpf(BPF_PROG_LOAD)` of a program built
//!   with [`BpfInsn`], returning the verifier's verdict and log (and, for a
//!   call into a module, the `fd_array` that names the module's BTF).
//! - [`run`]: `BPF_PROG_TEST_RUN` of a loaded program, returning its `r0`.
//! - [`btf`]: the kernel's BTF objects (`BPF_BTF_GET_NEXT_ID`,
//!   `BPF_BTF_GET_FD_BY_ID`, `BPF_OBJ_GET_INFO_BY_FD`), to find a module's
//!   BTF fd by the module's name.
//! - [`module`]: `finit_module` and `delete_module`.
//! - [`map`]: array maps, read-only ones included, for programs that need
//!   map memory.
//!
//! Programs are never attached; their fds are closed when the [`Verdict`]
//! is dropped.
//!
//! ```no_run
//! use btf_ids_kernel::prog_load;
//! use btf_ids_runtime::insn::BpfInsn;
//! use btf_ids_runtime::registry::BPF_PROG_TYPE_SYSCALL;
//!
//! let prog = [BpfInsn::mov64_imm(0, 0), BpfInsn::exit()];
//! let verdict = prog_load(BPF_PROG_TYPE_SYSCALL, true, &prog);
//! println!("accepted: {}, log: {}", verdict.accepted(), verdict.log);
//! ```

#![warn(missing_docs)]

pub mod btf;
pub mod map;
pub mod module;
pub mod run;
mod sys;

use btf_ids_runtime::insn::BpfInsn;
use btf_ids_runtime::registry::{BpfProgType, BPF_PROG_TYPE_SYSCALL};
use std::fmt;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

/// `BPF_PROG_LOAD`, the bpf() command.
const BPF_PROG_LOAD: u32 = 5;
/// `BPF_F_SLEEPABLE` of `prog_flags`.
pub const BPF_F_SLEEPABLE: u32 = 1 << 4;

/// The `BPF_PROG_LOAD` part of `union bpf_attr` (uapi/linux/bpf.h), up to
/// `log_true_size`; the kernel zero-extends a shorter attr.
#[repr(C)]
#[derive(Default)]
struct ProgLoadAttr {
    prog_type: u32,
    insn_cnt: u32,
    insns: u64,
    license: u64,
    log_level: u32,
    log_size: u32,
    log_buf: u64,
    kern_version: u32,
    prog_flags: u32,
    prog_name: [u8; 16],
    prog_ifindex: u32,
    expected_attach_type: u32,
    prog_btf_fd: u32,
    func_info_rec_size: u32,
    func_info: u64,
    func_info_cnt: u32,
    line_info_rec_size: u32,
    line_info: u64,
    line_info_cnt: u32,
    attach_btf_id: u32,
    attach_prog_fd: u32,
    core_relo_cnt: u32,
    fd_array: u64,
    core_relos: u64,
    core_relo_rec_size: u32,
    log_true_size: u32,
}

// Up to `log_true_size` (offset 140) the uapi attr has no padding.
const _: () = assert!(std::mem::size_of::<ProgLoadAttr>() == 144);

/// What the kernel said about one program.
pub struct Verdict {
    /// The program's fd when accepted; closed on drop.
    pub fd: Option<OwnedFd>,
    /// `errno` of a refusal, 0 when accepted.
    pub errno: i32,
    /// The verifier log (log level 1).
    pub log: String,
}

impl Verdict {
    /// True when the verifier accepted the program.
    pub fn accepted(&self) -> bool {
        self.fd.is_some()
    }

    /// The verifier's reason for a refusal: the last non-empty log line
    /// that is not the "processed N insns" summary.
    pub fn reason(&self) -> Option<&str> {
        if self.accepted() {
            return None;
        }
        self.log.lines().rev().map(str::trim).find(|l| {
            !l.is_empty() && !l.starts_with("processed ") && !l.starts_with("verification time")
        })
    }

    /// The last `n` non-empty lines of the log, oldest first, joined with
    /// `" | "`: a one-line excerpt for a report.
    ///
    /// ```
    /// let v = btf_ids_kernel::Verdict { fd: None, errno: 13, log: "a\n\nb\nc\n".into() };
    /// assert_eq!(v.log_tail(2), "b | c");
    /// ```
    pub fn log_tail(&self, n: usize) -> String {
        let lines: Vec<&str> = self
            .log
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        lines[lines.len().saturating_sub(n)..].join(" | ")
    }

    /// The accepted program's fd, to run it with [`run::test_run`].
    pub fn prog_fd(&self) -> Option<BorrowedFd<'_>> {
        self.fd.as_ref().map(AsFd::as_fd)
    }
}

/// A `BPF_PROG_LOAD` request: a GPL program of one type, optionally
/// sleepable, optionally with an `fd_array` for calls into module BTF.
///
/// A kfunc call's `off` indexes `fd_array`: 0 stands for vmlinux, so a
/// program calling into one module passes `[-1, module_btf_fd]` (see
/// [`ProgLoad::module_btf`]) and calls with `off = 1`.
///
/// ```no_run
/// use btf_ids_kernel::ProgLoad;
/// use btf_ids_runtime::insn::BpfInsn;
/// use btf_ids_runtime::registry::BPF_PROG_TYPE_SYSCALL;
///
/// let insns = [BpfInsn::mov64_imm(0, 0), BpfInsn::exit()];
/// let verdict = ProgLoad::new(BPF_PROG_TYPE_SYSCALL, &insns).sleepable(true).load();
/// assert!(verdict.accepted(), "{}", verdict.log);
/// ```
pub struct ProgLoad<'a> {
    prog_type: BpfProgType,
    insns: &'a [BpfInsn],
    sleepable: bool,
    fd_array: Vec<i32>,
    log_level: u32,
    log_size: usize,
}

impl<'a> ProgLoad<'a> {
    /// A request for `insns` as a program of `prog_type`, not sleepable, no
    /// `fd_array`, log level 1 into a 1 MiB buffer.
    pub fn new(prog_type: BpfProgType, insns: &'a [BpfInsn]) -> Self {
        ProgLoad {
            prog_type,
            insns,
            sleepable: false,
            fd_array: Vec::new(),
            log_level: 1,
            log_size: 1 << 20,
        }
    }

    /// Sets `BPF_F_SLEEPABLE` (6.12 requires it for `BPF_PROG_TYPE_SYSCALL`).
    pub fn sleepable(mut self, sleepable: bool) -> Self {
        self.sleepable = sleepable;
        self
    }

    /// The raw `fd_array` (slot 0 is never read for kfunc calls; pass -1).
    pub fn fd_array(mut self, fds: &[i32]) -> Self {
        self.fd_array = fds.to_vec();
        self
    }

    /// `fd_array = [-1, btf]`: kfunc calls with `off = 1` look up their BTF
    /// ID in that module BTF. The fd must stay open until [`load`](Self::load)
    /// returns, which the borrow guarantees.
    pub fn module_btf(self, btf: BorrowedFd<'a>) -> Self {
        self.fd_array(&[-1, btf.as_raw_fd()])
    }

    /// The verifier log level (1 by default; 2 logs every state).
    pub fn log_level(mut self, level: u32) -> Self {
        self.log_level = level;
        self
    }

    /// The log buffer's size in bytes (1 MiB by default).
    pub fn log_size(mut self, bytes: usize) -> Self {
        self.log_size = bytes.max(1);
        self
    }

    /// Asks the verifier.
    pub fn load(self) -> Verdict {
        let license = c"GPL";
        let mut log = vec![0u8; self.log_size];
        let mut attr = ProgLoadAttr {
            prog_type: self.prog_type as u32,
            insn_cnt: self.insns.len() as u32,
            insns: self.insns.as_ptr() as u64,
            license: license.as_ptr() as u64,
            log_level: self.log_level,
            log_size: log.len() as u32,
            log_buf: log.as_mut_ptr() as u64,
            prog_flags: if self.sleepable { BPF_F_SLEEPABLE } else { 0 },
            fd_array: if self.fd_array.is_empty() {
                0
            } else {
                self.fd_array.as_ptr() as u64
            },
            ..Default::default()
        };
        attr.prog_name[..8].copy_from_slice(b"btf_ids\0");
        // SAFETY: attr is the BPF_PROG_LOAD prefix of union bpf_attr; the
        // pointers it holds (insns, license, log, fd_array) are live for the
        // call and log is writable for log_size bytes. BpfInsn has the
        // kernel's 8-byte struct bpf_insn layout.
        let ret = unsafe { sys::bpf(BPF_PROG_LOAD, &mut attr) };
        let end = log.iter().position(|&b| b == 0).unwrap_or(log.len());
        let log = String::from_utf8_lossy(&log[..end]).into_owned();
        match ret {
            Ok(fd) => Verdict {
                // SAFETY: a non-negative return of BPF_PROG_LOAD is a new fd
                // that nothing else owns.
                fd: Some(unsafe { OwnedFd::from_raw_fd(fd as i32) }),
                errno: 0,
                log,
            },
            Err(e) => Verdict {
                fd: None,
                errno: e.raw_os_error().unwrap_or(0),
                log,
            },
        }
    }
}

/// Load `insns` as a GPL program of `prog_type` (sleepable if asked); never
/// attaches or runs it. The same as
/// `ProgLoad::new(prog_type, insns).sleepable(sleepable).load()`.
pub fn prog_load(prog_type: BpfProgType, sleepable: bool, insns: &[BpfInsn]) -> Verdict {
    ProgLoad::new(prog_type, insns).sleepable(sleepable).load()
}

/// Why programs cannot be loaded here.
#[derive(Debug)]
pub struct Unavailable(pub String);

impl fmt::Display for Unavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether bpf(BPF_PROG_LOAD) works here: loads `r0 = 0; exit` as a
/// sleepable syscall program.
pub fn probe() -> Result<(), Unavailable> {
    let probe = prog_load(
        BPF_PROG_TYPE_SYSCALL,
        true,
        &[BpfInsn::mov64_imm(0, 0), BpfInsn::exit()],
    );
    if probe.accepted() {
        return Ok(());
    }
    Err(Unavailable(match probe.errno {
        libc::EPERM => "bpf(BPF_PROG_LOAD) is not permitted (EPERM): run as root (CAP_BPF)".into(),
        libc::ENOSYS => {
            "bpf() does not exist here (ENOSYS): the kernel lacks CONFIG_BPF_SYSCALL".into()
        }
        e => format!(
            "a sleepable syscall program of `r0 = 0; exit` was refused (errno {e}): {}",
            probe.log.trim()
        ),
    }))
}
