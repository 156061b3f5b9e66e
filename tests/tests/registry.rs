//! The kfunc registry and the verifier-style call check.
//!
//! Two kinds of tests:
//!
//! * model tests on sets built here (limits, filters, hook order), and on the
//!   sets of `kfuncs-a` and `kfuncs-b` as this test binary holds them before
//!   any resolver ran (every count 0);
//! * `resolved_sets_from_two_crates`: a copy of this very test binary is
//!   patched by the kernel's resolve_btfids against /sys/kernel/btf/vmlinux,
//!   then runs `resolved_child`, which checks the registry built from the
//!   real, resolved sets of the two crates. Expected IDs come from bpftool's
//!   dump of the same BTF, not from our own code.

use btf_ids_runtime::flags::*;
use btf_ids_runtime::insn::{BpfInsn, NotKfuncCall};
use btf_ids_runtime::registry::*;
use btf_ids_runtime::BtfIdSet8Pair;
use btf_ids_tests::{run_in_resolved_copy, vmlinux_btf, BtfKind, BtfNames};

/// Set in the environment of the patched copy.
const CHILD_ENV: &str = "BTF_IDS_REGISTRY_RESOLVED_COPY";

// ---------------------------------------------------------------------------
// Sets made of data, for the model tests
// ---------------------------------------------------------------------------

// `KfuncSetData` over leaked pairs.

/// A leaked kfunc set of `(id, flags)` pairs.
fn kset(pairs: &[(u32, u32)], filter: Option<BtfKfuncFilter>) -> &'static BtfKfuncIdSet {
    let pairs: Vec<BtfIdSet8Pair> = pairs
        .iter()
        .map(|&(id, flags)| BtfIdSet8Pair { id, flags })
        .collect();
    let set: &'static KfuncSetData = Box::leak(Box::new(KfuncSetData {
        flags: BTF_SET8_KFUNCS,
        pairs: pairs.leak(),
    }));
    Box::leak(Box::new(BtfKfuncIdSet {
        owner: None,
        set,
        filter,
    }))
}

fn reg(
    prog_type: BpfProgType,
    kset: &'static BtfKfuncIdSet,
    name: &'static str,
) -> KfuncRegistration {
    KfuncRegistration::new(prog_type, kset, name)
}

fn registry(regs: Vec<KfuncRegistration>) -> KfuncRegistry<'static> {
    KfuncRegistry::from_parts(Box::leak(regs.into_boxed_slice()), &[])
}

/// Denies exactly ID `N`.
fn deny<const N: u32>(_: &BpfProg, id: u32) -> i32 {
    if id == N {
        -13
    } else {
        0
    }
}

/// Denies every ID, its own or not.
fn deny_all(_: &BpfProg, _: u32) -> i32 {
    -1
}

fn call(id: u32) -> BpfInsn {
    // Through bytes, as a loader would read them from an object file.
    BpfInsn::from_bytes(BpfInsn::kfunc_call(id, 0).to_bytes())
}

// ---------------------------------------------------------------------------
// Program types and hooks
// ---------------------------------------------------------------------------

