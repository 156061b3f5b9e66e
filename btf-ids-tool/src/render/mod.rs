//! Reports as text and JSON: the text formats and the streaming JSON of
//! `inspect`. Reports are made in [`crate::commands`]; their JSON fields
//! are listed beside their types (`json_fields!`).

mod check;
mod inspect;
mod resolve;

pub use check::check_text;
pub use inspect::inspect_text;
pub(crate) use inspect::{JsonOut, TextOut};
pub use resolve::resolve_messages;
