//! The `.BTF_ids` symbols of an object: their names (the ABI crate's
//! grammar, with resolve_btfids' messages), the one validated reading of
//! them that every command builds on (`table`), and the lists, sets and
//! set8s they lay out.

pub mod layout;
pub mod names;
pub mod table;

pub use table::Table;
