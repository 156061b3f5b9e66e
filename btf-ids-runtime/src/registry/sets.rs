//! Kfunc sets and their registration records: `struct btf_kfunc_id_set`,
//! the linkme slices that collect every `register_btf_kfunc_id_set!` and
//! `btf_kfunc_names!` in the binary, and those two macros.

use super::{BpfProgType, BtfKfuncFilter, KfuncHook};
use crate::{BtfIdList, BtfIdSet8, BtfIdSet8Pair};
use core::fmt;

/// A type-erased `struct btf_id_set8`, so sets of any size can be registered.
///
/// Implemented by every [`BtfIdSet8`], and by [`KfuncSetData`] for a set
/// made of data (built at run time, or by a test).
pub trait KfuncSetView: Sync {
    /// The set's flags word (`BTF_SET8_KFUNCS` for a kfunc set).
    fn set_flags(&self) -> u32;
    /// The counted `(id, flags)` pairs.
    fn pairs(&self) -> &[BtfIdSet8Pair];
}

impl<const N: usize> KfuncSetView for BtfIdSet8<N> {
    fn set_flags(&self) -> u32 {
        self.flags()
    }
    fn pairs(&self) -> &[BtfIdSet8Pair] {
        BtfIdSet8::pairs(self)
    }
}

/// A kfunc set made of data rather than of a `.BTF_ids` set8: the flags
/// word and the `(id, flags)` pairs, borrowed for as long as the set is
/// registered.
///
/// ```
/// use btf_ids_runtime::flags::{BTF_SET8_KFUNCS, KF_ACQUIRE};
/// use btf_ids_runtime::registry::{BtfKfuncIdSet, KfuncSetData, KfuncSetView};
/// use btf_ids_runtime::BtfIdSet8Pair;
///
/// static PAIRS: [BtfIdSet8Pair; 1] = [BtfIdSet8Pair { id: 42, flags: KF_ACQUIRE }];
/// static DATA: KfuncSetData = KfuncSetData { flags: BTF_SET8_KFUNCS, pairs: &PAIRS };
/// static SET: BtfKfuncIdSet = BtfKfuncIdSet::new(&DATA);
/// assert_eq!(DATA.pairs()[0].id, 42);
/// # let _ = &SET;
/// ```
#[derive(Debug, Clone, Copy)]
pub struct KfuncSetData<'a> {
    /// The set's flags word (`BTF_SET8_KFUNCS` for a kfunc set).
    pub flags: u32,
    /// The `(id, flags)` pairs.
    pub pairs: &'a [BtfIdSet8Pair],
}

impl KfuncSetView for KfuncSetData<'_> {
    fn set_flags(&self) -> u32 {
        self.flags
    }
    fn pairs(&self) -> &[BtfIdSet8Pair] {
        self.pairs
    }
}

/// Flags of the first pair with this ID (the kernel sorts the merged set and
/// bsearches it; sets are small, a scan is as good and needs no sorting).
pub(super) fn set_get(set: &dyn KfuncSetView, id: u32) -> Option<u32> {
    set.pairs().iter().find(|p| p.id == id).map(|p| p.flags)
}

/// `struct btf_kfunc_id_set`: a kfunc set, the module that owns it and an
/// optional filter.
///
/// ```
/// use btf_ids_runtime::{btf_kfuncs, registry::*};
/// btf_kfuncs! { static MY_KFUNCS = [func bpf_rcu_read_lock, func bpf_rcu_read_unlock]; }
///
/// fn only_sleepable(prog: &BpfProg, id: u32) -> i32 {
///     if MY_KFUNCS.contains(id) && !prog.sleepable { -13 } else { 0 }
/// }
///
/// static MY_SET: BtfKfuncIdSet = BtfKfuncIdSet {
///     owner: Some("my_module"),
///     set: MY_KFUNCS,
///     filter: Some(only_sleepable),
/// };
/// // The same, built with the const builder.
/// static SAME: BtfKfuncIdSet = BtfKfuncIdSet::new(MY_KFUNCS)
///     .with_owner("my_module")
///     .with_filter(only_sleepable);
/// fn main() {
///     assert_eq!(MY_SET.set.set_flags(), btf_ids_runtime::flags::BTF_SET8_KFUNCS);
///     assert_eq!(SAME.owner, MY_SET.owner);
/// }
/// ```
#[derive(Clone, Copy)]
pub struct BtfKfuncIdSet {
    /// `owner` (`THIS_MODULE`): `None` for code built into the kernel (the
    /// vmlinux table), else the module's name (its own table).
    pub owner: Option<&'static str>,
    /// The `BTF_KFUNCS_START` set (any [`BtfIdSet8`] coerces).
    pub set: &'static dyn KfuncSetView,
    /// The hook filter.
    pub filter: Option<BtfKfuncFilter>,
}

