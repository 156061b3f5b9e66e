//! The `.BTF_ids` symbols of an object: their names (the ABI crate's
//! grammar, with resolve_btfids' messages) and the lists, sets and set8s
//! they lay out.

pub mod layout;
pub mod names;
