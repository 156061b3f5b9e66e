//! `#[kfunc(flags...)]`: the twin of C's `__bpf_kfunc` plus the flags that
//! `BTF_ID_FLAGS` gives the function in a kfunc set.
//!
//! The function is emitted as `__bpf_kfunc` makes it in C: unmangled, C ABI,
//! global, never inlined, and kept by the linker even when nothing calls it
//! (C: `__used __retain noinline`). Beside it goes a type of the same name
//! implementing `btf_ids_runtime::kfunc::Kfunc` with the flags and the
//! argument annotations, which is how `btf_kfuncs!` reads the flags by path.
//!
//! [`flags`] parses the attribute, [`args`] reads parameter names and types,
//! [`check`] makes the verifier's and the registration's checks at compile
//! time. Every mistake is collected, so a user sees all of them at once.

mod args;
mod check;
mod flags;

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::ext::IdentExt;

pub fn expand(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let mut errors: Vec<syn::Error> = Vec::new();
    let given = flags::parse(attr, &mut errors);
    let f: syn::ItemFn = match syn::parse2(item) {
        Ok(f) => f,
        Err(e) => {
            let mut all = syn::Error::new(
                Span::call_site(),
                "#[kfunc] applies to a free function: `pub extern \"C\" fn name(...)`",
            );
            all.combine(e);
            for e in errors {
                all.combine(e);
            }
            return Err(all);
        }
    };
    let report = check::signature(&f, &given, &mut errors);

    let rt = quote!(::btf_ids_runtime);
    let name = &f.sig.ident;
    let name_str = name.unraw().to_string();
    let vis = &f.vis;
    let cfgs: Vec<&syn::Attribute> = f
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("cfg"))
        .collect();

    let flag_consts: Vec<TokenStream> = given
        .iter()
        .map(|g| {
            let c = format_ident!("{}", g.flag.constant());
            quote!(#rt::flags::#c)
        })
        .collect();
    let flags = if flag_consts.is_empty() {
        quote!(0)
    } else {
        quote!(#(#flag_consts)|*)
    };
    let arg_entries = report.params.iter().map(|p| {
        let pname = &p.name;
        let variant = format_ident!("{}", p.annotation.variant);
        quote! {
            #rt::kfunc::KfuncArg {
                name: #pname,
                annotation: #rt::kfunc::ArgAnnotation::#variant,
            }
        }
    });
    let twin = quote! {
        #(#cfgs)*
        #[allow(non_camel_case_types)]
        #[doc(hidden)]
        #vis enum #name {}
        #(#cfgs)*
        impl #rt::kfunc::Kfunc for #name {
            const NAME: &'static str = #name_str;
            const FLAGS: u32 = #flags;
            const ARGS: &'static [#rt::kfunc::KfuncArg] = &[#(#arg_entries),*];
        }
    };

    let has_receiver = f
        .sig
        .inputs
        .iter()
        .any(|a| matches!(a, syn::FnArg::Receiver(_)));
    let function = if report.shape_ok {
        let syn::ItemFn {
            attrs,
            vis,
            sig,
            block,
        } = &f;
        // The function survives executables and cdylibs that never call it,
        // and fat LTO: a retained section references it (see asm::keep_alive).
        let keep = crate::asm::keep_alive("{kfunc}");
        quote! {
            #(#attrs)*
            #[unsafe(no_mangle)]
            #[inline(never)]
            #[allow(non_snake_case)]
            #vis #sig #block

            #(#cfgs)*
            ::core::arch::global_asm!(#keep, kfunc = sym #name);
        }
    } else {
        quote!(#f)
    };
    let type_checks = if report.shape_ok {
        let checks = &report.type_checks;
        quote!(#(#cfgs)* const _: () = { #(#checks)* };)
    } else {
        TokenStream::new()
    };
    let errors = errors.into_iter().reduce(|mut all, e| {
        all.combine(e);
        all
    });
    let errors = errors.map(|e| e.to_compile_error());
    if has_receiver {
        // A method: nothing but the errors, which say to move it out.
        return Ok(quote!(#errors));
    }
    Ok(quote! {
        #errors
        #function
        #twin
        #type_checks
    })
}
