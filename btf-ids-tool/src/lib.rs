//! Placeholder: the btf-ids tool.
