//! The cases: what each module must do in the real kernel.
//!
//! A module's plan ([`ModulePlan`]) is a list of [`Step`]s, each reported as
//! one case `<module>/<step>`: load it, find its BTF, read its registration
//! printks, then one program per [`ProgCase`] (built from the kfunc IDs found
//! in the guest, accepted and run or refused for a stated reason), then
//! unload it.
//!
//! To add a rule case: write a builder `fn(&Ids) -> Result<Vec<BpfInsn>,
//! String>` and add a line to [`RSK_PROGS`] with its program type,
//! sleepability, input and expectation; list its name in a module's plan in
//! [`plans`] if that module is not `rsk` (which runs them all).

use crate::asm::*;
use crate::ids::Ids;
use btf_ids_runtime::insn::{BpfInsn, BPF_DW};
use btf_ids_runtime::registry::{
    BpfProgType, BPF_PROG_TYPE_SCHED_CLS, BPF_PROG_TYPE_SYSCALL, BPF_PROG_TYPE_XDP,
};

/// What the kernel must do with a program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Accept it, and `BPF_PROG_TEST_RUN` must return this `r0`.
    Accept(u32),
    /// Refuse it, with this text somewhere in the verifier log.
    Refuse(&'static str),
}

/// What a program is run with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// Nothing (`BPF_PROG_TYPE_SYSCALL`).
    None,
    /// A 64-byte IPv4-over-Ethernet packet as `data_in` (packet programs
    /// need at least an Ethernet header, 14 bytes).
    Packet,
}

/// A program builder: the instructions, from the kfunc IDs of the guest.
pub type Build = fn(&Ids) -> Result<Vec<BpfInsn>, String>;

/// One program the verifier judges.
#[derive(Clone, Copy)]
pub struct ProgCase {
    /// The case name within the module (`add` makes `rsk/add`).
    pub name: &'static str,
    /// The program type.
    pub prog_type: BpfProgType,
    /// Whether it is loaded with `BPF_F_SLEEPABLE`.
    pub sleepable: bool,
    /// What it runs on when accepted.
    pub input: Input,
    /// Its instructions.
    pub build: Build,
    /// The verdict the kernel must give.
    pub expect: Expect,
}

impl ProgCase {
    /// A sleepable `BPF_PROG_TYPE_SYSCALL` program (6.12 refuses syscall
    /// programs that are not sleepable).
    pub const fn syscall(name: &'static str, build: Build, expect: Expect) -> Self {
        ProgCase {
            name,
            prog_type: BPF_PROG_TYPE_SYSCALL,
            sleepable: true,
            input: Input::None,
            build,
            expect,
        }
    }

    /// A non-sleepable packet program of `prog_type`, run on a packet.
    pub const fn packet(
        name: &'static str,
        prog_type: BpfProgType,
        build: Build,
        expect: Expect,
    ) -> Self {
        ProgCase {
            name,
            prog_type,
            sleepable: false,
            input: Input::Packet,
            build,
            expect,
        }
    }
}

impl std::fmt::Debug for ProgCase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProgCase")
            .field("name", &self.name)
            .field("prog_type", &self.prog_type.name())
            .field("sleepable", &self.sleepable)
            .field("expect", &self.expect)
            .finish()
    }
}

