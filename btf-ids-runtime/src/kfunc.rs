//! What a `#[kfunc]` function tells the sets, the registry and tools.

/// Implemented by the type-namespace twin that `#[kfunc]` generates beside
/// each function; `btf_kfuncs!` reads the flags from it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a #[kfunc] function",
    label = "add #[kfunc] to this function, or list it as `func NAME(FLAGS)`"
)]
pub trait Kfunc {
    /// The function's symbol name, the name resolve_btfids looks up in BTF.
    const NAME: &'static str;
    /// Its `KF_*` flags, as `BTF_ID_FLAGS(func, name, flags)` would give them.
    const FLAGS: u32;
}
