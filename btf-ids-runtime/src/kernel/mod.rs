//! What a loadable kernel module written in Rust links against: the Rust
//! twins of `struct btf_kfunc_id_set`, `register_btf_kfunc_id_set()`,
//! `_printk()`, `enum bpf_prog_type` and the errno values, and
//! [`kernel_module!`](crate::kernel_module) for the `module_init`,
//! `module_exit` and `MODULE_*` lines of a module with no C at all.
//!
//! Everything here is `no_std`, allocates nothing, runs no code before the
//! module's init function and emits no linkme sections; it is there with the
//! crate's default features. The layouts and rules are those of Linux 6.12
//! (Debian's reference kernel). The host-side model of the same calls, which
//! collects registrations with linkme, is the [`registry`](crate#features)
//! module behind the `registry` feature, which a module build leaves off.
//!
//! # A whole module
//!
//! One `BTF_KFUNCS_START` set of [`#[kfunc]`](macro@crate::kfunc) functions, a
//! [`BtfKfuncIdSet`] for it and a registration from the module's init: what
//! a kernel subsystem writes in C with `__bpf_kfunc`, `BTF_ID_FLAGS`,
//! `struct btf_kfunc_id_set` and `module_init`.
//!
//! ```
//! use btf_ids_runtime::kernel::{
//!     _printk, bpf_prog, register_btf_kfunc_id_set, BtfKfuncIdSet, BPF_PROG_TYPE_SYSCALL,
//! };
//! use btf_ids_runtime::{btf_kfuncs, kfunc};
//!
//! /// `a + b`, callable from SYSCALL programs.
//! #[kfunc]
//! pub extern "C" fn bpf_rs_add(a: u64, b: u64) -> u64 {
//!     a.wrapping_add(b)
//! }
//!
//! btf_kfuncs! { static RSK_KFUNCS = [bpf_rs_add]; }
//!
//! /// `btf_kfunc_filter_t`: 0 lets the program call the kfunc.
//! unsafe extern "C" fn rsk_filter(_prog: *const bpf_prog, _kfunc_id: u32) -> i32 {
//!     0
//! }
//!
//! // { .owner = THIS_MODULE, .set = &rsk_kfuncs, .filter = rsk_filter }
//! static RSK_SET: BtfKfuncIdSet = BtfKfuncIdSet::new(RSK_KFUNCS).with_filter(rsk_filter);
//!
//! fn rsk_init() -> i32 {
//!     // SAFETY: module init (process context); the set is a static that
//!     // lives as long as the module.
//!     let rc = unsafe { register_btf_kfunc_id_set(BPF_PROG_TYPE_SYSCALL, &RSK_SET) };
//!     // SAFETY: a KERN_INFO format whose one %d matches the int passed.
//!     unsafe { _printk(c"\x016rsk: register SYSCALL = %d\n".as_ptr(), rc) };
//!     rc
//! }
//!
//! fn rsk_exit() {}
//!
//! btf_ids_runtime::kernel_module! {
//!     init: rsk_init,
//!     exit: rsk_exit,
//!     license: "GPL",
//!     author: "btf-ids",
//!     description: "Rust kfuncs",
//! }
//! # // What the kernel and modpost's .mod.c provide in a real module, so that
//! # // this example links as a host program.
//! # mod kernel_stubs {
//! #     #[unsafe(no_mangle)]
//! #     static __this_module: u8 = 0;
//! #     #[unsafe(no_mangle)]
//! #     extern "C" fn register_btf_kfunc_id_set(_: u32, _: *const u8) -> i32 { 0 }
//! #     #[unsafe(no_mangle)]
//! #     extern "C" fn _printk(_: *const u8) -> i32 { 0 }
//! # }
//! # fn main() {}
//! ```
//!
//! A real module is a `#![no_std]` staticlib with its own panic handler,
//! built for `x86_64-unknown-linux-gnu` with the flags kernel code needs
//! (`-C code-model=kernel -C relocation-model=static -C no-redzone=yes`,
//! no SSE, `panic = "abort"`, fat LTO) and linked by kbuild with modpost's
//! generated `.mod.c`, which defines `__this_module`.
//!
//! # Kernel version
//!
//! The layouts and values are 6.12's, from Debian's headers:
//! `struct btf_kfunc_id_set { owner, set, filter }` (the `filter` member and
//! `btf_kfunc_filter_t` came with 6.5), the prototype of
//! [`register_btf_kfunc_id_set`], and the uapi `enum bpf_prog_type` up to
//! `BPF_PROG_TYPE_NETFILTER` (6.4). Check include/linux/btf.h before using
//! them with another kernel.

