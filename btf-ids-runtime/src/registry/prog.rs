//! The program a kfunc lookup is made for: the little of `struct bpf_prog`
//! that lookups and filters read, and `btf_kfunc_filter_t`.

use super::BpfProgType;

/// The little of `struct bpf_prog` that kfunc lookups and filters look at.
///
/// ```
/// use btf_ids_runtime::registry::*;
/// let prog = BpfProg::new(BPF_PROG_TYPE_SYSCALL).sleepable();
/// assert!(prog.sleepable);
/// let ext = BpfProg::new(BPF_PROG_TYPE_EXT).extending(BPF_PROG_TYPE_XDP);
/// assert_eq!(ext.resolve_prog_type(), BPF_PROG_TYPE_XDP);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BpfProg {
    /// `prog->type`.
    pub prog_type: BpfProgType,
    /// `prog->expected_attach_type` (`enum bpf_attach_type` value), which
    /// filters often test.
    pub expected_attach_type: u32,
    /// `prog->sleepable` (loaded with `BPF_F_SLEEPABLE`).
    pub sleepable: bool,
    /// For an EXT (freplace) program, the type of the program it extends
    /// (`prog->aux->dst_prog->type`).
    pub dst_prog_type: Option<BpfProgType>,
}

impl BpfProg {
    /// A non-sleepable program of this type, attach type 0.
    pub const fn new(prog_type: BpfProgType) -> BpfProg {
        BpfProg {
            prog_type,
            expected_attach_type: 0,
            sleepable: false,
            dst_prog_type: None,
        }
    }

    /// The same program, loaded with `BPF_F_SLEEPABLE`.
    pub const fn sleepable(mut self) -> BpfProg {
        self.sleepable = true;
        self
    }

    /// The same program with this `expected_attach_type`.
    pub const fn with_attach_type(mut self, attach_type: u32) -> BpfProg {
        self.expected_attach_type = attach_type;
        self
    }

    /// The same program as an extension of a program of type `target`.
    pub const fn extending(mut self, target: BpfProgType) -> BpfProg {
        self.dst_prog_type = Some(target);
        self
    }

    /// `resolve_prog_type()`: an EXT program with a target takes the
    /// target's type, every other program its own.
    pub const fn resolve_prog_type(&self) -> BpfProgType {
        match (self.prog_type, self.dst_prog_type) {
            (BpfProgType::Ext, Some(target)) => target,
            (t, _) => t,
        }
    }
}

/// `btf_kfunc_filter_t`: called with the program and the BTF ID being looked
/// up, for every kfunc looked up on the hook the filter is registered on.
/// Non-zero denies (kernel filters return `-EACCES`); a filter must therefore
/// return 0 for IDs outside its own set.
pub type BtfKfuncFilter = fn(&BpfProg, u32) -> i32;
