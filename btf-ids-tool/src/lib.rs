//! The `btf-ids` tool: inspect, resolve and check the `.BTF_ids` section that
//! `include/linux/btf_ids.h` (and this project's Rust macros) emit.
//!
//! - [`btf_scan`]: resolving against BTF without holding it (read in
//!   pieces, checked by the same rules).
//! - [`btf`]: our own bounds-checked BTF reader (split BTF supported). We
//!   wrote one instead of using a crate because the resolver needs a single
//!   pass that records one offset per type and allocates nothing per type,
//!   must accept split BTF over a base, and must never panic on hostile input
//!   (it is fuzzed); see the module docs.
//! - [`elf`]: ELF reading with the `object` crate (no `unsafe`).
//! - [`ids`]: `__BTF_ID__` symbol name parsing (resolve_btfids' `get_id`).
//! - [`resolve`]: the resolve_btfids 6.12 algorithm.
//! - [`layout`]: lists, sets and set8s recovered from symbols, for
//!   `inspect` and `check`.
//! - [`write`](mod@write): atomic output (temp file, optional fsync, rename).
//! - [`btf_write`]: adding `bpf_kfunc` / `bpf_fastcall` decl tags to `.BTF`.
//! - [`btf_fix`]: making a module's own `.BTF` acceptable to kernel 6.12 in
//!   place: [`base_match`] (made over this base?), [`kernel_types`]
//!   (opaque Rust kernel types pointed at vmlinux's), [`btf_names`] (names
//!   made identifiers), [`btf_layout`] (member order, pahole's fake int),
//!   checked against [`btf_rules`] (the 6.12 per-kind rules), as a
//!   [`btf_patch::Patch`].
//! - [`rerun`]: refusing a file resolved before; [`hints`]: the likely
//!   cause under an unresolved kfunc.
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
pub mod base_match;
pub mod btf;
pub mod btf_fix;
pub mod btf_layout;
pub mod btf_names;
pub mod btf_patch;
pub mod btf_rules;
pub mod btf_scan;
pub mod btf_write;
pub mod cmd;
pub mod elf;
pub mod flags;
pub mod hints;
pub mod ids;
pub mod kernel_types;
pub mod layout;
pub mod map;
pub mod names;
pub mod own_btf;
pub mod rerun;
pub mod resolve;
pub mod write;

use std::fmt;

/// An error with the context needed for a one-line message: the file, and
/// where known a byte offset and/or a symbol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// What went wrong.
    pub msg: String,
    /// The file it concerns.
    pub file: Option<String>,
    /// Byte offset in the file (or in the BTF blob named in `msg`).
    pub offset: Option<u64>,
    /// The symbol concerned.
    pub symbol: Option<String>,
}

impl Error {
    /// A new error.
    pub fn new(msg: impl Into<String>) -> Self {
        Error {
            msg: msg.into(),
            file: None,
            offset: None,
            symbol: None,
        }
    }

    /// Adds an offset.
    pub fn at(mut self, off: u64) -> Self {
        self.offset = Some(off);
        self
    }

    /// Adds a symbol.
    pub fn symbol(mut self, s: &str) -> Self {
        self.symbol = Some(s.to_string());
        self
    }

    /// Adds the file name, unless one is already set.
    pub fn file(mut self, f: &str) -> Self {
        if self.file.is_none() {
            self.file = Some(f.to_string());
        }
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{file}: ")?;
        }
        write!(f, "{}", self.msg.replace('\n', " "))?;
        if let Some(s) = &self.symbol {
            write!(f, " (symbol {s})")?;
        }
        if let Some(o) = self.offset {
            write!(f, " (offset {o:#x})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

impl From<btf::BtfError> for Error {
    fn from(e: btf::BtfError) -> Self {
        Error::new(format!("malformed BTF: {}", e.msg)).at(e.offset as u64)
    }
}