#[test]
fn prog_types_have_the_kernel_values_and_hooks() {
    assert_eq!(BpfProgType::ALL.len(), 33);
    for (i, t) in BpfProgType::ALL.into_iter().enumerate() {
        assert_eq!(t as usize, i);
        assert_eq!(BpfProgType::from_raw(i as u32), Some(t));
        assert!(t.name().starts_with("BPF_PROG_TYPE_"));
    }
    assert_eq!(BpfProgType::from_raw(MAX_BPF_PROG_TYPE), None);
    // The table of bpf_prog_type_to_kfunc_hook (KERNEL-FACTS.md section 4).
    let table: [(KfuncHook, &[BpfProgType]); 13] = [
        (KfuncHook::Common, &[BPF_PROG_TYPE_UNSPEC]),
        (KfuncHook::Xdp, &[BPF_PROG_TYPE_XDP]),
        (KfuncHook::Tc, &[BPF_PROG_TYPE_SCHED_CLS]),
        (KfuncHook::StructOps, &[BPF_PROG_TYPE_STRUCT_OPS]),
        (
            KfuncHook::Tracing,
            &[
                BPF_PROG_TYPE_TRACING,
                BPF_PROG_TYPE_TRACEPOINT,
                BPF_PROG_TYPE_RAW_TRACEPOINT,
                BPF_PROG_TYPE_PERF_EVENT,
                BPF_PROG_TYPE_LSM,
            ],
        ),
        (KfuncHook::Syscall, &[BPF_PROG_TYPE_SYSCALL]),
        (
            KfuncHook::Cgroup,
            &[
                BPF_PROG_TYPE_CGROUP_SKB,
                BPF_PROG_TYPE_CGROUP_SOCK,
                BPF_PROG_TYPE_CGROUP_DEVICE,
                BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
                BPF_PROG_TYPE_CGROUP_SOCKOPT,
                BPF_PROG_TYPE_CGROUP_SYSCTL,
                BPF_PROG_TYPE_SOCK_OPS,
            ],
        ),
        (KfuncHook::SchedAct, &[BPF_PROG_TYPE_SCHED_ACT]),
        (KfuncHook::SkSkb, &[BPF_PROG_TYPE_SK_SKB]),
        (KfuncHook::SocketFilter, &[BPF_PROG_TYPE_SOCKET_FILTER]),
        (
            KfuncHook::Lwt,
            &[
                BPF_PROG_TYPE_LWT_IN,
                BPF_PROG_TYPE_LWT_OUT,
                BPF_PROG_TYPE_LWT_XMIT,
                BPF_PROG_TYPE_LWT_SEG6LOCAL,
            ],
        ),
        (KfuncHook::Netfilter, &[BPF_PROG_TYPE_NETFILTER]),
        (KfuncHook::Kprobe, &[BPF_PROG_TYPE_KPROBE]),
    ];
    let mut mapped = 0;
    for (hook, types) in table {
        for &t in types {
            assert_eq!(bpf_prog_type_to_kfunc_hook(t), Some(hook), "{t}");
            mapped += 1;
        }
    }
    let unmapped: Vec<_> = BpfProgType::ALL
        .into_iter()
        .filter(|t| t.kfunc_hook().is_none())
        .collect();
    assert_eq!(mapped + unmapped.len(), 33);
    assert!(unmapped.contains(&BPF_PROG_TYPE_SK_MSG));
    assert!(unmapped.contains(&BPF_PROG_TYPE_EXT));
    // FMODRET has no program type; hooks are in enum order.
    assert_eq!(KfuncHook::Fmodret.prog_types().count(), 0);
    for (i, h) in KfuncHook::ALL.into_iter().enumerate() {
        assert_eq!(h as usize, i);
    }
}

// ---------------------------------------------------------------------------
// Model: the sets of kfuncs-a and kfuncs-b before any resolver ran
// ---------------------------------------------------------------------------

#[test]
fn unresolved_sets_of_two_crates_register_nothing() {
    if std::env::var_os(CHILD_ENV).is_some() {
        return; // the patched copy runs resolved_child only
    }
    let registry = KfuncRegistry::global();
    let mut expected: Vec<(BpfProgType, String)> = Vec::new();
    for (t, name) in kfuncs_a::REGISTRATIONS {
        expected.push((t, format!("kfuncs_a::{name}")));
    }
    for (t, name) in kfuncs_b::REGISTRATIONS {
        expected.push((t, format!("kfuncs_b::{name}")));
    }
    let mut got: Vec<(BpfProgType, String)> = registry
        .registrations()
        .iter()
        .map(|r| (r.prog_type, r.name.to_owned()))
        .collect();
    expected.sort();
    got.sort();
    assert_eq!(got, expected, "registrations collected from both crates");

    // Every count is still 0.
    assert_eq!(kfuncs_a::TASK_KFUNCS.len(), 0);
    assert_eq!(kfuncs_a::TASK_KFUNCS.capacity(), 2);
    assert_eq!(kfuncs_b::CGROUP_KFUNCS.len(), 0);
    // Refusals that need no ID: a plain set8 and a type without hook.
    for (r, result) in registry.register_results() {
        let want = match r.name {
            "kfuncs_b::NOT_KFUNC_SET" => Err(RegisterError::NotKfuncSet),
            "kfuncs_b::SK_MSG_KFUNC_SET" => Err(RegisterError::NoKfuncHook(BPF_PROG_TYPE_SK_MSG)),
            // Empty sets are accepted and add nothing (btf_populate_kfunc_set).
            _ => Ok(()),
        };
        assert_eq!(result, want, "{}", r.name);
    }
    for hook in KfuncHook::ALL {
        assert_eq!(registry.hook_len(hook), 0, "{hook}");
    }
    let prog = BpfProg::new(BPF_PROG_TYPE_TRACING);
    for id in [0, 1, 114, 65886] {
        assert_eq!(registry.btf_kfunc_id_set_contains(id, &prog), None);
        assert_eq!(
            check_kfunc_call(&call(id), &prog),
            Err(CallRefused::UnknownId { btf_id: id })
        );
    }
    // Name tables exist, with no ID to name yet.
    assert_eq!(kfuncs_a::names::TABLE.names.len(), 4);
    assert_eq!(registry.kfunc_name(0), None);
}