use crate::BtfIdSet8;
use core::ffi::{c_char, c_int, c_void};
use core::fmt;
use core::marker::{PhantomData, PhantomPinned};

mod module_macro;

pub use crate::kernel_module;

#[doc(hidden)]
pub use module_macro::__private;

/// The kernel's `struct module`, only ever seen through a pointer: the
/// `owner` of a [`BtfKfuncIdSet`] is the module's own, `THIS_MODULE`
/// (`&__this_module`, which modpost's generated `.mod.c` defines).
///
/// Opaque as Rust-for-Linux makes opaque C types: no usable field, zero
/// size, and neither `Send`, `Sync` nor `Unpin`.
///
/// ```
/// use btf_ids_runtime::kernel::module;
/// assert_eq!(core::mem::size_of::<module>(), 0);
/// ```
#[allow(non_camel_case_types)]
#[repr(C)]
pub struct module {
    _data: [u8; 0],
    _marker: PhantomData<(*mut u8, PhantomPinned)>,
}

/// [`module`] under a Rust type name.
pub type Module = module;

/// The kernel's `struct bpf_prog`, only ever seen through a pointer: what a
/// [`BtfKfuncFilter`] is handed. Opaque like [`module`].
///
/// ```
/// use btf_ids_runtime::kernel::bpf_prog;
/// assert_eq!(core::mem::size_of::<bpf_prog>(), 0);
/// ```
#[allow(non_camel_case_types)]
#[repr(C)]
pub struct bpf_prog {
    _data: [u8; 0],
    _marker: PhantomData<(*mut u8, PhantomPinned)>,
}

unsafe extern "C" {
    /// `THIS_MODULE`: the module's `struct module`, defined by the `.mod.c`
    /// modpost generates for every module. Only [`BtfKfuncIdSet::new`]
    /// names it, so code that never calls `new` does not need it to link.
    static __this_module: module;
}

/// `btf_kfunc_filter_t` (include/linux/btf.h, 6.5+): called with the program
/// and the BTF ID being looked up, for every kfunc looked up on the hook the
/// filter is registered on (the program type's hook; filters of other hooks
/// never see the program). 0 lets the program call the kfunc; non-zero hides
/// it, and kernel filters return `-EACCES` ([`EACCES`]). A filter therefore
/// returns 0 for IDs outside the set it came with.
///
/// ```
/// use btf_ids_runtime::kernel::{bpf_prog, BtfKfuncFilter, EACCES};
///
/// unsafe extern "C" fn hide_42(_prog: *const bpf_prog, kfunc_id: u32) -> i32 {
///     if kfunc_id == 42 { -EACCES } else { 0 }
/// }
/// let filter: BtfKfuncFilter = hide_42;
/// assert_eq!(unsafe { filter(core::ptr::null(), 42) }, -13);
/// ```
pub type BtfKfuncFilter = unsafe extern "C" fn(prog: *const bpf_prog, kfunc_id: u32) -> i32;

