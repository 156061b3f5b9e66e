//! The kernel-side API against the kernel's ABI: the layout of `struct
//! btf_kfunc_id_set`, what `BtfKfuncIdSet::new` and `with_filter` store in
//! it, and the `BPF_PROG_TYPE_*` values against Debian's 6.12 uapi header.

use btf_ids_runtime::kernel::*;
use btf_ids_runtime::{btf_kfuncs, kfunc};
use core::ffi::c_void;
use core::mem::{align_of, size_of, size_of_val};
use std::path::PathBuf;

/// What modpost's `.mod.c` defines in a real module.
#[unsafe(no_mangle)]
static __this_module: [u64; 8] = [0; 8];

#[kfunc]
pub extern "C" fn bpf_abi_add(a: u64, b: u64) -> u64 {
    a.wrapping_add(b)
}

#[kfunc(destructive)]
pub extern "C" fn bpf_abi_other(x: u64) -> u64 {
    x
}

btf_kfuncs! { static ABI_KFUNCS = [bpf_abi_add, bpf_abi_other]; }

unsafe extern "C" fn deny_all(_prog: *const bpf_prog, _kfunc_id: u32) -> i32 {
    -EACCES
}

static PLAIN: BtfKfuncIdSet = BtfKfuncIdSet::new(ABI_KFUNCS);
static FILTERED: BtfKfuncIdSet = BtfKfuncIdSet::new(ABI_KFUNCS).with_filter(deny_all);

/// The struct as the kernel reads it: three machine words.
fn words(set: &BtfKfuncIdSet) -> [usize; 3] {
    assert_eq!(size_of_val(set), size_of::<[usize; 3]>());
    // SAFETY: the struct is three pointer-sized words (checked above), each
    // a plain address.
    unsafe { core::mem::transmute_copy(set) }
}

#[test]
fn btf_kfunc_id_set_is_three_pointers() {
    let ptr = size_of::<*const c_void>();
    assert_eq!(size_of::<BtfKfuncIdSet>(), 3 * ptr);
    assert_eq!(align_of::<BtfKfuncIdSet>(), align_of::<*const c_void>());
    assert_eq!(size_of::<Option<BtfKfuncFilter>>(), ptr);
    assert_eq!(size_of::<module>(), 0);
    assert_eq!(size_of::<bpf_prog>(), 0);
    #[cfg(target_pointer_width = "64")]
    assert_eq!(size_of::<BtfKfuncIdSet>(), 24);
}

#[test]
fn new_sets_owner_and_set_and_no_filter() {
    let [owner, set, filter] = words(&PLAIN);
    // Offset 0: .owner = THIS_MODULE.
    assert_eq!(owner, &raw const __this_module as usize);
    assert_eq!(PLAIN.owner() as usize, owner);
    // Offset 8: .set = the BTF_KFUNCS_START data.
    assert_eq!(set, ABI_KFUNCS as *const _ as usize);
    assert_eq!(PLAIN.set() as usize, set);
    // Offset 16: .filter = NULL.
    assert_eq!(filter, 0);
    assert!(PLAIN.filter().is_none());
}

#[test]
fn with_filter_sets_the_third_word_only() {
    let [owner, set, filter] = words(&FILTERED);
    assert_eq!([owner, set], words(&PLAIN)[..2]);
    assert_eq!(filter, deny_all as BtfKfuncFilter as usize);
    let f = FILTERED.filter().unwrap();
    // SAFETY: deny_all reads neither argument.
    assert_eq!(unsafe { f(core::ptr::null(), 7) }, -13);
}

#[test]
fn the_set_is_a_kfunc_set8() {
    // What `.set` points at: `struct btf_id_set8 { u32 cnt; u32 flags; ... }`,
    // flags BTF_SET8_KFUNCS, count 0 until resolve_btfids runs.
    let header = FILTERED.set() as *const [u32; 2];
    // SAFETY: `.set` is the address of ABI_KFUNCS, a BtfIdSet8 (repr(C),
    // starting with cnt and flags).
    let [cnt, flags] = unsafe { *header };
    assert_eq!(cnt, 0);
    assert_eq!(flags, btf_ids_runtime::flags::BTF_SET8_KFUNCS);
    assert_eq!(ABI_KFUNCS.capacity(), 2);
}

#[test]
fn a_set_is_sync_so_it_can_be_a_static() {
    fn sync<T: Sync>(_: &T) {}
    sync(&PLAIN);
    let copy = FILTERED;
    assert_eq!(words(&copy), words(&FILTERED));
    assert!(format!("{PLAIN:?}").starts_with("BtfKfuncIdSet { owner: 0x"));
}

/// `enum bpf_prog_type` of Debian's 6.12 headers: (name, value) in order.
fn uapi_prog_types() -> Vec<(String, u32)> {
    let header = std::fs::read_dir("/usr/src")
        .ok()
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("linux-headers-6.12")
        })
        .map(|e| e.path().join("include/uapi/linux/bpf.h"))
        .filter(|p| p.exists())
        .max()
        .unwrap_or_else(|| {
            PathBuf::from(
                "include/uapi/linux/bpf.h not found under /usr/src/linux-headers-6.12.*: \
                 install the newest linux-headers-6.12.*-common Debian package",
            )
        });
    let text =
        std::fs::read_to_string(&header).unwrap_or_else(|e| panic!("{}: {e}", header.display()));
    let body = text
        .split("enum bpf_prog_type {")
        .nth(1)
        .expect("enum bpf_prog_type")
        .split("};")
        .next()
        .unwrap();
    let mut next = 0;
    body.lines()
        .map(|l| l.split("/*").next().unwrap().trim().trim_end_matches(','))
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (name, value) = match l.split_once('=') {
                Some((n, v)) => (n.trim(), v.trim().parse().unwrap()),
                None => (l, next),
            };
            next = value + 1;
            (name.to_string(), value)
        })
        .collect()
}

