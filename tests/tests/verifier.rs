//! The running kernel's verifier as the judge of kfunc call instructions
//! built with `BpfInsn::kfunc_call`.
//!
//! As root, tiny sleepable `BPF_PROG_TYPE_SYSCALL` programs are handed to
//! `bpf(BPF_PROG_LOAD)`; they are never attached or run, and each accepted
//! one is closed at once. The kfunc IDs come from /sys/kernel/btf/vmlinux,
//! read by the small BTF reader below.
//!
//! Without bpf() (EPERM, ENOSYS) the tests fail saying so, unless
//! `BTF_IDS_SKIP_KERNEL_TESTS=1` is set; then they print a notice and pass.
//!
//! `model_agrees_with_the_kernel` also runs a resolve_btfids-patched copy of
//! this binary, whose registry (the sets of kfuncs-a and kfuncs-b, resolved
//! against the same BTF) must judge the three programs as the kernel does.

use btf_ids_runtime::insn::BpfInsn;
use btf_ids_runtime::registry::*;
use btf_ids_tests::{kernel_resolve, run};
// Linked for their registrations, which the patched copy reads.
use kfuncs_a as _;
use kfuncs_b as _;
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::Path;
use std::process::Command;

const SKIP_ENV: &str = "BTF_IDS_SKIP_KERNEL_TESTS";
/// Set in the environment of the patched copy.
const CHILD_ENV: &str = "BTF_IDS_VERIFIER_RESOLVED_COPY";
const VMLINUX: &str = "/sys/kernel/btf/vmlinux";

// ---------------------------------------------------------------------------
// A minimal BTF reader: every type's kind and name, by ID
// ---------------------------------------------------------------------------

const BTF_MAGIC: u16 = 0xeb9f;
const BTF_KIND_STRUCT: u8 = 4;
const BTF_KIND_FUNC: u8 = 12;

/// Kind and name of every type of a raw BTF blob; index = type ID.
struct Btf {
    types: Vec<(u8, String)>,
}

impl Btf {
    fn load(path: &str) -> Btf {
        let data = std::fs::read(path).unwrap_or_else(|e| {
            panic!("cannot read {path}: {e} (a kernel built with CONFIG_DEBUG_INFO_BTF is needed)")
        });
        Btf::parse(&data)
    }

    fn parse(data: &[u8]) -> Btf {
        let u16_at = |o: usize| u16::from_le_bytes(data[o..o + 2].try_into().unwrap());
        let u32_at = |o: usize| u32::from_le_bytes(data[o..o + 4].try_into().unwrap()) as usize;
        assert_eq!(u16_at(0), BTF_MAGIC, "not a little-endian BTF blob");
        let hdr_len = u32_at(4);
        let (type_off, type_len) = (hdr_len + u32_at(8), u32_at(12));
        let (str_off, str_len) = (hdr_len + u32_at(16), u32_at(20));
        let strings = &data[str_off..str_off + str_len];
        let name = |off: usize| {
            let s = &strings[off..];
            let end = s.iter().position(|&b| b == 0).unwrap();
            String::from_utf8_lossy(&s[..end]).into_owned()
        };
        // ID 0 is void.
        let mut types = vec![(0, String::new())];
        let mut p = type_off;
        while p < type_off + type_len {
            let name_off = u32_at(p);
            let info = u32_at(p + 4);
            let kind = ((info >> 24) & 0x1f) as u8;
            let vlen = info & 0xffff;
            // Bytes that follow the 12-byte `struct btf_type`, per kind.
            let extra = match kind {
                1 | 14 | 17 => 4,             // INT, VAR, DECL_TAG
                3 => 12,                      // ARRAY
                4 | 5 | 15 | 19 => 12 * vlen, // STRUCT, UNION, DATASEC, ENUM64
                6 | 13 => 8 * vlen,           // ENUM, FUNC_PROTO
                2 | 7..=12 | 16 | 18 => 0,    // PTR, FWD, modifiers, FUNC, FLOAT, TYPE_TAG
                k => panic!("unknown BTF kind {k} at offset {p}"),
            };
            types.push((kind, name(name_off)));
            p += 12 + extra;
        }
        assert_eq!(p, type_off + type_len, "BTF type section overrun");
        Btf { types }
    }

