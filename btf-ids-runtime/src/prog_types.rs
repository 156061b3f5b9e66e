//! The one table of `enum bpf_prog_type` (include/uapi/linux/bpf.h of Linux
//! 6.12, Debian's reference kernel).
//!
//! [`kernel`](crate::kernel) makes its `BPF_PROG_TYPE_*` `u32` constants from
//! it, and the registry model (feature `registry`) its `BpfProgType` enum, so
//! the values are written once. Each row is `Variant = value, KERNEL_NAME,
//! hook;`: the enum variant, the kernel's value and name, and the kfunc hook
//! of `bpf_prog_type_to_kfunc_hook()` (an expression over `H`, the registry's
//! `KfuncHook`, which the kernel side ignores). The rows are in value order,
//! one per value from 0 to `__MAX_BPF_PROG_TYPE - 1`; both users check it.

/// `__MAX_BPF_PROG_TYPE`: one past the last program type.
pub(crate) const MAX_BPF_PROG_TYPE: u32 = 33;

/// Hands the table to the macro `$then`, which sees the rows as
/// `$($(#[$doc:meta])* $variant:ident = $value:literal, $konst:ident, $hook:expr;)*`.
macro_rules! bpf_prog_types {
    ($then:ident) => {
        $then! {
            /// Not a program; kfuncs registered for it go to the COMMON hook.
            Unspec = 0, BPF_PROG_TYPE_UNSPEC, Some(H::Common);
            /// Socket filter (classic `SO_ATTACH_BPF`).
            SocketFilter = 1, BPF_PROG_TYPE_SOCKET_FILTER, Some(H::SocketFilter);
            /// kprobe / uprobe.
            Kprobe = 2, BPF_PROG_TYPE_KPROBE, Some(H::Kprobe);
            /// tc classifier.
            SchedCls = 3, BPF_PROG_TYPE_SCHED_CLS, Some(H::Tc);
            /// tc action.
            SchedAct = 4, BPF_PROG_TYPE_SCHED_ACT, Some(H::SchedAct);
            /// Tracepoint.
            Tracepoint = 5, BPF_PROG_TYPE_TRACEPOINT, Some(H::Tracing);
            /// XDP.
            Xdp = 6, BPF_PROG_TYPE_XDP, Some(H::Xdp);
            /// perf event.
            PerfEvent = 7, BPF_PROG_TYPE_PERF_EVENT, Some(H::Tracing);
            /// cgroup skb.
            CgroupSkb = 8, BPF_PROG_TYPE_CGROUP_SKB, Some(H::Cgroup);
            /// cgroup sock.
            CgroupSock = 9, BPF_PROG_TYPE_CGROUP_SOCK, Some(H::Cgroup);
            /// Lightweight tunnel, input.
            LwtIn = 10, BPF_PROG_TYPE_LWT_IN, Some(H::Lwt);
            /// Lightweight tunnel, output.
            LwtOut = 11, BPF_PROG_TYPE_LWT_OUT, Some(H::Lwt);
            /// Lightweight tunnel, transmit.
            LwtXmit = 12, BPF_PROG_TYPE_LWT_XMIT, Some(H::Lwt);
            /// Socket operations.
            SockOps = 13, BPF_PROG_TYPE_SOCK_OPS, Some(H::Cgroup);
            /// sk_skb (sockmap parser / verdict).
            SkSkb = 14, BPF_PROG_TYPE_SK_SKB, Some(H::SkSkb);
            /// cgroup device.
            CgroupDevice = 15, BPF_PROG_TYPE_CGROUP_DEVICE, Some(H::Cgroup);
            /// sk_msg.
            SkMsg = 16, BPF_PROG_TYPE_SK_MSG, None;
            /// Raw tracepoint.
            RawTracepoint = 17, BPF_PROG_TYPE_RAW_TRACEPOINT, Some(H::Tracing);
            /// cgroup sock_addr.
            CgroupSockAddr = 18, BPF_PROG_TYPE_CGROUP_SOCK_ADDR, Some(H::Cgroup);
            /// seg6local lightweight tunnel.
            LwtSeg6local = 19, BPF_PROG_TYPE_LWT_SEG6LOCAL, Some(H::Lwt);
            /// lirc mode2 decoder.
            LircMode2 = 20, BPF_PROG_TYPE_LIRC_MODE2, None;
            /// SO_REUSEPORT selection.
            SkReuseport = 21, BPF_PROG_TYPE_SK_REUSEPORT, None;
            /// Flow dissector.
            FlowDissector = 22, BPF_PROG_TYPE_FLOW_DISSECTOR, None;
            /// cgroup sysctl.
            CgroupSysctl = 23, BPF_PROG_TYPE_CGROUP_SYSCTL, Some(H::Cgroup);
            /// Writable raw tracepoint.
            RawTracepointWritable = 24, BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE, None;
            /// cgroup sockopt.
            CgroupSockopt = 25, BPF_PROG_TYPE_CGROUP_SOCKOPT, Some(H::Cgroup);
            /// fentry / fexit / fmod_ret / iterators / raw_tp with BTF.
            Tracing = 26, BPF_PROG_TYPE_TRACING, Some(H::Tracing);
            /// struct_ops.
            StructOps = 27, BPF_PROG_TYPE_STRUCT_OPS, Some(H::StructOps);
            /// Freplace extension (it takes the type of the program it extends,
            /// `resolve_prog_type()`).
            Ext = 28, BPF_PROG_TYPE_EXT, None;
            /// LSM.
            Lsm = 29, BPF_PROG_TYPE_LSM, Some(H::Tracing);
            /// sk_lookup.
            SkLookup = 30, BPF_PROG_TYPE_SK_LOOKUP, None;
            /// Syscall program, run by `BPF_PROG_RUN`.
            Syscall = 31, BPF_PROG_TYPE_SYSCALL, Some(H::Syscall);
            /// Netfilter hook.
            Netfilter = 32, BPF_PROG_TYPE_NETFILTER, Some(H::Netfilter);
        }
    };
}
pub(crate) use bpf_prog_types;