// ---------------------------------------------------------------------------
// Model: rules on data sets
// ---------------------------------------------------------------------------

#[test]
fn common_hook_first_then_the_program_types_hook() {
    let common = kset(&[(10, KF_RCU)], None);
    let tracing = kset(&[(10, KF_ACQUIRE), (20, KF_RELEASE)], None);
    let xdp = kset(&[(30, 0)], None);
    let r = registry(vec![
        reg(BPF_PROG_TYPE_TRACING, tracing, "tracing"),
        reg(BPF_PROG_TYPE_UNSPEC, common, "common"),
        reg(BPF_PROG_TYPE_XDP, xdp, "xdp"),
    ]);
    let lsm = BpfProg::new(BPF_PROG_TYPE_LSM);
    // Found on COMMON first: COMMON's flags win.
    assert_eq!(r.btf_kfunc_id_set_contains(10, &lsm), Some(KF_RCU));
    let info = r.check_kfunc_call(&call(10), &lsm).unwrap();
    assert_eq!(
        (info.hook, info.registration),
        (KfuncHook::Common, "common")
    );
    assert_eq!(r.btf_kfunc_id_set_contains(20, &lsm), Some(KF_RELEASE));
    assert_eq!(
        r.check_kfunc_call(&call(30), &lsm),
        Err(CallRefused::NotAllowed {
            btf_id: 30,
            name: None,
            prog_type: BPF_PROG_TYPE_LSM,
            registered_on: KfuncHooks::EMPTY.with(KfuncHook::Xdp),
        })
    );
    assert_eq!(
        r.check_kfunc_call(&call(40), &lsm),
        Err(CallRefused::UnknownId { btf_id: 40 })
    );
    // A type without hook still sees COMMON.
    let sk_msg = BpfProg::new(BPF_PROG_TYPE_SK_MSG);
    assert_eq!(r.btf_kfunc_id_set_contains(10, &sk_msg), Some(KF_RCU));
    assert_eq!(r.btf_kfunc_id_set_contains(20, &sk_msg), None);
    // An extension takes its target's type.
    let ext = BpfProg::new(BPF_PROG_TYPE_EXT).extending(BPF_PROG_TYPE_XDP);
    assert_eq!(r.btf_kfunc_id_set_contains(30, &ext), Some(0));
    assert_eq!(
        r.btf_kfunc_id_set_contains(30, &BpfProg::new(BPF_PROG_TYPE_EXT)),
        None
    );
    assert_eq!(
        r.hooks_of(10),
        KfuncHooks::EMPTY
            .with(KfuncHook::Common)
            .with(KfuncHook::Tracing)
    );
}

#[test]
fn filters_run_for_every_kfunc_of_their_hook() {
    let own = kset(&[(1, 0), (2, 0)], Some(deny::<2>));
    let other = kset(&[(3, 0)], None);
    let common = kset(&[(5, 0)], Some(deny::<5>));
    let r = registry(vec![
        reg(BPF_PROG_TYPE_TRACING, own, "own"),
        reg(BPF_PROG_TYPE_TRACING, other, "other"),
        reg(BPF_PROG_TYPE_UNSPEC, common, "common"),
        reg(
            BPF_PROG_TYPE_TRACING,
            kset(&[(5, KF_RCU)], None),
            "tracing5",
        ),
    ]);
    let prog = BpfProg::new(BPF_PROG_TYPE_TRACING);
    assert_eq!(r.btf_kfunc_id_set_contains(1, &prog), Some(0));
    assert_eq!(r.btf_kfunc_id_set_contains(3, &prog), Some(0));
    assert_eq!(
        r.check_kfunc_call(&call(2), &prog),
        Err(CallRefused::Filtered {
            btf_id: 2,
            name: None,
            hook: KfuncHook::Tracing,
            registration: "own",
            ret: -13,
        })
    );
    // COMMON's filter denies 5 there; the lookup goes on to TRACING.
    assert_eq!(
        r.hook_answer(None, KfuncHook::Common, 5, &prog),
        HookAnswer::Filtered {
            registration: "common",
            ret: -13,
            in_set: true
        }
    );
    let info = r.check_kfunc_call(&call(5), &prog).unwrap();
    assert_eq!((info.flags, info.hook), (KF_RCU, KfuncHook::Tracing));
    // Denied on COMMON, absent elsewhere: reported as filtered.
    let xdp = BpfProg::new(BPF_PROG_TYPE_XDP);
    assert!(matches!(
        r.check_kfunc_call(&call(5), &xdp),
        Err(CallRefused::Filtered {
            hook: KfuncHook::Common,
            ..
        })
    ));

    // A filter that denies everything hides its whole hook, other sets too.
    let greedy = registry(vec![
        reg(BPF_PROG_TYPE_TRACING, kset(&[(3, 0)], None), "other"),
        reg(
            BPF_PROG_TYPE_TRACING,
            kset(&[(1, 0)], Some(deny_all)),
            "greedy",
        ),
    ]);
    assert_eq!(greedy.btf_kfunc_id_set_contains(3, &prog), None);
    let refused = greedy.check_kfunc_call(&call(3), &prog).unwrap_err();
    assert!(matches!(
        refused,
        CallRefused::Filtered {
            registration: "greedy",
            ..
        }
    ));
    assert!(
        refused.to_string().contains("filter of greedy"),
        "{refused}"
    );
    // Other hooks are not affected.
    let greedy_syscall = registry(vec![
        reg(BPF_PROG_TYPE_SYSCALL, kset(&[(3, 0)], None), "other"),
        reg(
            BPF_PROG_TYPE_TRACING,
            kset(&[(1, 0)], Some(deny_all)),
            "greedy",
        ),
    ]);
    let syscall = BpfProg::new(BPF_PROG_TYPE_SYSCALL);
    assert_eq!(
        greedy_syscall.btf_kfunc_id_set_contains(3, &syscall),
        Some(0)
    );
}

