//! Procedural macros behind `btf_ids_runtime`: the Rust twins of the
//! `include/linux/btf_ids.h` macros and of `__bpf_kfunc`.
//!
//! Use them through `btf_ids_runtime`, which re-exports each one and owns the
//! types the expansions name. A declaration macro goes through three
//! stages: `parse` reads the syntax into `ast`, `valid` judges what it means,
//! `expand` writes it out. Keeping meaning out of the parser leaves the
//! parser a grammar and puts every rule a user can break in one file;
//! `#[kfunc]`'s rules are in `kfunc::check`. `symbol` alone forms
//! `__BTF_ID__` names and `asm` alone writes assembler text.
//!
//! Every name the macros take ends up in an assembler symbol, so each must
//! be ASCII (checked). A `#[no_mangle]` list or set also defines a hidden
//! crate-root `macro_rules!` named after its symbol, so that a second one of
//! the same name in the crate is a compile error at its name.

#![warn(missing_docs)]

mod asm;
mod ast;
mod errors;
mod expand;
mod flag_expr;
mod kfunc;
mod parse;
mod symbol;
mod valid;

use ast::Macro;
use proc_macro::TokenStream;

fn run(input: TokenStream, mac: Macro) -> TokenStream {
    match valid::decls(parse::input(input.into(), mac), mac) {
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
///
/// A `#[kfunc]` entry is written by the function's twin: the `.BTF_ids`
/// slot gets the function's real name (the name BTF knows) through any
/// `use ... as` alias or re-export.
#[proc_macro]
pub fn btf_kfuncs(input: TokenStream) -> TokenStream {
    run(input, Macro::Kfuncs)
}

/// `__bpf_kfunc` plus the flags of `BTF_ID_FLAGS`; see
/// `btf_ids_runtime::kfunc` for what it exposes (`kfunc_info!`) and
/// docs/kfuncs.md for every rule it checks.
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
/// kept by the linker even when nothing calls it. What the attribute read
/// goes into a hidden `macro_rules!` twin of the same name (the macro
/// namespace, so a type of that name stays legal), which `btf_kfuncs!` and
/// `btf_ids_runtime::kfunc_info!` read by any path to the function.
///
/// Checked at the offending token, all at once: the flags and their
/// combinations, the argument names the verifier reads, the signature
/// (`extern "C"`, no generics, `impl Trait`, `async` or `self`, at most five
/// arguments), the types passed by value (integers and thin pointers only:
/// no float, 128-bit integer, fat pointer, tuple or array; a struct, union
/// or enum by value is refused by the type system, which also sees through
/// aliases), an ASCII name, and that the function is a free function at
/// module level (the type system tells an associated function or a function
/// in a block).
#[proc_macro_attribute]
pub fn kfunc(attr: TokenStream, item: TokenStream) -> TokenStream {
    match kfunc::expand(attr.into(), item.into()) {
        Ok(tokens) => tokens.into(),
        Err(e) => e.to_compile_error().into(),
    }
}
