//! The record a registry keeps against the replay it stands for: every
//! answer of a registry built with its record equals the answer of the same
//! registry replaying on each query.

extern crate std;

use super::replay::{replay_result, AcceptedRegistrations, RECORDED_MAX};
use super::*;
use crate::flags::{BTF_SET8_KFUNCS, KF_ACQUIRE, KF_ITER_NEW, KF_ITER_NEXT, KF_SLEEPABLE};
use crate::insn::BpfInsn;
use crate::BtfIdSet8Pair;
use std::boxed::Box;
use std::vec::Vec;

/// Denies exactly ID `N` (for a sleepable program only when `N` is odd).
fn deny<const N: u32>(prog: &BpfProg, id: u32) -> i32 {
    if id == N && (N % 2 == 0 || prog.sleepable) {
        -13
    } else {
        0
    }
}

/// More distinct filters than a hook takes.
const FILTERS: [BtfKfuncFilter; 20] = [
    deny::<1>, deny::<2>, deny::<3>, deny::<4>, deny::<5>, deny::<6>, deny::<7>, deny::<8>,
    deny::<9>, deny::<10>, deny::<11>, deny::<12>, deny::<13>, deny::<14>, deny::<15>, deny::<16>,
    deny::<17>, deny::<18>, deny::<19>, deny::<20>,
];

const OWNERS: [Option<&str>; 4] = [None, Some("mod_a"), Some("mod_b"), None];

const PROG_TYPES: [BpfProgType; 8] = [
    BPF_PROG_TYPE_UNSPEC,
    BPF_PROG_TYPE_TRACING,
    BPF_PROG_TYPE_LSM,
    BPF_PROG_TYPE_XDP,
    BPF_PROG_TYPE_SCHED_CLS,
    BPF_PROG_TYPE_SYSCALL,
    BPF_PROG_TYPE_SK_MSG,
    BPF_PROG_TYPE_EXT,
];

const MAX_ID: u32 = 12;

/// xorshift64, so the lists are the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn leak_set(flags: u32, pairs: Vec<BtfIdSet8Pair>) -> &'static KfuncSetData<'static> {
    Box::leak(Box::new(KfuncSetData {
        flags,
        pairs: pairs.leak(),
    }))
}

/// A random registration; `crowded` ones (1 or 2: on that many hooks)
/// mostly go to vmlinux's table, with a filter, to reach the per-hook
/// limits.
fn random_registration(rng: &mut Rng, crowded: usize) -> KfuncRegistration {
    let len = match rng.below(10) {
        0 => 0,
        1 => 100 + rng.below(100),
        _ => 1 + rng.below(4),
    };
    // A big set is never refused for its entries, so it can fill a hook.
    let clean = len >= 100;
    let pairs = (0..len)
        .map(|_| BtfIdSet8Pair {
            id: if !clean && rng.below(30) == 0 {
                0
            } else {
                1 + rng.below(MAX_ID as usize) as u32
            },
            flags: [
                0,
                KF_SLEEPABLE,
                KF_ACQUIRE,
                KF_ITER_NEW,
                KF_ITER_NEW | KF_ITER_NEXT,
            ][{
                // Now and then two iterator flags, which is refused.
                let kinds = if !clean && rng.below(8) == 0 { 5 } else { 4 };
                rng.below(kinds)
            }],
        })
        .collect();
    let flags = if rng.below(25) == 0 {
        0
    } else {
        BTF_SET8_KFUNCS
    };
    let set = leak_set(flags, pairs);
    let filter = match rng.below(3) {
        0 if crowded == 0 => None,
        _ => Some(FILTERS[rng.below(FILTERS.len())]),
    };
    let kset: &'static BtfKfuncIdSet = Box::leak(Box::new(BtfKfuncIdSet {
        owner: if crowded > 0 && rng.below(4) != 0 {
            None
        } else {
            OWNERS[rng.below(OWNERS.len())]
        },
        set,
        filter,
    }));
    let name: &'static str = Box::leak(std::format!("reg{}", rng.next() % 1000).into_boxed_str());
    let types = if crowded > 0 {
        crowded
    } else {
        PROG_TYPES.len()
    };
    KfuncRegistration::new(PROG_TYPES[rng.below(types)], kset, name)
}

fn names<'a>(it: impl Iterator<Item = &'a KfuncRegistration>) -> Vec<&'static str> {
    it.map(|r| r.name).collect()
}