/// A leaked kfunc set owned by module `owner`.
fn module_kset(
    owner: &'static str,
    pairs: &[(u32, u32)],
    filter: Option<BtfKfuncFilter>,
) -> &'static BtfKfuncIdSet {
    Box::leak(Box::new(kset(pairs, filter).with_owner(owner)))
}

#[test]
fn each_module_has_its_own_table() {
    let r = registry(vec![
        reg(
            BPF_PROG_TYPE_TRACING,
            module_kset("m", &[(1, 0)], Some(deny_all)),
            "m1",
        ),
        reg(BPF_PROG_TYPE_TRACING, kset(&[(3, 0)], None), "vmlinux"),
        reg(BPF_PROG_TYPE_LSM, module_kset("m", &[(2, 0)], None), "m2"),
        reg(
            BPF_PROG_TYPE_SYSCALL,
            module_kset("m", &[(2, 0)], None),
            "m2 syscall",
        ),
        reg(
            BPF_PROG_TYPE_TRACING,
            module_kset("n", &[(4, 0)], None),
            "n",
        ),
    ]);
    let results: Vec<_> = r.register_results().map(|(r, res)| (r.name, res)).collect();
    assert_eq!(
        results,
        [
            ("m1", Ok(())),
            ("vmlinux", Ok(())),
            // LSM maps to the TRACING hook, which module m already holds.
            (
                "m2",
                Err(RegisterError::ModuleHookTaken(KfuncHook::Tracing))
            ),
            ("m2 syscall", Ok(())),
            ("n", Ok(())),
        ]
    );
    assert_eq!(r.owners().collect::<Vec<_>>(), [None, Some("m"), Some("n")]);
    let prog = BpfProg::new(BPF_PROG_TYPE_TRACING);
    // m's filter guards m's table only.
    assert_eq!(r.btf_kfunc_id_set_contains(3, &prog), Some(0));
    assert_eq!(r.btf_kfunc_id_set_contains(4, &prog), Some(0));
    assert!(matches!(
        r.check_kfunc_call(&call(1), &prog),
        Err(CallRefused::Filtered {
            registration: "m1",
            ..
        })
    ));
    assert_eq!(
        r.hook_answer(Some("m"), KfuncHook::Tracing, 3, &prog),
        HookAnswer::Filtered {
            registration: "m1",
            ret: -1,
            in_set: false
        }
    );
    assert_eq!(
        r.hook_answer(None, KfuncHook::Tracing, 3, &prog),
        HookAnswer::Allowed {
            flags: 0,
            registration: "vmlinux"
        }
    );
    let syscall = BpfProg::new(BPF_PROG_TYPE_SYSCALL);
    assert_eq!(r.btf_kfunc_id_set_contains(2, &syscall), Some(0));
    assert_eq!(
        r.btf_kfunc_id_set_contains(2, &BpfProg::new(BPF_PROG_TYPE_LSM)),
        None
    );
}