impl BtfKfuncIdSet {
    /// A set with no owner and no filter.
    pub const fn new(set: &'static dyn KfuncSetView) -> BtfKfuncIdSet {
        BtfKfuncIdSet {
            owner: None,
            set,
            filter: None,
        }
    }

    /// The same set, owned by `owner`.
    pub const fn with_owner(mut self, owner: &'static str) -> BtfKfuncIdSet {
        self.owner = Some(owner);
        self
    }

    /// The same set, with a filter.
    pub const fn with_filter(mut self, filter: BtfKfuncFilter) -> BtfKfuncIdSet {
        self.filter = Some(filter);
        self
    }
}

impl fmt::Debug for BtfKfuncIdSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BtfKfuncIdSet")
            .field("owner", &self.owner)
            .field("set_flags", &self.set.set_flags())
            .field("pairs", &self.set.pairs())
            .field("filter", &self.filter.is_some())
            .finish()
    }
}

/// One `register_btf_kfunc_id_set(prog_type, &kset)` call, as
/// [`register_btf_kfunc_id_set!`](crate::register_btf_kfunc_id_set) records it.
#[derive(Clone, Copy, Debug)]
pub struct KfuncRegistration {
    /// The program type given to the call.
    pub prog_type: BpfProgType,
    /// The set registered.
    pub kset: &'static BtfKfuncIdSet,
    /// Where it was declared: the module path and name of the set's static.
    pub name: &'static str,
}

impl KfuncRegistration {
    /// A registration record; the macro makes these.
    pub const fn new(
        prog_type: BpfProgType,
        kset: &'static BtfKfuncIdSet,
        name: &'static str,
    ) -> KfuncRegistration {
        KfuncRegistration {
            prog_type,
            kset,
            name,
        }
    }

    /// The hook the registration targets, `None` for a program type without
    /// one.
    pub const fn hook(&self) -> Option<KfuncHook> {
        self.prog_type.kfunc_hook()
    }
}

/// Every [`register_btf_kfunc_id_set!`](crate::register_btf_kfunc_id_set) in the binary.
#[doc(hidden)]
#[linkme::distributed_slice]
pub static BTF_KFUNC_ID_SET_REGISTRATIONS: [KfuncRegistration];

/// A name table: resolved function IDs in declaration order beside their
/// names, so the registry can name a kfunc it finds. See
/// [`btf_kfunc_names!`](crate::btf_kfunc_names).
#[derive(Clone, Copy)]
pub struct KfuncNameTable {
    /// The `BTF_ID_LIST` of the functions (0 until resolved).
    pub ids: &'static dyn IdTable,
    /// Their names, same order.
    pub names: &'static [&'static str],
}

/// A type-erased `BTF_ID_LIST`.
pub trait IdTable: Sync {
    /// The IDs in declaration order.
    fn ids(&self) -> &[u32];
}

impl<const N: usize> IdTable for BtfIdList<N> {
    fn ids(&self) -> &[u32] {
        self.as_slice()
    }
}

impl KfuncNameTable {
    /// The name listed for `id`, if any (never for ID 0, the unresolved
    /// value).
    pub fn name_of(&self, id: u32) -> Option<&'static str> {
        if id == 0 {
            return None;
        }
        let i = self.ids.ids().iter().position(|&x| x == id)?;
        self.names.get(i).copied()
    }
}

/// Every [`btf_kfunc_names!`](crate::btf_kfunc_names) in the binary.
#[doc(hidden)]
#[linkme::distributed_slice]
pub static BTF_KFUNC_NAME_TABLES: [KfuncNameTable];

