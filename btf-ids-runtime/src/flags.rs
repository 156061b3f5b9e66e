//! `KF_*` flags of include/linux/btf.h and `BTF_SET8_KFUNCS`.

/// The set8 holds kfuncs (`BTF_SET8_KFUNCS`, include/linux/btf_ids.h).
pub const BTF_SET8_KFUNCS: u32 = 1 << 0;
/// Returns an acquired reference.
pub const KF_ACQUIRE: u32 = 1 << 0;
/// Releases the reference passed in.
pub const KF_RELEASE: u32 = 1 << 1;
/// The returned pointer may be NULL.
pub const KF_RET_NULL: u32 = 1 << 2;