#[test]
fn empty_sets_add_no_filter() {
    let r = registry(vec![
        reg(BPF_PROG_TYPE_TRACING, kset(&[], Some(deny_all)), "empty"),
        reg(BPF_PROG_TYPE_TRACING, kset(&[(7, 0)], None), "seven"),
    ]);
    assert!(r.check_registrations().is_ok());
    assert_eq!(r.hook_len(KfuncHook::Tracing), 1);
    let prog = BpfProg::new(BPF_PROG_TYPE_TRACING);
    assert_eq!(r.btf_kfunc_id_set_contains(7, &prog), Some(0));
}

#[test]
fn at_most_256_kfuncs_per_hook() {
    let ids = |from: u32, n: u32| (from..from + n).map(|id| (id, 0)).collect::<Vec<_>>();
    let r = registry(vec![
        reg(BPF_PROG_TYPE_TRACING, kset(&ids(1000, 200), None), "first"),
        reg(BPF_PROG_TYPE_LSM, kset(&ids(2000, 57), None), "second"),
        reg(BPF_PROG_TYPE_XDP, kset(&ids(3000, 256), None), "xdp"),
        reg(
            BPF_PROG_TYPE_TRACEPOINT,
            kset(&ids(4000, 56), None),
            "third",
        ),
    ]);
    let results: Vec<_> = r.register_results().map(|(_, res)| res).collect();
    assert_eq!(
        results,
        [
            Ok(()),
            Err(RegisterError::TooManyKfuncs {
                hook: KfuncHook::Tracing,
                registered: 200,
                adding: 57
            }),
            Ok(()),
            Ok(()),
        ]
    );
    assert_eq!(results[1].unwrap_err().errno(), -E2BIG);
    assert_eq!(r.hook_len(KfuncHook::Tracing), BTF_KFUNC_SET_MAX_CNT);
    assert_eq!(r.hook_len(KfuncHook::Xdp), BTF_KFUNC_SET_MAX_CNT);
    let prog = BpfProg::new(BPF_PROG_TYPE_TRACING);
    assert_eq!(r.btf_kfunc_id_set_contains(1199, &prog), Some(0));
    assert_eq!(r.btf_kfunc_id_set_contains(4055, &prog), Some(0));
    // The refused set's kfuncs are unknown.
    assert_eq!(
        r.check_kfunc_call(&call(2000), &prog),
        Err(CallRefused::UnknownId { btf_id: 2000 })
    );
    let (failed, err) = r.check_registrations().unwrap_err();
    assert_eq!(failed.name, "second");
    assert!(err.to_string().contains("256"), "{err}");
}

#[test]
fn at_most_16_distinct_filters_per_hook() {
    macro_rules! regs {
        ($($n:literal)*) => {
            vec![$(reg(BPF_PROG_TYPE_SYSCALL, kset(&[($n, 0)], Some(deny::<$n>)), stringify!($n)),)*]
        };
    }
    let mut regs = regs!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16);
    // The same filter again is not counted twice.
    regs.push(reg(
        BPF_PROG_TYPE_SYSCALL,
        kset(&[(101, 0)], Some(deny::<1>)),
        "again",
    ));
    regs.extend(regs!(17));
    let r = registry(regs);
    let results: Vec<_> = r.register_results().map(|(r, res)| (r.name, res)).collect();
    assert!(
        results[..17].iter().all(|(_, res)| res.is_ok()),
        "{results:?}"
    );
    assert_eq!(
        results[17],
        ("17", Err(RegisterError::TooManyFilters(KfuncHook::Syscall)))
    );
    let prog = BpfProg::new(BPF_PROG_TYPE_SYSCALL);
    assert_eq!(r.btf_kfunc_id_set_contains(101, &prog), Some(0));
    assert_eq!(r.btf_kfunc_id_set_contains(17, &prog), None);
    assert!(matches!(
        r.check_kfunc_call(&call(1), &prog),
        Err(CallRefused::Filtered {
            registration: "1",
            ..
        })
    ));
}

