//! Procedural macros behind `btf_ids_runtime`: the Rust twins of the
//! `include/linux/btf_ids.h` macros and of `__bpf_kfunc`.
//!
//! Use them through `btf_ids_runtime`, which re-exports each one and owns the
//! types the expansions name. Parsing lives in `parse`, expansion in
//! `expand`; `symbol` alone forms `__BTF_ID__` names and `asm` alone
//! writes assembler text.

#![warn(missing_docs)]

mod asm;
mod expand;
mod flag_expr;
mod kfunc;
mod parse;
mod symbol;

use parse::Macro;
use proc_macro::TokenStream;

fn run(input: TokenStream, mac: Macro) -> TokenStream {
    match parse::decls(input.into(), mac) {
        Ok(decls) => expand::decls(decls, mac).into(),
        Err(e) => e.to_compile_error().into(),
    }
}

/// `BTF_ID_LIST` with `BTF_ID` and `BTF_ID_UNUSED` entries; see
/// `btf_ids_runtime::btf_id_list!`.
#[proc_macro]
pub fn btf_id_list(input: TokenStream) -> TokenStream {
    run(input, Macro::List)
}

/// `BTF_SET_START`/`BTF_SET_END`; see `btf_ids_runtime::btf_set!`.
#[proc_macro]
pub fn btf_set(input: TokenStream) -> TokenStream {
    run(input, Macro::Set)
}

/// `BTF_SET8_START`/`BTF_SET8_END` with `BTF_ID_FLAGS` entries; see
/// `btf_ids_runtime::btf_set8!`.
#[proc_macro]
pub fn btf_set8(input: TokenStream) -> TokenStream {
    run(input, Macro::Set8)
}

/// `BTF_KFUNCS_START`/`BTF_KFUNCS_END`; see `btf_ids_runtime::btf_kfuncs!`.
#[proc_macro]
pub fn btf_kfuncs(input: TokenStream) -> TokenStream {
    run(input, Macro::Kfuncs)
}

/// `__bpf_kfunc` plus the flags of `BTF_ID_FLAGS`; see
/// `btf_ids_runtime::kfunc` for the constants it exposes and docs/kfuncs.md
/// for every rule it checks.
///
/// ```ignore
/// use btf_ids_runtime::{btf_kfuncs, kfunc};
///
/// // C: __bpf_kfunc struct task_struct *bpf_task_acquire(struct task_struct *p)
/// //    BTF_ID_FLAGS(func, bpf_task_acquire, KF_ACQUIRE | KF_RET_NULL)
/// #[kfunc(acquire, ret_null)]
/// pub unsafe extern "C" fn bpf_task_acquire(p: *mut task_struct) -> *mut task_struct { p }
///
/// btf_kfuncs! { static TASK_KFUNCS = [bpf_task_acquire]; }
/// ```
///
/// Flags are the kernel's `KF_*` names in lower case. The function is emitted
/// unmangled, `#[inline(never)]`, with its parameter names as written, and is
/// kept by the linker even when nothing calls it. A type of the same name
/// implements `btf_ids_runtime::kfunc::Kfunc`.
#[proc_macro_attribute]
pub fn kfunc(attr: TokenStream, item: TokenStream) -> TokenStream {
    match kfunc::expand(attr.into(), item.into()) {
        Ok(tokens) => tokens.into(),
        Err(e) => e.to_compile_error().into(),
    }
}
