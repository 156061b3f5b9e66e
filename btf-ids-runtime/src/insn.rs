//! Placeholder: filled in by the kfunc work.
