//! The cases: what each module must do in the real kernel.
//!
//! A module's plan ([`ModulePlan`]) is a list of [`Step`]s, each reported as
//! one case `<module>/<step>`: load it, find its BTF, read its registration
//! printks, then one program per [`ProgCase`] (built from the kfunc IDs found
//! in the guest, accepted and run or refused for a stated reason), then
//! unload it.
//!
//! [`RSK_PROGS`] (in `rsk.rs`) are the first kfuncs' cases; [`RULE_PROGS`]
//! (in `rules.rs`) prove docs/kfuncs.md's rule table, one accepted and one
//! refused program per rule at least.
//!
//! To add a case: write a builder `fn(&Ids) -> Result<Vec<BpfInsn>,
//! String>` and add a line to one of the two lists with its program type,
//! sleepability, input and expectation; list its name in a module's plan in
//! [`plans`] if that module is not `rsk` (which runs them all).

mod rsk;
mod rules;

use crate::ids::Ids;
use btf_ids_runtime::insn::BpfInsn;
use btf_ids_runtime::registry::{BpfProgType, BPF_PROG_TYPE_SYSCALL};
pub use rsk::{MYMOD_PROGS, RSK_PROGS};
pub use rules::RULE_PROGS;

/// What the kernel must do with a program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Accept it, and `BPF_PROG_TEST_RUN` must return this `r0`.
    Accept(u32),
    /// Refuse it, with this text somewhere in the verifier log.
    Refuse(&'static str),
    /// Refuse it with this `errno` and no message of its own: the log ends
    /// at the instruction (a call) the verifier stopped at.
    RefuseSilently(i32),
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
    /// A capability taken out of the loader's effective set for the load.
    pub drop_cap: Option<u32>,
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
            drop_cap: None,
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
            drop_cap: None,
        }
    }

    /// The same program, loaded without capability `cap` in effect.
    pub const fn without_cap(mut self, cap: u32) -> Self {
        self.drop_cap = Some(cap);
        self
    }
}

impl std::fmt::Debug for ProgCase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProgCase")
            .field("name", &self.name)
            .field("prog_type", &self.prog_type.name())
            .field("sleepable", &self.sleepable)
            .field("expect", &self.expect)
            .field("drop_cap", &self.drop_cap)
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
    /// (from [`RSK_PROGS`] and [`RULE_PROGS`]), unload.
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
                .chain(RULE_PROGS)
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
    let all: Vec<&str> = RSK_PROGS.iter().chain(RULE_PROGS).map(|p| p.name).collect();
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
    use super::rsk::{memsum, sz_too_big};
    use super::*;
    use crate::ids::Env;
    use btf_ids_runtime::insn::{bpf_class, bpf_op, BPF_CALL, BPF_EXIT, BPF_JMP};
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
            "bpf_rs_task_rcu",
            "bpf_rs_rcu_protected",
            "bpf_rs_sleepable",
            "bpf_rs_destructive",
            "bpf_rs_memsum_k",
            "bpf_rs_scale",
            "bpf_rs_ign",
            "bpf_rs_noign",
            "bpf_rs_dynptr_init",
            "bpf_rs_dynptr_used",
            "bpf_rs_memsum_opt",
            "bpf_rs_task_nullable",
            "bpf_rs_strlen",
            "bpf_rs_map_ptr",
            "bpf_rs_prog",
            "bpf_rs_rdonly_buf",
            "bpf_rs_rdwr_buf",
            "bpf_rs_pair_sum",
            "bpf_rs_pair_make",
            "bpf_iter_rs_new",
            "bpf_iter_rs_next",
            "bpf_iter_rs_destroy",
            "bpf_rs_iter_left",
            "bpf_iter_rsrcu_new",
            "bpf_iter_rsrcu_next",
            "bpf_iter_rsrcu_destroy",
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
            "bpf_rcu_read_lock" => Some(12),
            "bpf_rcu_read_unlock" => Some(13),
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
            (4 + RSK_PROGS.len() + RULE_PROGS.len() + 1)
                + (4 + 1 + 1)
                + (2 + MYMOD_PROGS.len() + 1)
        );
    }

    #[test]
    fn every_program_builds_and_is_well_formed() {
        let module = fake_module();
        let env = Env {
            rodata_map: Some(3),
            array_map: Some(4),
            task_real_parent: Some(1200),
        };
        let ids = Ids::new(Some(&module), &fake_vmlinux).with_env(env);
        for case in RSK_PROGS.iter().chain(RULE_PROGS).chain(MYMOD_PROGS) {
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
                let op = bpf_op(insn.code);
                if bpf_class(insn.code) == BPF_JMP && op != BPF_CALL && op != BPF_EXIT {
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
