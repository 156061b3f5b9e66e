//! The `/init` of the btf-ids-vm initramfs, as a library so that the case
//! table and the program builders are unit-tested on the host.
//!
//! - [`cases`]: the data-driven case table (modules, steps, programs).
//! - [`ids`]: kfunc BTF IDs by name from `/sys/kernel/btf`.
//! - [`asm`]: the few instruction constructors the programs need.
//! - [`exec`]: running the plans and printing the protocol lines.
//! - [`fixtures`]: the maps and struct offsets the rule programs use.
//! - [`sys`]: mounts, the kernel log, power-off.

#![warn(missing_docs)]

pub mod asm;
pub mod cases;
pub mod exec;
pub mod fixtures;
pub mod ids;
pub mod sys;