#[test]
fn registration_rules_of_register_btf_kfunc_id_set() {
    let plain: &'static KfuncSetData = Box::leak(Box::new(KfuncSetData {
        flags: 0,
        pairs: vec![BtfIdSet8Pair { id: 9, flags: 0 }].leak(),
    }));
    let plain = Box::leak(Box::new(BtfKfuncIdSet::new(plain)));
    let r = registry(vec![
        reg(BPF_PROG_TYPE_TRACING, plain, "plain"),
        reg(
            BPF_PROG_TYPE_FLOW_DISSECTOR,
            kset(&[(9, 0)], None),
            "no hook",
        ),
        reg(
            BPF_PROG_TYPE_SYSCALL,
            kset(&[(8, 0), (0, 0)], None),
            "unresolved",
        ),
        reg(
            BPF_PROG_TYPE_SYSCALL,
            kset(&[(7, KF_ITER_NEW | KF_ITER_DESTROY)], None),
            "iter",
        ),
        reg(
            BPF_PROG_TYPE_SYSCALL,
            kset(
                &[
                    (4, KF_ITER_NEW),
                    (5, KF_ITER_NEXT | KF_RET_NULL),
                    (6, KF_ITER_DESTROY),
                ],
                None,
            ),
            "good iter",
        ),
    ]);
    let results: Vec<_> = r.register_results().map(|(_, res)| res).collect();
    assert_eq!(
        results,
        [
            Err(RegisterError::NotKfuncSet),
            Err(RegisterError::NoKfuncHook(BPF_PROG_TYPE_FLOW_DISSECTOR)),
            Err(RegisterError::UnresolvedEntry { index: 1 }),
            Err(RegisterError::IterFlags {
                id: 7,
                flags: KF_ITER_NEW | KF_ITER_DESTROY
            }),
            Ok(()),
        ]
    );
    assert!(results[..4]
        .iter()
        .all(|r| r.unwrap_err().errno() == -EINVAL));
    assert_eq!(r.register_result(4), Some(Ok(())));
    let prog = BpfProg::new(BPF_PROG_TYPE_SYSCALL).sleepable();
    for id in [7, 8, 9] {
        assert_eq!(
            r.check_kfunc_call(&call(id), &prog),
            Err(CallRefused::UnknownId { btf_id: id })
        );
    }
    assert_eq!(
        r.btf_kfunc_id_set_contains(5, &prog),
        Some(KF_ITER_NEXT | KF_RET_NULL)
    );
}

#[test]
fn call_check_reasons() {
    let r = registry(vec![reg(
        BPF_PROG_TYPE_SYSCALL,
        kset(&[(11, KF_SLEEPABLE), (12, KF_ACQUIRE)], None),
        "syscall",
    )]);
    let prog = BpfProg::new(BPF_PROG_TYPE_SYSCALL);
    assert_eq!(
        r.check_kfunc_call(&call(11), &prog),
        Err(CallRefused::NotSleepable {
            btf_id: 11,
            name: None
        })
    );
    let info = r.check_kfunc_call(&call(11), &prog.sleepable()).unwrap();
    assert_eq!(
        (info.btf_id, info.flags, info.fd_array_index),
        (11, KF_SLEEPABLE, 0)
    );
    // The fd_array index is reported, not interpreted.
    let module_call = BpfInsn::from_bytes([0x85, 0x20, 3, 0, 12, 0, 0, 0]);
    assert_eq!(
        r.check_kfunc_call(&module_call, &prog)
            .unwrap()
            .fd_array_index,
        3
    );

    let not_kfunc = |insn: BpfInsn| match r.check_kfunc_call(&insn, &prog) {
        Err(CallRefused::NotKfuncCall(why)) => why,
        other => panic!("{insn:?}: {other:?}"),
    };
    assert_eq!(
        not_kfunc(BpfInsn::helper_call(12)),
        NotKfuncCall::HelperCall
    );
    assert_eq!(
        not_kfunc(BpfInsn::subprog_call(12)),
        NotKfuncCall::SubprogCall
    );
    assert_eq!(
        not_kfunc(BpfInsn::kfunc_call(12, -1)),
        NotKfuncCall::NegativeOffset
    );
    assert_eq!(not_kfunc(BpfInsn::mov64_imm(0, 12)), NotKfuncCall::NotACall);
    // dst_reg 1 (byte 1 = 0x21): "BPF_CALL uses reserved fields".
    assert_eq!(
        not_kfunc(BpfInsn::from_bytes([0x85, 0x21, 0, 0, 12, 0, 0, 0])),
        NotKfuncCall::ReservedFields
    );
    let msg = r
        .check_kfunc_call(&BpfInsn::exit(), &prog)
        .unwrap_err()
        .to_string();
    assert!(msg.starts_with("not a kfunc call"), "{msg}");
}

// ---------------------------------------------------------------------------
// Real sets of two crates, resolved by the kernel's resolve_btfids
// ---------------------------------------------------------------------------

/// Copies this test binary, lets resolve_btfids patch the copy against the
/// running kernel's BTF, and runs `resolved_child` in it.
fn run_resolved_copy() {
    let warnings = run_in_resolved_copy("resolved_child", CHILD_ENV);
    // kfuncs-b declares one name BTF lacks, on purpose.
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("unresolved symbol") && w.contains("bpf_kfuncs_b_no_such_function")),
        "resolve_btfids should warn about the missing name: {warnings:?}"
    );
}

