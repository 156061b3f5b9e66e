//! `#[kfunc(flags...)]`: the twin of C's `__bpf_kfunc` plus the flags that
//! `BTF_ID_FLAGS` gives the function in a kfunc set.
//!
//! The function is emitted as `__bpf_kfunc` makes it in C: unmangled, C ABI,
//! global, never inlined, and kept by the linker even when nothing calls it
//! (C: `__used __retain noinline`). Beside it goes a hidden module
//! `__btf_ids_kfunc_<name>` holding:
//!
//! * a `macro_rules!` twin of the function's name, re-exported beside the
//!   function with a `use`, so that it lives in the *macro* namespace at the
//!   function's path: a type of the same name stays legal, and a `use ... as`
//!   alias or a `pub use` of the function carries the twin along. The twin
//!   answers `__btf_ids_slot` (a set's `.BTF_ids` slot and flags word,
//!   under the function's real name), `__btf_ids_name`, `__btf_ids_flags`
//!   and `__btf_ids_info` (a `btf_ids_runtime::kfunc::KfuncInfo`); that is
//!   how `btf_kfuncs!` and `btf_ids_runtime::kfunc_info!` read a kfunc by
//!   path;
//! * the keep-alive reference (see `asm::keep_alive`), made through an
//!   `extern` declaration of the function's symbol, which the hidden module
//!   can name wherever it stands.
//!
//! The function's body starts with a constant item that holds the checks the
//! type system makes (type aliases, structs) and the placement probe: a
//! kfunc must be a module-level function, and only the type system can tell
//! an associated function or a function inside a block from one (see
//! `btf_ids_runtime::kfunc::__private::ModuleLevel`).
//!
//! [`flags`] parses the attribute, [`args`] reads parameter names and types,
//! [`check`] makes the verifier's and the registration's checks at compile
//! time. Every mistake is collected, so a user sees all of them at once.

mod args;
mod check;
mod flags;

