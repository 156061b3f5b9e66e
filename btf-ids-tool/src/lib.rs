//! The `btf-ids` tool: inspect, resolve and check the `.BTF_ids` section that
//! `include/linux/btf_ids.h` (and this project's Rust macros) emit.
//!
//! The supported way in is the command line, [`cli`]. Inside, one layer per
//! job, each using only those listed before it (no layer imports one that
//! imports it back):
//!
//! - `input`: bounded reads, mappings and the regular-file checks;
//!   `output`: writing a resolved file so that it stays the file it was.
//! - `elf`: ELF reading with the `object` crate (no `unsafe`).
//! - `symbols`: the `__BTF_ID__` symbols (the grammar is btf-ids-abi's),
//!   read and checked once for every command (`symbols::table`), and the
//!   lists, sets and set8s they lay out.
//! - `btf`: our own bounds-checked BTF reader (split BTF supported), the
//!   streaming scan that resolves without holding vmlinux's BTF, the 6.12
//!   per-kind rules and the repairs of a module's own `.BTF` (`btf::fix`).
//!   We wrote a reader instead of
//!   using a crate because the resolver needs a single pass that records
//!   one offset per type and allocates nothing per type, must accept split
//!   BTF over a base, and must never panic on hostile input (it is fuzzed).
//! - `resolve`: the resolve_btfids 6.12 algorithm, with the check for a
//!   file resolved before, the hints under an unresolved kfunc, and the
//!   `bpf_kfunc` decl tags of `--kfunc-tags` (`resolve::tags`).
//! - `commands`: inspect, resolve and check as functions from paths and
//!   options to reports; `render`: reports as text and JSON.
//! - [`cli`]: the command line.
//!
//! The fuzz targets and the integration tests reach the layers through
//! `internals`, which is not an API.
//!
//! Kernel versions: the resolve rules, messages and arguments are those of
//! the Debian 6.12 resolve_btfids; KF_* names and values are those of
//! include/linux/btf.h up to KF_IMPLICIT_ARGS (7.0); the decl tags written by
//! `--kfunc-tags` are what pahole (before 2026) and resolve_btfids (7.3)
//! add.

#![deny(unsafe_code)]
#![warn(missing_docs)]

#[macro_use]
mod json;
pub(crate) mod btf;
mod bytes;
pub mod cli;
pub(crate) mod commands;
pub(crate) mod elf;
mod error;
pub(crate) mod flag_names;
pub(crate) mod input;
#[doc(hidden)]
pub mod internals;
pub(crate) mod output;
pub(crate) mod render;
pub(crate) mod resolve;
pub(crate) mod symbols;

pub use error::{Error, ErrorKind, LoadBtf};