#[test]
fn resolved_sets_from_two_crates() {
    if std::env::var_os(CHILD_ENV).is_some() {
        return;
    }
    run_resolved_copy();
}

/// Runs inside the patched copy (see `run_resolved_copy`); run directly, it
/// makes and runs that copy itself.
#[test]
#[ignore = "entry point of the resolve_btfids-patched copy that resolved_sets_from_two_crates runs"]
fn resolved_child() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return run_resolved_copy();
    }
    let btf = BtfNames::load(&vmlinux_btf());
    let id = |name: &str| {
        let id = btf.id(BtfKind::Func, name);
        assert_ne!(id, 0, "{name} is not a FUNC in /sys/kernel/btf/vmlinux");
        id
    };
    let task_acquire = id("bpf_task_acquire");
    let task_release = id("bpf_task_release");
    let rcu_lock = id("bpf_rcu_read_lock");
    let rcu_unlock = id("bpf_rcu_read_unlock");
    let cgroup_acquire = id("bpf_cgroup_acquire");
    let cgroup_release = id("bpf_cgroup_release");
    let cgroup_from_id = id("bpf_cgroup_from_id");
    let rx_hash = id("bpf_xdp_metadata_rx_hash");
    let task_from_pid = id("bpf_task_from_pid");
    let iter_num_new = id("bpf_iter_num_new");
    let task_struct = btf.id(BtfKind::Struct, "task_struct");

    // The sets as resolve_btfids left them: counted, sorted, flags beside
    // their IDs.
    let mut want = vec![
        (task_acquire, KF_ACQUIRE | KF_RCU | KF_RET_NULL),
        (task_release, KF_RELEASE),
    ];
    want.sort();
    assert_eq!(kfuncs_a::TASK_KFUNCS.iter().collect::<Vec<_>>(), want);
    assert_eq!(kfuncs_a::TASK_KFUNCS.flags(), BTF_SET8_KFUNCS);
    assert_eq!(
        kfuncs_b::CGROUP_KFUNCS.get(cgroup_acquire),
        Some(KF_ACQUIRE | KF_RCU | KF_RET_NULL)
    );
    assert_eq!(
        kfuncs_b::MISSING_KFUNCS.iter().collect::<Vec<_>>(),
        [(0, 0)]
    );

    let registry = KfuncRegistry::global();
    // What register_btf_kfunc_id_set would have answered.
    for (r, result) in registry.register_results() {
        let want = match r.name {
            "kfuncs_b::NOT_KFUNC_SET" => Err(RegisterError::NotKfuncSet),
            "kfuncs_b::SK_MSG_KFUNC_SET" => Err(RegisterError::NoKfuncHook(BPF_PROG_TYPE_SK_MSG)),
            "kfuncs_b::BAD_ITER_KFUNC_SET" => Err(RegisterError::IterFlags {
                id: iter_num_new,
                flags: KF_ITER_NEW | KF_ITER_NEXT,
            }),
            "kfuncs_b::MISSING_KFUNC_SET" => Err(RegisterError::UnresolvedEntry { index: 0 }),
            _ => Ok(()),
        };
        assert_eq!(result, want, "{}", r.name);
    }
    assert_eq!(registry.hook_len(KfuncHook::Common), 3);
    assert_eq!(registry.hook_len(KfuncHook::Tracing), 4);
    assert_eq!(registry.hook_len(KfuncHook::Tc), 2);
    assert_eq!(registry.hook_len(KfuncHook::Xdp), 3);
    assert_eq!(registry.hook_len(KfuncHook::Syscall), 2);
    assert_eq!(registry.hook_len(KfuncHook::Cgroup), 0);

    // Names come from the resolved name tables of both crates.
    assert_eq!(registry.kfunc_name(task_acquire), Some("bpf_task_acquire"));
    assert_eq!(
        registry.kfunc_name(rx_hash),
        Some("bpf_xdp_metadata_rx_hash")
    );
    assert_eq!(registry.kfunc_name(task_struct), None);

    let check = |prog: &BpfProg, id: u32| check_kfunc_call(&call(id), prog);
    let syscall = BpfProg::new(BPF_PROG_TYPE_SYSCALL).sleepable();

    // Allowed: crate a's set on the SYSCALL hook, its RCU set on COMMON.
    let info = check(&syscall, task_acquire).unwrap();
    assert_eq!(info.flags, KF_ACQUIRE | KF_RCU | KF_RET_NULL);
    assert_eq!(info.hook, KfuncHook::Syscall);
    assert_eq!(info.registration, "kfuncs_a::TASK_KFUNC_SET");
    assert_eq!(info.name, Some("bpf_task_acquire"));
    assert_eq!(check(&syscall, task_release).unwrap().flags, KF_RELEASE);
    for id in [rcu_lock, rcu_unlock] {
        let info = check(&syscall, id).unwrap();
        assert_eq!((info.hook, info.flags), (KfuncHook::Common, 0));
    }
    // Crate b's COMMON set, its filter passes for a syscall program.
    assert_eq!(
        check(&syscall, cgroup_from_id).unwrap().hook,
        KfuncHook::Common
    );

    // Wrong program type: registered for other hooks only.
    assert_eq!(
        check(&syscall, cgroup_acquire),
        Err(CallRefused::NotAllowed {
            btf_id: cgroup_acquire,
            name: Some("bpf_cgroup_acquire"),
            prog_type: BPF_PROG_TYPE_SYSCALL,
            registered_on: KfuncHooks::EMPTY
                .with(KfuncHook::Tc)
                .with(KfuncHook::Tracing),
        })
    );
    let refused = check(&syscall, rx_hash).unwrap_err();
    assert_eq!(
        refused.to_string(),
        format!(
            "calling kernel function bpf_xdp_metadata_rx_hash (btf_id {rx_hash}) is not allowed \
             for BPF_PROG_TYPE_SYSCALL: it is registered for BTF_KFUNC_HOOK_XDP"
        )
    );

    // The right program types.
    let xdp = BpfProg::new(BPF_PROG_TYPE_XDP);
    assert_eq!(check(&xdp, rx_hash).unwrap().hook, KfuncHook::Xdp);
    let ext = BpfProg::new(BPF_PROG_TYPE_EXT).extending(BPF_PROG_TYPE_XDP);
    assert_eq!(check(&ext, rx_hash).unwrap().hook, KfuncHook::Xdp);
    let tc = BpfProg::new(BPF_PROG_TYPE_SCHED_CLS);
    assert_eq!(check(&tc, cgroup_release).unwrap().flags, KF_RELEASE);
    let lsm = BpfProg::new(BPF_PROG_TYPE_LSM);
    assert_eq!(check(&lsm, task_acquire).unwrap().hook, KfuncHook::Tracing);
    let fentry = BpfProg::new(BPF_PROG_TYPE_TRACING).with_attach_type(24);
    assert_eq!(
        check(&fentry, cgroup_acquire).unwrap().hook,
        KfuncHook::Tracing
    );

    // Filtered: crate b's filters.
    let iter = BpfProg::new(BPF_PROG_TYPE_TRACING).with_attach_type(kfuncs_b::BPF_TRACE_ITER);
    assert_eq!(
        check(&iter, cgroup_acquire),
        Err(CallRefused::Filtered {
            btf_id: cgroup_acquire,
            name: Some("bpf_cgroup_acquire"),
            hook: KfuncHook::Tracing,
            registration: "kfuncs_b::CGROUP_KFUNC_SET",
            ret: -kfuncs_b::EACCES,
        })
    );
    // ... which leave the other kfuncs of the hook alone.
    assert!(check(&iter, task_acquire).is_ok());
    assert!(matches!(
        check(&xdp, cgroup_from_id),
        Err(CallRefused::Filtered {
            hook: KfuncHook::Common,
            ret: -13,
            ..
        })
    ));
    assert!(check(&xdp, rcu_lock).is_ok());

    // Unknown: only in refused registrations, or no kfunc at all.
    for id in [task_from_pid, iter_num_new, task_struct, 0] {
        assert_eq!(
            check(&syscall, id),
            Err(CallRefused::UnknownId { btf_id: id })
        );
    }

    // COMMON serves the types without hook; nothing else does.
    let sk_msg = BpfProg::new(BPF_PROG_TYPE_SK_MSG);
    assert!(check(&sk_msg, rcu_lock).is_ok());
    assert!(matches!(
        check(&sk_msg, task_acquire),
        Err(CallRefused::NotAllowed { .. })
    ));

    // The lookup alone, over every program type: the RCU kfuncs everywhere,
    // the task kfuncs exactly where TRACING or SYSCALL hooks apply.
    for t in BpfProgType::ALL {
        let prog = BpfProg::new(t);
        assert_eq!(btf_kfunc_id_set_contains(rcu_lock, &prog), Some(0), "{t}");
        let hook = t.kfunc_hook();
        let task_ok = matches!(hook, Some(KfuncHook::Tracing | KfuncHook::Syscall));
        assert_eq!(
            btf_kfunc_id_set_contains(task_release, &prog).is_some(),
            task_ok,
            "{t}"
        );
    }
    println!("resolved registry of kfuncs-a and kfuncs-b checked");
}
