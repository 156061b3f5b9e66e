//! The three commands as library functions: they take paths and options
//! and return a report (or an [`Error`](crate::Error)); [`crate::render`]
//! turns reports into text and JSON, and [`crate::cli`] prints them.

pub mod btf_source;
pub mod check;
pub mod inspect;
pub mod resolve;

pub use crate::resolve::report::ResolveReport;
pub use btf_source::BtfSource;
pub use check::{check_with, CheckReport};
pub use inspect::{inspect_data, GroupReport, InspectReport, Summary};
pub use resolve::{resolve, ResolveOptions};