/// One reported step of a module's plan.
#[derive(Debug, Clone, Copy)]
pub enum Step {
    /// `finit_module` of `/modules/<module>.ko` succeeds.
    Load,
    /// `/sys/kernel/btf/<module>` exists, parses as split BTF, and the
    /// module's BTF object can be opened.
    Btf,
    /// The module printed `<module>: register <hook> = 0`.
    Register(&'static str),
    /// A program.
    Prog(&'static ProgCase),
    /// `delete_module` succeeds (after the programs' references drained).
    Unload,
}

impl Step {
    /// The step's part of the case name.
    pub fn name(&self) -> String {
        match self {
            Step::Load => "load".into(),
            Step::Btf => "btf".into(),
            Step::Register(hook) => format!("register-{}", hook.to_lowercase().replace('_', "-")),
            Step::Prog(p) => p.name.into(),
            Step::Unload => "unload".into(),
        }
    }
}

/// A module and its steps.
#[derive(Debug, Clone)]
pub struct ModulePlan {
    /// The module's name (`/modules/<module>.ko`).
    pub module: &'static str,
    /// Its steps, in order.
    pub steps: Vec<Step>,
}

impl ModulePlan {
    /// The case name of `step`: `<module>/<step>`.
    pub fn case_name(&self, step: &Step) -> String {
        format!("{}/{}", self.module, step.name())
    }

    /// The usual plan: load, BTF, both registrations, the programs named
    /// (from [`RSK_PROGS`]), unload.
    pub fn standard(module: &'static str, progs: &[&str]) -> Self {
        let mut steps = vec![
            Step::Load,
            Step::Btf,
            Step::Register("SYSCALL"),
            Step::Register("SCHED_CLS"),
        ];
        for name in progs {
            let p = RSK_PROGS
                .iter()
                .find(|p| p.name == *name)
                .unwrap_or_else(|| panic!("no program case named {name}"));
            steps.push(Step::Prog(p));
        }
        steps.push(Step::Unload);
        ModulePlan { module, steps }
    }
}

/// Every module's plan, in the order they run.
pub fn plans() -> Vec<ModulePlan> {
    let all: Vec<&str> = RSK_PROGS.iter().map(|p| p.name).collect();
    vec![
        // The Rust-only module: every program case.
        ModulePlan::standard("rsk", &all),
        // The same Rust kfuncs behind a C shim's init.
        ModulePlan::standard("rsk_shim", &["add"]),
        // tests/doc-module, written from docs/modules.md alone: its init
        // returns the registration's result, so a load that succeeds and a
        // call the verifier takes show that it registered.
        ModulePlan {
            module: "mymod",
            steps: [Step::Load, Step::Btf]
                .into_iter()
                .chain(MYMOD_PROGS.iter().map(Step::Prog))
                .chain([Step::Unload])
                .collect(),
        },
    ]
}

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
fn add_through(ids: &Ids, kfunc: &str) -> Result<Vec<BpfInsn>, String> {
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
fn task_through(ids: &Ids, kfunc: &str) -> Result<Vec<BpfInsn>, String> {
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
fn memsum_of(ids: &Ids, size: i32) -> Result<Vec<BpfInsn>, String> {
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
fn memsum(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
    memsum_of(ids, 8)
}

/// `bpf_rs_memsum` told `buf__sz = 64` over an 8-byte buffer.
fn sz_too_big(ids: &Ids) -> Result<Vec<BpfInsn>, String> {
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

/// The packet of [`Input::Packet`]: broadcast Ethernet, IPv4 type, zeros.
pub fn packet() -> Vec<u8> {
    let mut p = vec![0u8; 64];
    p[..6].fill(0xff);
    p[6..12].copy_from_slice(&[0x02, 0, 0, 0, 0, 1]);
    p[12..14].copy_from_slice(&0x0800u16.to_be_bytes());
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeSet, HashMap};

    /// Every kfunc of the contract, with made-up IDs.
    fn fake_module() -> HashMap<String, u32> {
        [
            "bpf_rs_add",
            "bpf_rs_obj_new",
            "bpf_rs_obj_value",
            "bpf_rs_obj_release",
            "bpf_rs_task_nonnull",
            "bpf_rs_memsum",
            "bpf_rs_filtered",
            "mymod_add",
            "mymod_is_task",
        ]
        .iter()
        .enumerate()
        .map(|(i, n)| (n.to_string(), 100_000 + i as u32))
        .collect()
    }

    fn fake_vmlinux(name: &str) -> Option<u32> {
        match name {
            "bpf_task_from_pid" => Some(10),
            "bpf_task_release" => Some(11),
            _ => None,
        }
    }

    #[test]
    fn case_names_are_unique_and_well_formed() {
        let mut seen = BTreeSet::new();
        for plan in plans() {
            for step in &plan.steps {
                let name = plan.case_name(step);
                assert!(!name.contains([' ', ':']), "{name}");
                assert!(seen.insert(name.clone()), "{name} twice");
            }
            assert!(matches!(plan.steps.first(), Some(Step::Load)));
            assert!(matches!(plan.steps.last(), Some(Step::Unload)));
        }
        assert!(seen.contains("rsk/register-sched-cls"));
        assert!(seen.contains("rsk_shim/add"));
        assert!(seen.contains("mymod/task"));
        assert_eq!(
            seen.len(),
            (4 + RSK_PROGS.len() + 1) + (4 + 1 + 1) + (2 + MYMOD_PROGS.len() + 1)
        );
    }

    #[test]
    fn every_program_builds_and_is_well_formed() {
        let module = fake_module();
        let ids = Ids::new(Some(&module), &fake_vmlinux);
        for case in RSK_PROGS.iter().chain(MYMOD_PROGS) {
            let insns = (case.build)(&ids).unwrap_or_else(|e| panic!("{}: {e}", case.name));
            assert_eq!(insns.last(), Some(&BpfInsn::exit()), "{}", case.name);
            for (i, insn) in insns.iter().enumerate() {
                if let Some(k) = insn.as_kfunc_call() {
                    let vmlinux = fake_vmlinux_id(k.btf_id);
                    assert_eq!(
                        k.fd_array_index,
                        if vmlinux { 0 } else { 1 },
                        "{} {i}",
                        case.name
                    );
                }
                // Jumps stay inside the program.
                if insn.code == (btf_ids_runtime::insn::BPF_JMP | BPF_JNE) {
                    let to = i as i64 + 1 + insn.off as i64;
                    assert!((0..insns.len() as i64).contains(&to), "{} {i}", case.name);
                }
            }
            // Sleepable exactly for syscall programs; packets for the rest.
            assert_eq!(case.sleepable, case.prog_type == BPF_PROG_TYPE_SYSCALL);
            assert_eq!(case.input == Input::Packet, !case.sleepable);
        }
        // Without the module's BTF the builders say which name is missing.
        let none = Ids::new(None, &fake_vmlinux);
        let e = (RSK_PROGS[0].build)(&none).unwrap_err();
        assert!(e.contains("bpf_rs_add"), "{e}");
    }

    fn fake_vmlinux_id(id: u32) -> bool {
        id < 100_000
    }

    #[test]
    fn memsum_stores_one_to_eight() {
        let module = fake_module();
        let ids = Ids::new(Some(&module), &fake_vmlinux);
        let p = memsum(&ids).unwrap();
        let lo = p[0].imm as u32 as u64;
        let hi = p[1].imm as u32 as u64;
        let bytes = (lo | hi << 32).to_le_bytes();
        assert_eq!(bytes.iter().map(|&b| b as u32).sum::<u32>(), 36);
        assert_eq!(p[5].imm, 8);
        assert_eq!(sz_too_big(&ids).unwrap()[5].imm, 64);
    }

    #[test]
    fn the_packet_has_an_ethernet_header() {
        let p = packet();
        assert!(p.len() >= 14);
        assert_eq!(&p[12..14], &[0x08, 0x00]);
    }
}
