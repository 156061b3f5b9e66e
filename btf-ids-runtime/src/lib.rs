//! Typed, `no_std` views over the `.BTF_ids` data that the kernel's
//! `resolve_btfids` patches, and the Rust twins of `include/linux/btf_ids.h`.
//!
//! This is the one crate a kernel-style Rust crate depends on: it re-exports
//! every macro and owns the types they expand to.
//!
//! | C (`btf_ids.h`) | Rust |
//! |---|---|
//! | `BTF_ID_LIST(name)` + `BTF_ID(kind, n)` + `BTF_ID_UNUSED` | [`btf_id_list!`] |
//! | `BTF_ID_LIST_SINGLE(name, kind, n)` | `btf_id_list! { static NAME = kind n; }` |
//! | `BTF_ID_LIST_GLOBAL(name, n)`, `..._GLOBAL_SINGLE` | `#[no_mangle]` on the declaration |
//! | `BTF_SET_START/END`, `BTF_SET_START_GLOBAL` | [`btf_set!`] |
//! | `BTF_SET8_START/END` + `BTF_ID_FLAGS` | [`btf_set8!`] |
//! | `BTF_KFUNCS_START/END` | [`btf_kfuncs!`] |
//!
//! A loadable kernel module links against [`kernel`]: `struct
//! btf_kfunc_id_set`, `register_btf_kfunc_id_set()`, `_printk()` and
//! [`kernel_module!`] for a module with no C at all.
//!
//! ```
//! use btf_ids_runtime::{btf_id_list, btf_set, btf_set8};
//! use btf_ids_runtime::flags::*;
//!
//! btf_id_list! {
//!     pub static TRACING_IDS = [struct task_struct, unused, func bpf_task_acquire];
//! }
//! btf_set! { static TASK_SET = [func bpf_task_release, func bpf_task_acquire]; }
//! btf_set8! {
//!     static TASK_SET8 = [func bpf_task_acquire(KF_ACQUIRE | KF_RET_NULL),
//!                         func bpf_task_release(KF_RELEASE)];
//! }
//!
//! fn main() {
//!     // Until resolve_btfids patches the file, every ID reads 0.
//!     assert_eq!(TRACING_IDS.len(), 3);
//!     assert_eq!(TRACING_IDS[1], 0);
//!     assert_eq!(TASK_SET.capacity(), 2);
//!     assert_eq!(TASK_SET8.capacity(), 2);
//! }
//! ```
//!
//! # Features
//!
//! * `debug-info-btf` (default): the twin of `CONFIG_DEBUG_INFO_BTF`. With it
//!   the macros emit `.BTF_ids` blocks for resolve_btfids; without it they
//!   take the header's `#else` branch (zero-filled lists, empty sets, no
//!   `.BTF_ids` section).
//! * `registry` (off by default): the `registry` module, a host-side model of
//!   `register_btf_kfunc_id_set()` and of the verifier's kfunc lookup, with
//!   the `register_btf_kfunc_id_set!` and `btf_kfunc_names!` macros. It
//!   collects registrations across crates with `linkme`, whose sections have
//!   no place in a kernel module, so module builds leave it off; [`kernel`],
//!   [`insn`], [`kfunc`](mod@kfunc) and the views need no feature.
#![no_std]
#![warn(missing_docs)]

/// `KF_*` kfunc flags and `BTF_SET8_KFUNCS`, with the kernel's names and
/// bit values (the `btf-ids-abi` crate).
pub mod flags {
    pub use btf_ids_abi::flags::*;
}
pub mod insn;
pub mod kernel;
pub mod kfunc;
mod prog_types;
#[cfg(feature = "registry")]
pub mod registry;
mod views;

pub use views::{BtfIdList, BtfIdSet, BtfIdSet8, BtfIdSet8Pair};

pub use btf_ids_macros::{btf_id_list, btf_kfuncs, btf_set, btf_set8, kfunc};

/// Picks the `CONFIG_DEBUG_INFO_BTF` branch of an expansion.
#[cfg(feature = "debug-info-btf")]
#[doc(hidden)]
#[macro_export]
macro_rules! __btf_ids_config {
    (enabled { $($enabled:tt)* } disabled { $($disabled:tt)* }) => { $($enabled)* };
}

/// Picks the `#else` branch of an expansion: no `.BTF_ids` at all.
#[cfg(not(feature = "debug-info-btf"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __btf_ids_config {
    (enabled { $($enabled:tt)* } disabled { $($disabled:tt)* }) => { $($disabled)* };
}
