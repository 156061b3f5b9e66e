//! The tool's one error type: what went wrong ([`ErrorKind`]), and where
//! (the file, a byte offset, a symbol).
//!
//! The layers say what happened with a kind and the facts of the case; the
//! text, resolve_btfids' where the C tool has one (`FAILED: load BTF from
//! ...`), is made here, when the error is shown, and nowhere else.

use std::fmt;

/// What went wrong. Each kind is one layer's failure; its `Display` is the
/// message, the same one resolve_btfids prints where it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// An input could not be read (the I/O error's text), or is not a
    /// file the tool reads (a directory, a device, a FIFO).
    Read(String),
    /// The output could not be written.
    Write(String),
    /// The report could not be written (stdout closed or full).
    Report(String),
    /// A file given as BTF (an ELF) has no `.BTF` section. `use_btf`: it is
    /// the object itself, and `--btf` names another file.
    NoBtfSection {
        /// The file.
        from: String,
        /// Suggest `--btf`.
        use_btf: bool,
    },
    /// resolve_btfids' `FAILED: load BTF from ...`: the BTF (or the base
    /// BTF) could not be loaded, and why (boxed: errors travel by value).
    LoadBtf(Box<LoadBtf>),
    /// BTF the reader refuses (the offset is the error's).
    Btf(String),
    /// An ELF file that is not one, or that the ELF reader refuses.
    Elf(String),
    /// A `.BTF_ids` symbol the symbol table reading refuses.
    Symbol(String),
    /// resolve_btfids' own failures while collecting names and patching
    /// (`FAILED ...`).
    Resolve(String),
    /// A module's own `.BTF` that the kernel would drop, and that
    /// `btf-ids resolve` cannot make acceptable.
    OwnBtf(String),
    /// Refused on purpose: `--strict`, a file resolved before, a `.BTF`
    /// that cannot grow, options that cannot go together.
    Refused(String),
    /// A state the tool's own logic rules out (a bug if ever seen).
    Internal(&'static str),
}

/// The facts of [`ErrorKind::LoadBtf`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadBtf {
    /// The base (`-b`) rather than the BTF resolved against.
    pub base: bool,
    /// The file.
    pub from: String,
    /// Why (the reader's message).
    pub cause: String,
    /// What the cause most likely means, or empty.
    pub hint: String,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Read(e) => write!(f, "cannot read: {e}"),
            ErrorKind::Report(e) => write!(f, "cannot write the report: {e}"),
            ErrorKind::NoBtfSection { from, use_btf } => write!(
                f,
                "FAILED: load BTF from {from}: No data available (no .BTF section{})",
                if *use_btf { "; use --btf" } else { "" }
            ),
            ErrorKind::LoadBtf(e) => write!(
                f,
                "FAILED: load {}BTF from {}: {}{}",
                if e.base { "base " } else { "" },
                e.from,
                e.cause,
                e.hint
            ),
            ErrorKind::Btf(e) => write!(f, "malformed BTF: {e}"),
            ErrorKind::Internal(what) => write!(f, "internal: {what}"),
            ErrorKind::Write(m)
            | ErrorKind::Elf(m)
            | ErrorKind::Symbol(m)
            | ErrorKind::Resolve(m)
            | ErrorKind::OwnBtf(m)
            | ErrorKind::Refused(m) => f.write_str(m),
        }
    }
}

/// An error with the context needed for a one-line message: the file, and
/// where known a byte offset and/or a symbol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// What went wrong.
    pub kind: ErrorKind,
    /// The file it concerns.
    pub file: Option<String>,
    /// Byte offset in the file (or in the BTF blob named in the message).
    pub offset: Option<u64>,
    /// The symbol concerned.
    pub symbol: Option<String>,
}

impl Error {
    /// A new error of `kind`, not yet placed.
    pub fn new(kind: ErrorKind) -> Self {
        Error {
            kind,
            file: None,
            offset: None,
            symbol: None,
        }
    }

    /// An input that cannot be read.
    pub fn read(e: impl fmt::Display) -> Self {
        Error::new(ErrorKind::Read(e.to_string()))
    }

    /// resolve_btfids' own failure while collecting or patching.
    pub fn resolve(msg: impl Into<String>) -> Self {
        Error::new(ErrorKind::Resolve(msg.into()))
    }

    /// A refusal on purpose.
    pub fn refused(msg: impl Into<String>) -> Self {
        Error::new(ErrorKind::Refused(msg.into()))
    }

    /// A `.BTF_ids` symbol the symbol table reading refuses.
    pub fn bad_symbol(msg: impl Into<String>) -> Self {
        Error::new(ErrorKind::Symbol(msg.into()))
    }

    /// A module's own `.BTF` the kernel would drop, beyond repair.
    pub fn own_btf(msg: impl Into<String>) -> Self {
        Error::new(ErrorKind::OwnBtf(msg.into()))
    }

    /// An ELF file the ELF reader refuses.
    pub fn elf(msg: impl Into<String>) -> Self {
        Error::new(ErrorKind::Elf(msg.into()))
    }

    /// A state the tool's own logic rules out.
    pub fn internal(what: &'static str) -> Self {
        Error::new(ErrorKind::Internal(what))
    }

    /// The message alone, without the file, symbol and offset.
    pub fn message(&self) -> String {
        self.kind.to_string()
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
        write!(f, "{}", self.message().replace('\n', " "))?;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The texts resolve_btfids prints, made from the facts.
    #[test]
    fn the_kernel_tools_texts() {
        let load = |base, hint: &str| {
            ErrorKind::LoadBtf(Box::new(LoadBtf {
                base,
                from: "vmlinux".into(),
                cause: "Invalid argument".into(),
                hint: hint.into(),
            }))
            .to_string()
        };
        assert_eq!(
            load(false, ""),
            "FAILED: load BTF from vmlinux: Invalid argument"
        );
        assert_eq!(
            load(true, " (hint)"),
            "FAILED: load base BTF from vmlinux: Invalid argument (hint)"
        );
        let none = |use_btf| {
            ErrorKind::NoBtfSection {
                from: "m.ko".into(),
                use_btf,
            }
            .to_string()
        };
        assert_eq!(
            none(false),
            "FAILED: load BTF from m.ko: No data available (no .BTF section)"
        );
        assert_eq!(
            none(true),
            "FAILED: load BTF from m.ko: No data available (no .BTF section; use --btf)"
        );
        let placed = Error::read("No such file or directory")
            .file("m.ko")
            .symbol("set_sym")
            .at(0x40);
        assert_eq!(
            placed.to_string(),
            "m.ko: cannot read: No such file or directory (symbol set_sym) (offset 0x40)"
        );
        assert_eq!(placed.message(), "cannot read: No such file or directory");
    }
}
