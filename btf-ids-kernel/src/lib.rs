//! The running kernel as the judge of kfunc calls: `bpf(BPF_PROG_LOAD)` of a
//! program built with [`BpfInsn`], returning the verifier's verdict and log.
//! Programs are loaded only, never attached or run, and their fds are closed
//! when the [`Verdict`] is dropped.
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

use btf_ids_runtime::insn::BpfInsn;
use btf_ids_runtime::registry::{BpfProgType, BPF_PROG_TYPE_SYSCALL};
use std::fmt;
use std::os::fd::{FromRawFd, OwnedFd};

/// `BPF_PROG_LOAD`, the bpf() command.
const BPF_PROG_LOAD: libc::c_long = 5;
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
}

/// Load `insns` as a GPL program of `prog_type` (sleepable if asked); never
/// attaches or runs it.
pub fn prog_load(prog_type: BpfProgType, sleepable: bool, insns: &[BpfInsn]) -> Verdict {
    let license = c"GPL";
    let mut log = vec![0u8; 1 << 20];
    let mut attr = ProgLoadAttr {
        prog_type: prog_type as u32,
        insn_cnt: insns.len() as u32,
        insns: insns.as_ptr() as u64,
        license: license.as_ptr() as u64,
        log_level: 1,
        log_size: log.len() as u32,
        log_buf: log.as_mut_ptr() as u64,
        prog_flags: if sleepable { BPF_F_SLEEPABLE } else { 0 },
        ..Default::default()
    };
    attr.prog_name[..8].copy_from_slice(b"btf_ids\0");
    // SAFETY: attr is a valid prefix of union bpf_attr for BPF_PROG_LOAD; the
    // pointers it holds (insns, license, log) outlive the call. BpfInsn has
    // the kernel's 8-byte struct bpf_insn layout.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_bpf,
            BPF_PROG_LOAD,
            &mut attr as *mut ProgLoadAttr,
            std::mem::size_of::<ProgLoadAttr>() as libc::c_uint,
        )
    };
    let errno = if ret < 0 {
        std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
    } else {
        0
    };
    let end = log.iter().position(|&b| b == 0).unwrap_or(log.len());
    Verdict {
        // SAFETY: a non-negative return of BPF_PROG_LOAD is a new fd we own.
        fd: (ret >= 0).then(|| unsafe { OwnedFd::from_raw_fd(ret as i32) }),
        errno,
        log: String::from_utf8_lossy(&log[..end]).into_owned(),
    }
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