    /// The first ID of a type of this kind and name (what resolve_btfids
    /// and libbpf pick).
    fn id(&self, kind: u8, name: &str) -> u32 {
        self.types
            .iter()
            .position(|(k, n)| *k == kind && n == name)
            .unwrap_or_else(|| panic!("no BTF type of kind {kind} named {name} in {VMLINUX}"))
            as u32
    }

    fn func(&self, name: &str) -> u32 {
        self.id(BTF_KIND_FUNC, name)
    }

    fn kind(&self, id: u32) -> u8 {
        self.types[id as usize].0
    }
}

// ---------------------------------------------------------------------------
// bpf(BPF_PROG_LOAD)
// ---------------------------------------------------------------------------

const BPF_PROG_LOAD: libc::c_long = 5;
/// `BPF_F_SLEEPABLE` of `prog_flags`.
const BPF_F_SLEEPABLE: u32 = 1 << 4;

/// The `BPF_PROG_LOAD` part of `union bpf_attr`, up to `log_true_size`.
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
struct Verdict {
    /// The program fd, closed on drop, when accepted.
    fd: Option<OwnedFd>,
    errno: i32,
    log: String,
}

impl Verdict {
    fn accepted(&self) -> bool {
        self.fd.is_some()
    }
}

/// Loads a sleepable syscall program; never attaches or runs it.
fn prog_load(insns: &[BpfInsn]) -> Verdict {
    let license = c"GPL";
    let mut log = vec![0u8; 1 << 20];
    let mut attr = ProgLoadAttr {
        prog_type: BPF_PROG_TYPE_SYSCALL as u32,
        insn_cnt: insns.len() as u32,
        insns: insns.as_ptr() as u64,
        license: license.as_ptr() as u64,
        log_level: 1,
        log_size: log.len() as u32,
        log_buf: log.as_mut_ptr() as u64,
        prog_flags: BPF_F_SLEEPABLE,
        ..Default::default()
    };
    attr.prog_name[..8].copy_from_slice(b"btf_ids\0");
    // SAFETY: attr is a valid prefix of union bpf_attr for BPF_PROG_LOAD; the
    // pointers it holds (insns, license, log) outlive the call.
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
    let probe = prog_load(&program(&[]));
    if probe.accepted() {
        return Some(());
    }
    let why = match probe.errno {
        libc::EPERM => {
            "bpf(BPF_PROG_LOAD) is not permitted (EPERM): run the tests as root (CAP_BPF)"
        }
        libc::ENOSYS => "bpf() does not exist here (ENOSYS): the kernel lacks CONFIG_BPF_SYSCALL",
        _ => panic!(
            "a sleepable syscall program of `r0 = 0; exit` was refused (errno {}):\n{}",
            probe.errno, probe.log
        ),
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
    let btf = Btf::load(VMLINUX);
    let (lock, unlock) = (
        btf.func("bpf_rcu_read_lock"),
        btf.func("bpf_rcu_read_unlock"),
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
    let btf = Btf::load(VMLINUX);
    let task_struct = btf.id(BTF_KIND_STRUCT, "task_struct");
    assert_ne!(btf.kind(task_struct), BTF_KIND_FUNC);
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
    let btf = Btf::load(VMLINUX);
    let rx_hash = btf.func(XDP_ONLY_KFUNC);
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
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("verifier-resolved");
    std::fs::copy(std::env::current_exe().unwrap(), &copy).unwrap();
    kernel_resolve(&copy, Path::new(VMLINUX), None);
    let out = run(Command::new(&copy).env(CHILD_ENV, "1").args([
        "--exact",
        "model_child",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ]));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("1 passed"),
        "the patched copy ran no check:\n{stdout}"
    );
    print!("{stdout}");
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
    let btf = Btf::load(VMLINUX);
    // kfuncs-a registers the RCU kfuncs on COMMON and kfuncs-b the XDP
    // metadata kfuncs for XDP, as vmlinux does; task_struct is no kfunc.
    let cases = [
        vec![
            btf.func("bpf_rcu_read_lock"),
            btf.func("bpf_rcu_read_unlock"),
        ],
        vec![btf.func(XDP_ONLY_KFUNC)],
        vec![btf.id(BTF_KIND_STRUCT, "task_struct")],
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