#[test]
fn program_types_are_the_6_12_uapi_values() {
    let ours: &[(&str, u32)] = &[
        ("BPF_PROG_TYPE_UNSPEC", BPF_PROG_TYPE_UNSPEC),
        ("BPF_PROG_TYPE_SOCKET_FILTER", BPF_PROG_TYPE_SOCKET_FILTER),
        ("BPF_PROG_TYPE_KPROBE", BPF_PROG_TYPE_KPROBE),
        ("BPF_PROG_TYPE_SCHED_CLS", BPF_PROG_TYPE_SCHED_CLS),
        ("BPF_PROG_TYPE_SCHED_ACT", BPF_PROG_TYPE_SCHED_ACT),
        ("BPF_PROG_TYPE_TRACEPOINT", BPF_PROG_TYPE_TRACEPOINT),
        ("BPF_PROG_TYPE_XDP", BPF_PROG_TYPE_XDP),
        ("BPF_PROG_TYPE_PERF_EVENT", BPF_PROG_TYPE_PERF_EVENT),
        ("BPF_PROG_TYPE_CGROUP_SKB", BPF_PROG_TYPE_CGROUP_SKB),
        ("BPF_PROG_TYPE_CGROUP_SOCK", BPF_PROG_TYPE_CGROUP_SOCK),
        ("BPF_PROG_TYPE_LWT_IN", BPF_PROG_TYPE_LWT_IN),
        ("BPF_PROG_TYPE_LWT_OUT", BPF_PROG_TYPE_LWT_OUT),
        ("BPF_PROG_TYPE_LWT_XMIT", BPF_PROG_TYPE_LWT_XMIT),
        ("BPF_PROG_TYPE_SOCK_OPS", BPF_PROG_TYPE_SOCK_OPS),
        ("BPF_PROG_TYPE_SK_SKB", BPF_PROG_TYPE_SK_SKB),
        ("BPF_PROG_TYPE_CGROUP_DEVICE", BPF_PROG_TYPE_CGROUP_DEVICE),
        ("BPF_PROG_TYPE_SK_MSG", BPF_PROG_TYPE_SK_MSG),
        ("BPF_PROG_TYPE_RAW_TRACEPOINT", BPF_PROG_TYPE_RAW_TRACEPOINT),
        (
            "BPF_PROG_TYPE_CGROUP_SOCK_ADDR",
            BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
        ),
        ("BPF_PROG_TYPE_LWT_SEG6LOCAL", BPF_PROG_TYPE_LWT_SEG6LOCAL),
        ("BPF_PROG_TYPE_LIRC_MODE2", BPF_PROG_TYPE_LIRC_MODE2),
        ("BPF_PROG_TYPE_SK_REUSEPORT", BPF_PROG_TYPE_SK_REUSEPORT),
        ("BPF_PROG_TYPE_FLOW_DISSECTOR", BPF_PROG_TYPE_FLOW_DISSECTOR),
        ("BPF_PROG_TYPE_CGROUP_SYSCTL", BPF_PROG_TYPE_CGROUP_SYSCTL),
        (
            "BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE",
            BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE,
        ),
        ("BPF_PROG_TYPE_CGROUP_SOCKOPT", BPF_PROG_TYPE_CGROUP_SOCKOPT),
        ("BPF_PROG_TYPE_TRACING", BPF_PROG_TYPE_TRACING),
        ("BPF_PROG_TYPE_STRUCT_OPS", BPF_PROG_TYPE_STRUCT_OPS),
        ("BPF_PROG_TYPE_EXT", BPF_PROG_TYPE_EXT),
        ("BPF_PROG_TYPE_LSM", BPF_PROG_TYPE_LSM),
        ("BPF_PROG_TYPE_SK_LOOKUP", BPF_PROG_TYPE_SK_LOOKUP),
        ("BPF_PROG_TYPE_SYSCALL", BPF_PROG_TYPE_SYSCALL),
        ("BPF_PROG_TYPE_NETFILTER", BPF_PROG_TYPE_NETFILTER),
        ("__MAX_BPF_PROG_TYPE", MAX_BPF_PROG_TYPE),
    ];
    let theirs = uapi_prog_types();
    let ours: Vec<(String, u32)> = ours.iter().map(|(n, v)| (n.to_string(), *v)).collect();
    assert_eq!(ours, theirs);
}

/// The registry model's enum comes from the same table.
#[cfg(feature = "registry")]
#[test]
fn the_registry_enum_has_the_same_values() {
    use btf_ids_runtime::registry::BpfProgType;
    let theirs = uapi_prog_types();
    for t in BpfProgType::ALL {
        let kernel = theirs.iter().find(|(n, _)| n == t.name()).unwrap().1;
        assert_eq!(t as u32, kernel, "{t}");
    }
    assert_eq!(
        btf_ids_runtime::registry::BPF_PROG_TYPE_SYSCALL as u32,
        BPF_PROG_TYPE_SYSCALL
    );
}

#[test]
fn errno_values_are_the_kernels() {
    assert_eq!(
        [EPERM, ENOENT, EIO, E2BIG, ENOMEM, EACCES, EBUSY, EINVAL, ENOSPC],
        [1, 2, 5, 7, 12, 13, 16, 22, 28]
    );
    assert_eq!([EOPNOTSUPP, ENOTSUPP], [95, 524]);
}