/// `struct btf_kfunc_id_set` of Linux 6.12 (include/linux/btf.h): the set of
/// kfuncs a module registers, the module that owns it and an optional filter.
///
/// `#[repr(C)]`, three pointer-sized members in the kernel's order: `owner`
/// (`struct module *`), `set` (`struct btf_id_set8 *`) and `filter`
/// (`btf_kfunc_filter_t`, NULL for none). It is built in const context, so
/// it can be a `static`, as the kernel wants it (it keeps pointers into it
/// until the module is unloaded):
///
/// ```
/// use btf_ids_runtime::kernel::{bpf_prog, BtfKfuncIdSet, EACCES};
/// use btf_ids_runtime::{btf_kfuncs, btf_id_list, kfunc};
///
/// #[kfunc]
/// pub extern "C" fn bpf_rs_add(a: u64, b: u64) -> u64 { a.wrapping_add(b) }
/// #[kfunc]
/// pub extern "C" fn bpf_rs_filtered(x: u64) -> u64 { x.wrapping_add(1) }
///
/// btf_kfuncs! { pub static RSK_KFUNCS = [bpf_rs_add, bpf_rs_filtered]; }
/// btf_id_list! { static FILTERED_ID = func bpf_rs_filtered; }
///
/// /// Hides bpf_rs_filtered from the programs of the hook it is registered on.
/// unsafe extern "C" fn rsk_filter(_prog: *const bpf_prog, kfunc_id: u32) -> i32 {
///     if kfunc_id == FILTERED_ID[0] { -EACCES } else { 0 }
/// }
///
/// // { .owner = THIS_MODULE, .set = &rsk_kfuncs }
/// static RSK_SET: BtfKfuncIdSet = BtfKfuncIdSet::new(RSK_KFUNCS);
/// // { .owner = THIS_MODULE, .set = &rsk_kfuncs, .filter = rsk_filter }
/// static RSK_FILTERED_SET: BtfKfuncIdSet = BtfKfuncIdSet::new(RSK_KFUNCS).with_filter(rsk_filter);
///
/// # #[unsafe(no_mangle)]
/// # static __this_module: u8 = 0; // modpost's .mod.c defines it in a module
/// fn main() {
///     assert!(RSK_SET.filter().is_none());
///     assert!(RSK_FILTERED_SET.filter().is_some());
///     assert_eq!(RSK_SET.owner(), RSK_FILTERED_SET.owner());
///     assert_eq!(RSK_SET.set(), (RSK_KFUNCS as *const _ as *const core::ffi::c_void));
/// }
/// ```
///
/// Register it with [`register_btf_kfunc_id_set`] from the module's init.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct BtfKfuncIdSet {
    owner: *const module,
    set: *const c_void,
    filter: Option<BtfKfuncFilter>,
}

// SAFETY: the members are addresses the kernel reads: the module, a set8 in
// `.BTF_ids` (patched at build time, never written through this struct) and
// a function. Rust code never writes through them, so sharing the struct
// between threads (and placing it in a `static`) is sound.
unsafe impl Sync for BtfKfuncIdSet {}
// SAFETY: as for `Sync`: the struct is only addresses.
unsafe impl Send for BtfKfuncIdSet {}

impl BtfKfuncIdSet {
    /// `{ .owner = THIS_MODULE, .set = set }`: the kfunc set `set` (what
    /// [`btf_kfuncs!`](crate::btf_kfuncs) declares), owned by this module,
    /// with no filter.
    ///
    /// The owner is `&__this_module`, which modpost's `.mod.c` defines when
    /// kbuild links the module; a host program that calls `new` must define
    /// that symbol itself (the examples here do).
    pub const fn new<const N: usize>(set: &'static BtfIdSet8<N>) -> BtfKfuncIdSet {
        BtfKfuncIdSet {
            owner: &raw const __this_module,
            set: set as *const BtfIdSet8<N> as *const c_void,
            filter: None,
        }
    }

    /// The same set with `.filter = filter` (see [`BtfKfuncFilter`]).
    pub const fn with_filter(mut self, filter: BtfKfuncFilter) -> BtfKfuncIdSet {
        self.filter = Some(filter);
        self
    }

    /// `.owner`: this module's `struct module`.
    pub const fn owner(&self) -> *const module {
        self.owner
    }

    /// `.set`: the address of the [`BtfIdSet8`] the set was made from (the
    /// kernel's `struct btf_id_set8`).
    pub const fn set(&self) -> *const c_void {
        self.set
    }

    /// `.filter`, `None` for a NULL filter.
    pub const fn filter(&self) -> Option<BtfKfuncFilter> {
        self.filter
    }
}

impl fmt::Debug for BtfKfuncIdSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BtfKfuncIdSet")
            .field("owner", &self.owner)
            .field("set", &self.set)
            .field("filter", &self.filter.map(|g| g as *const c_void))
            .finish()
    }
}

