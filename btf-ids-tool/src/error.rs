//! The tool's one error type: a message, and where it is.

use crate::btf;
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
