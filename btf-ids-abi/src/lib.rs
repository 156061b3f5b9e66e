//! The `.BTF_ids` ABI of the Linux kernel, spelt once: what
//! include/linux/btf_ids.h emits, what resolve_btfids reads and patches,
//! and what the verifier reads from a kfunc's BTF.
//!
//! - [`names`]: the section name, the `__BTF_ID__` symbol grammar (formed
//!   and parsed by one pair), the entry kinds;
//! - [`layout`]: the set and set8 layouts;
//! - [`flags`]: the `KF_*` flags with their `#[kfunc]` words, and
//!   `BTF_SET8_KFUNCS`;
//! - [`args`]: the argument-name suffixes and the two whole names.
//!
//! The btf-ids macros form their output with it, `btf-ids-runtime`
//! re-exports its flags and argument table, and the `btf-ids` tool parses
//! objects with it. `no_std`, no dependencies, no allocation.
//!
//! ```
//! use btf_ids_abi::{flags::KF_ACQUIRE, names::BTF_IDS_SECTION};
//! assert_eq!(BTF_IDS_SECTION, ".BTF_ids");
//! assert_eq!(KF_ACQUIRE, 1);
//! ```

#![no_std]
#![warn(missing_docs)]

pub mod args;
pub mod flags;
pub mod layout;
pub mod names;