unsafe extern "C" {
    /// `int register_btf_kfunc_id_set(enum bpf_prog_type prog_type, const
    /// struct btf_kfunc_id_set *kset)` (kernel/bpf/btf.c): makes the kfuncs
    /// of `kset` callable from programs of `prog_type` (one of the
    /// `BPF_PROG_TYPE_*` constants here). Returns 0 or a negative errno:
    /// `-EINVAL` for a set without `BTF_SET8_KFUNCS`, a program type with no
    /// kfunc hook or an entry the module's BTF does not describe as a
    /// function (an unresolved ID 0 included), `-E2BIG` past the kernel's
    /// per-hook limits.
    ///
    /// A module without BTF gets 0 too, and nothing is registered: the
    /// kernel only logs "missing module BTF, cannot register kfunc". That
    /// is also what happens when the loader silently dropped the module's
    /// BTF (type names that are not C identifiers, as Rust's DWARF gives,
    /// until `btf-ids resolve` fixes them); `/sys/kernel/btf/<module>` exists
    /// only when the module has BTF.
    ///
    /// It is `EXPORT_SYMBOL_GPL`: a module whose
    /// [`kernel_module!`](crate::kernel_module) license is not
    /// GPL-compatible fails to load (`Unknown symbol
    /// register_btf_kfunc_id_set`).
    ///
    /// ```no_run
    /// use btf_ids_runtime::kernel::{register_btf_kfunc_id_set, BtfKfuncIdSet, BPF_PROG_TYPE_SYSCALL};
    /// # #[btf_ids_runtime::kfunc] pub extern "C" fn bpf_rs_add(a: u64, b: u64) -> u64 { a + b }
    /// btf_ids_runtime::btf_kfuncs! { static RSK_KFUNCS = [bpf_rs_add]; }
    /// static RSK_SET: BtfKfuncIdSet = BtfKfuncIdSet::new(RSK_KFUNCS);
    ///
    /// fn rsk_init() -> i32 {
    ///     // SAFETY: module init; RSK_SET lives as long as the module.
    ///     unsafe { register_btf_kfunc_id_set(BPF_PROG_TYPE_SYSCALL, &RSK_SET) }
    /// }
    /// # mod kernel_stubs {
    /// #     #[unsafe(no_mangle)] static __this_module: u8 = 0;
    /// #     #[unsafe(no_mangle)] extern "C" fn register_btf_kfunc_id_set(_: u32, _: *const u8) -> i32 { 0 }
    /// # }
    /// # fn main() { rsk_init(); }
    /// ```
    ///
    /// # Safety
    ///
    /// Kernel code only, in process context (it sleeps: it takes a mutex and
    /// allocates), typically the module's init function. `kset` must be a
    /// set of this module made by [`BtfKfuncIdSet::new`], whose filter, if
    /// any, is sound to call with any program and ID.
    pub fn register_btf_kfunc_id_set(prog_type: u32, kset: &'static BtfKfuncIdSet) -> c_int;

    /// `int _printk(const char *fmt, ...)` (kernel/printk/printk.c), what C's
    /// `printk()` and `pr_info()` call: writes to the kernel log. The format
    /// starts with the log level, `KERN_SOH` (`\x01`) and a digit:
    /// `"\x016"` is `KERN_INFO`, `"\x013"` `KERN_ERR`, `"\x017"`
    /// `KERN_DEBUG`. Returns the number of bytes written.
    ///
    /// ```no_run
    /// use btf_ids_runtime::kernel::_printk;
    /// let rc: i32 = -22;
    /// // SAFETY: a NUL-terminated format whose one %d matches the int passed.
    /// unsafe { _printk(c"\x016rsk: register SYSCALL = %d\n".as_ptr(), rc) };
    /// # mod kernel_stubs {
    /// #     #[unsafe(no_mangle)] extern "C" fn _printk(_: *const u8) -> i32 { 0 }
    /// # }
    /// ```
    ///
    /// # Safety
    ///
    /// Kernel code only. `fmt` is a NUL-terminated format string whose
    /// conversions match the arguments passed, in number and C type (`%d`:
    /// `i32`, `%u`: `u32`, `%llu`: `u64`, `%s`: a NUL-terminated
    /// `*const c_char`, `%px`: a pointer).
    pub fn _printk(fmt: *const c_char, ...) -> c_int;
}

// ---------------------------------------------------------------------------
// Program types
// ---------------------------------------------------------------------------

/// `__MAX_BPF_PROG_TYPE`: one past the last program type of 6.12.
pub const MAX_BPF_PROG_TYPE: u32 = crate::prog_types::MAX_BPF_PROG_TYPE;

macro_rules! kernel_prog_types {
    ($($(#[$doc:meta])* $variant:ident = $value:literal, $konst:ident, $hook:expr;)*) => {
        $(
            #[doc = concat!("`", stringify!($konst), "` = ", stringify!($value), " of `enum bpf_prog_type`:")]
            $(#[$doc])*
            pub const $konst: u32 = $value;
        )*

        // The table has one row per value, in value order.
        const _: () = {
            let values = [$($value),*];
            assert!(values.len() == MAX_BPF_PROG_TYPE as usize);
            let mut i = 0;
            while i < values.len() {
                assert!(values[i] == i as u32);
                i += 1;
            }
        };
    };
}

crate::prog_types::bpf_prog_types!(kernel_prog_types);

// ---------------------------------------------------------------------------
// Errno values
// ---------------------------------------------------------------------------

macro_rules! errno {
    ($($(#[$doc:meta])* $name:ident = $value:literal;)*) => {
        $(
            #[doc = concat!("`", stringify!($name), "` (", stringify!($value), "): ")]
            $(#[$doc])*
            /// Kernel functions return it negated.
            pub const $name: i32 = $value;
        )*
    };
}

errno! {
    /// operation not permitted.
    EPERM = 1;
    /// no such file or directory (no such entry).
    ENOENT = 2;
    /// no such process.
    ESRCH = 3;
    /// interrupted system call.
    EINTR = 4;
    /// I/O error.
    EIO = 5;
    /// no such device or address.
    ENXIO = 6;
    /// argument list too long; what the kfunc registration answers past
    /// its per-hook limits.
    E2BIG = 7;
    /// bad file number.
    EBADF = 9;
    /// try again.
    EAGAIN = 11;
    /// out of memory.
    ENOMEM = 12;
    /// permission denied; what kfunc filters return to hide a kfunc.
    EACCES = 13;
    /// bad address.
    EFAULT = 14;
    /// device or resource busy.
    EBUSY = 16;
    /// file exists.
    EEXIST = 17;
    /// no such device.
    ENODEV = 19;
    /// invalid argument.
    EINVAL = 22;
    /// no space left on device.
    ENOSPC = 28;
    /// result not representable.
    ERANGE = 34;
    /// function not implemented.
    ENOSYS = 38;
    /// value too large for the data type.
    EOVERFLOW = 75;
    /// operation not supported.
    EOPNOTSUPP = 95;
    /// operation not supported (kernel-internal, include/linux/errno.h;
    /// never returned to user space).
    ENOTSUPP = 524;
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{align_of, offset_of, size_of};

    #[test]
    fn layout_is_three_pointers_in_the_kernels_order() {
        let ptr = size_of::<*const u8>();
        assert_eq!(size_of::<BtfKfuncIdSet>(), 3 * ptr);
        assert_eq!(align_of::<BtfKfuncIdSet>(), align_of::<*const u8>());
        assert_eq!(offset_of!(BtfKfuncIdSet, owner), 0);
        assert_eq!(offset_of!(BtfKfuncIdSet, set), ptr);
        assert_eq!(offset_of!(BtfKfuncIdSet, filter), 2 * ptr);
        assert_eq!(size_of::<Option<BtfKfuncFilter>>(), ptr);
    }

    #[test]
    fn program_types_are_the_uapi_values() {
        assert_eq!(BPF_PROG_TYPE_UNSPEC, 0);
        assert_eq!(BPF_PROG_TYPE_SCHED_CLS, 3);
        assert_eq!(BPF_PROG_TYPE_TRACING, 26);
        assert_eq!(BPF_PROG_TYPE_SYSCALL, 31);
        assert_eq!(BPF_PROG_TYPE_NETFILTER, 32);
        assert_eq!(MAX_BPF_PROG_TYPE, 33);
    }
}