/// Every query, asked of both registries.
fn assert_same_answers(recorded: &KfuncRegistry<'_>, replaying: &KfuncRegistry<'_>) {
    let results = |r: &KfuncRegistry<'_>| {
        r.register_results()
            .map(|(reg, res)| (reg.name, res))
            .collect::<Vec<_>>()
    };
    assert_eq!(results(recorded), results(replaying));
    for i in 0..=recorded.registrations().len() {
        assert_eq!(recorded.register_result(i), replaying.register_result(i));
    }
    assert_eq!(
        recorded.check_registrations().map_err(|(r, e)| (r.name, e)),
        replaying
            .check_registrations()
            .map_err(|(r, e)| (r.name, e))
    );
    let owners = recorded.owners().collect::<Vec<_>>();
    assert_eq!(owners, replaying.owners().collect::<Vec<_>>());
    for hook in KfuncHook::ALL {
        assert_eq!(
            names(recorded.hook_registrations(hook)),
            names(replaying.hook_registrations(hook))
        );
        assert_eq!(recorded.hook_len(hook), replaying.hook_len(hook));
    }
    let progs = [
        BpfProg::new(BPF_PROG_TYPE_TRACING),
        BpfProg::new(BPF_PROG_TYPE_XDP).sleepable(),
        BpfProg::new(BPF_PROG_TYPE_EXT).extending(BPF_PROG_TYPE_SYSCALL),
    ];
    for id in 0..=MAX_ID + 1 {
        assert_eq!(recorded.hooks_of(id), replaying.hooks_of(id));
        for hook in KfuncHook::ALL {
            assert_eq!(
                recorded.hook_flags(hook, id),
                replaying.hook_flags(hook, id)
            );
        }
        for prog in &progs {
            assert_eq!(
                recorded.btf_kfunc_id_set_contains(id, prog),
                replaying.btf_kfunc_id_set_contains(id, prog)
            );
            let insn = BpfInsn::kfunc_call(id, 0);
            assert_eq!(
                recorded.check_kfunc_call(&insn, prog),
                replaying.check_kfunc_call(&insn, prog)
            );
            let hooks = [
                Some(KfuncHook::Common),
                prog.resolve_prog_type().kfunc_hook(),
            ];
            for owner in &owners {
                for hook in hooks.into_iter().flatten() {
                    assert_eq!(
                        recorded.hook_answer(*owner, hook, id, prog),
                        replaying.hook_answer(*owner, hook, id, prog)
                    );
                }
            }
        }
    }
}

#[test]
fn the_record_gives_the_answers_of_the_replay() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut seen = [false; 7];
    for round in 0..120 {
        let crowded = [1, 0, 2, 0][round % 4];
        let n = rng.below(if crowded > 0 { 60 } else { 28 });
        let regs: &'static [KfuncRegistration] = Box::leak(
            (0..n)
                .map(|_| random_registration(&mut rng, crowded))
                .collect::<Vec<_>>()
                .into_boxed_slice(),
        );
        let record = AcceptedRegistrations::replay(regs).unwrap();
        for i in 0..regs.len() {
            let result = replay_result(regs, i);
            assert_eq!(record.is_accepted(i), result.is_ok());
            if let Err(e) = result {
                seen[match e {
                    RegisterError::NotKfuncSet => 0,
                    RegisterError::NoKfuncHook(_) => 1,
                    RegisterError::UnresolvedEntry { .. } => 2,
                    RegisterError::IterFlags { .. } => 3,
                    RegisterError::TooManyFilters(_) => 4,
                    RegisterError::ModuleHookTaken(_) => 5,
                    RegisterError::TooManyKfuncs { .. } => 6,
                }] = true;
            }
        }
        let recorded = KfuncRegistry::from_parts(regs, &[]);
        assert_same_answers(&recorded, &recorded.replaying());
    }
    // The lists hit every refusal, not only acceptances.
    assert_eq!(seen, [true; 7]);
}

#[test]
fn more_registrations_than_the_record_holds_are_replayed() {
    let set = leak_set(BTF_SET8_KFUNCS, Vec::new());
    let regs: &'static [KfuncRegistration] = Box::leak(
        (0..=RECORDED_MAX as u32)
            .map(|i| {
                let set = leak_set(
                    set.flags,
                    std::vec![BtfIdSet8Pair {
                        id: i + 1,
                        flags: 0
                    }],
                );
                let kset: &'static BtfKfuncIdSet = Box::leak(Box::new(BtfKfuncIdSet::new(set)));
                KfuncRegistration::new(BPF_PROG_TYPE_XDP, kset, "one")
            })
            .collect::<Vec<_>>()
            .into_boxed_slice(),
    );
    assert!(AcceptedRegistrations::replay(regs).is_none());
    assert!(AcceptedRegistrations::replay(&regs[..RECORDED_MAX]).is_some());
    let registry = KfuncRegistry::from_parts(regs, &[]);
    assert_eq!(registry.hook_len(KfuncHook::Xdp), BTF_KFUNC_SET_MAX_CNT);
    let too_many = Err(RegisterError::TooManyKfuncs {
        hook: KfuncHook::Xdp,
        registered: BTF_KFUNC_SET_MAX_CNT,
        adding: 1,
    });
    assert_eq!(
        registry.register_result(BTF_KFUNC_SET_MAX_CNT),
        Some(too_many)
    );
    assert_eq!(registry.register_result(RECORDED_MAX), Some(too_many));
    assert_eq!(registry.owners().collect::<Vec<_>>(), [None]);
    let prog = BpfProg::new(BPF_PROG_TYPE_XDP);
    assert_eq!(registry.btf_kfunc_id_set_contains(1, &prog), Some(0));
    assert_eq!(registry.btf_kfunc_id_set_contains(257, &prog), None);
}