use crate::errors::Errors;
use proc_macro2::{Literal, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;

pub fn expand(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let mut errors = Errors::default();
    let flags::Parsed { given, krate } = flags::parse(attr, &mut errors);
    let f: syn::ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(e) => {
            let all = match syn::parse2::<syn::TraitItemFn>(item) {
                // `fn name(...);`: a trait method or a foreign function.
                Ok(decl) if decl.default.is_none() => syn::Error::new(
                    decl.sig.ident.span(),
                    format!(
                        "#[kfunc] applies to a free function with a body, at module level; \
                         `{}` is a declaration without one (in a trait or an `extern` block)",
                        decl.sig.ident
                    ),
                ),
                _ => {
                    let mut all = syn::Error::new(
                        Span::call_site(),
                        "#[kfunc] applies to a free function: `pub extern \"C\" fn name(...)`",
                    );
                    all.combine(e);
                    all
                }
            };
            return Err(errors.after(all));
        }
    };
    let report = check::signature(&f, &given, &mut errors);

    let rt = runtime_path(krate.as_ref());
    let name = &f.sig.ident;
    let name_str = name.unraw().to_string();
    let vis = &f.vis;
    let cfgs: Vec<&syn::Attribute> = f
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("cfg"))
        .collect();

    let flags_value = given.iter().fold(0u32, |acc, g| acc | g.flag.bit());
    let flags = Literal::u32_unsuffixed(flags_value);
    let arg_entries = report.params.iter().map(|p| {
        let pname = &p.name;
        let variant = format_ident!("{}", p.annotation.variant_name());
        quote! {
            #rt::kfunc::KfuncArg {
                name: #pname,
                annotation: #rt::kfunc::ArgAnnotation::#variant,
            }
        }
    });
    let errors = errors.to_compile_error();
    if report.misplaced {
        // A method, or a function that names `Self`: nothing but the errors,
        // which say to move it out (the module-level items that come with a
        // kfunc could not stand where it is).
        return Ok(quote!(#errors));
    }

    let hidden = format_ident!("__btf_ids_kfunc_{}", name_str);
    let (slot_head, slot_flags) = crate::asm::kfunc_slot(&name_str, flags_value);
    let misuse = format!(
        "`{name_str}!` is the hidden twin #[kfunc] gives `{name_str}`; read what it holds with \
         `btf_ids_runtime::kfunc_info!({name_str})`, or list `{name_str}` in `btf_kfuncs!`"
    );
    let keep = if report.shape_ok {
        // The function survives executables and cdylibs that never call it,
        // and fat LTO: a retained section references it (see
        // asm::keep_alive). The `extern` declaration names the same symbol,
        // so the reference needs no path from here to the function.
        let keep = crate::asm::keep_alive("{kfunc}");
        quote! {
            unsafe extern "C" {
                #[link_name = #name_str]
                fn __btf_ids_kfunc();
            }
            ::core::arch::global_asm!(#keep, kfunc = sym __btf_ids_kfunc);
        }
    } else {
        TokenStream::new()
    };
    let use_vis = twin_visibility(vis);
    let twin = quote! {
        #(#cfgs)*
        #[doc(hidden)]
        #[allow(non_snake_case, unused_macros, unused_imports)]
        mod #hidden {
            #[doc(hidden)]
            macro_rules! #name {
                (__btf_ids_slot $tail:literal) => {
                    ::core::concat!(#slot_head, $tail, #slot_flags)
                };
                (__btf_ids_name) => { #name_str };
                (__btf_ids_flags) => { #flags };
                (__btf_ids_info) => {
                    #rt::kfunc::KfuncInfo {
                        name: #name_str,
                        flags: #flags,
                        args: &[#(#arg_entries),*],
                    }
                };
                ($($__btf_ids_tokens:tt)*) => { ::core::compile_error!(#misuse) };
            }
            pub(crate) use #name;
            #keep
        }
        #(#cfgs)*
        #[doc(hidden)]
        #[allow(unused_imports)]
        #use_vis use #hidden::#name;
    };

    let function = if report.shape_ok {
        let syn::ItemFn {
            attrs,
            vis,
            sig,
            block,
        } = &f;
        let (inner, outer): (Vec<&syn::Attribute>, Vec<&syn::Attribute>) = attrs
            .iter()
            .partition(|a| matches!(a.style, syn::AttrStyle::Inner(_)));
        let checks = &report.type_checks;
        let p = quote!(#rt::kfunc::__private);
        let span = name.span();
        let probe = quote_spanned! {span=>
            const #name: #p::Misplaced = #p::Misplaced;
            fn __btf_ids_kfunc_placement() {
                use self::*;
                use #p::{PlacementOfItem as _, PlacementOfMisplaced as _};
                #p::at_module_level((&#p::Probe(&#name)).placement());
            }
        };
        let stmts = &block.stmts;
        quote! {
            #(#outer)*
            #[unsafe(no_mangle)]
            #[inline(never)]
            #[allow(non_snake_case)]
            #vis #sig {
                #(#inner)*
                #[allow(non_upper_case_globals, dead_code, unused_imports)]
                const _: () = {
                    // The checks name the runtime's helpers through this
                    // one path, which `crate = ...` can change.
                    use #p as __btf_ids_private;
                    #(#checks)*
                    #probe
                };
                #(#stmts)*
            }
        }
    } else {
        quote!(#f)
    };
    Ok(quote! {
        #errors
        #function
        #twin
    })
}

/// The path the expansion names the runtime by: `::btf_ids_runtime`, or
/// what `crate = path` gave (a kernel crate that re-exports the macros and
/// the runtime under its own path).
pub(crate) fn runtime_path(krate: Option<&syn::Path>) -> TokenStream {
    match krate {
        Some(p) => quote!(#p),
        None => quote!(::btf_ids_runtime),
    }
}

/// The visibility of the twin's `use` beside the function: the function's
/// own, at most `pub(crate)` (a `macro_rules!` macro can be re-exported no
/// further).
fn twin_visibility(vis: &syn::Visibility) -> TokenStream {
    match vis {
        syn::Visibility::Inherited => TokenStream::new(),
        syn::Visibility::Public(_) => quote!(pub(crate)),
        syn::Visibility::Restricted(r) if r.path.is_ident("self") => TokenStream::new(),
        syn::Visibility::Restricted(r) if r.path.is_ident("crate") => quote!(pub(crate)),
        syn::Visibility::Restricted(_) => quote!(#vis),
    }
}