/// Registers a [`BtfKfuncIdSet`] for a program type, like the kernel's
/// `register_btf_kfunc_id_set(prog_type, &kset)` in a module's init function.
///
/// Two forms:
///
/// * `register_btf_kfunc_id_set!(PROG_TYPE, static NAME = <BtfKfuncIdSet expr>);`
///   declares the set's static (attributes and visibility allowed) and
///   registers it;
/// * `register_btf_kfunc_id_set!(PROG_TYPE, NAME);` registers an existing
///   `static NAME: BtfKfuncIdSet` again, for another program type.
///
/// `PROG_TYPE` is any [`BpfProgType`] expression. Registrations from every
/// crate linked into the binary are collected at link time; read them
/// through [`KfuncRegistry::global`](crate::registry::KfuncRegistry::global).
/// Whether the kernel would have accepted one is answered by
/// [`KfuncRegistry::register_result`](crate::registry::KfuncRegistry::register_result).
///
/// ```
/// use btf_ids_runtime::registry::*;
/// btf_ids_runtime::btf_kfuncs! { static XDP_KFUNCS = [func bpf_xdp_metadata_rx_hash]; }
/// btf_ids_runtime::register_btf_kfunc_id_set!(
///     BPF_PROG_TYPE_XDP,
///     pub static XDP_KFUNC_SET = BtfKfuncIdSet::new(XDP_KFUNCS).with_owner("xdp_demo")
/// );
/// fn main() {
///     let regs = KfuncRegistry::global().registrations();
///     assert!(regs.iter().any(|r| r.name.ends_with("XDP_KFUNC_SET")));
/// }
/// ```
#[macro_export]
macro_rules! register_btf_kfunc_id_set {
    ($prog_type:expr, $(#[$attr:meta])* $vis:vis static $name:ident = $kset:expr $(;)?) => {
        $(#[$attr])*
        $vis static $name: $crate::registry::BtfKfuncIdSet = $kset;
        $crate::register_btf_kfunc_id_set!($prog_type, $name);
    };
    ($prog_type:expr, $kset:path $(;)?) => {
        const _: () = {
            #[$crate::registry::linkme::distributed_slice(
                $crate::registry::BTF_KFUNC_ID_SET_REGISTRATIONS
            )]
            #[linkme(crate = $crate::registry::linkme)]
            static REGISTRATION: $crate::registry::KfuncRegistration =
                $crate::registry::KfuncRegistration::new(
                    $prog_type,
                    &$kset,
                    ::core::concat!(::core::module_path!(), "::", ::core::stringify!($kset)),
                );
        };
    };
}

/// Declares the names of kfuncs as a `BTF_ID_LIST` of functions, so the
/// registry can name the kfuncs it finds once resolve_btfids has run.
///
/// `btf_kfunc_names!(mod NAME = [func, ...]);` makes a module `NAME` holding
/// the list (`IDS`) and the table (`TABLE`), and adds the table to the ones
/// [`KfuncRegistry::global`](crate::registry::KfuncRegistry::global) reads.
///
/// ```
/// btf_ids_runtime::btf_kfunc_names!(mod task_names = [bpf_task_acquire, bpf_task_release]);
/// fn main() {
///     assert_eq!(task_names::TABLE.names, ["bpf_task_acquire", "bpf_task_release"]);
///     // Unresolved, every ID is 0 and no name is known.
///     assert_eq!(task_names::TABLE.name_of(0), None);
///     assert_eq!(btf_ids_runtime::registry::KfuncRegistry::global().kfunc_name(0), None);
/// }
/// ```
#[macro_export]
macro_rules! btf_kfunc_names {
    ($(#[$attr:meta])* $vis:vis mod $name:ident = [$($func:ident),+ $(,)?] $(;)?) => {
        $(#[$attr])*
        $vis mod $name {
            $crate::btf_id_list! { pub static IDS = [$(func $func),+]; }
            /// The IDs beside their names.
            #[$crate::registry::linkme::distributed_slice(
                $crate::registry::BTF_KFUNC_NAME_TABLES
            )]
            #[linkme(crate = $crate::registry::linkme)]
            pub static TABLE: $crate::registry::KfuncNameTable = $crate::registry::KfuncNameTable {
                ids: IDS,
                names: &[$(::core::stringify!($func)),+],
            };
        }
    };
}
