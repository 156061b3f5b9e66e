//! Expansion of the list and set macros.
//!
//! Every declaration expands twice, once as the header's
//! `#ifdef CONFIG_DEBUG_INFO_BTF` branch and once as its `#else` branch; the
//! runtime crate's `debug-info-btf` feature picks one (see
//! `btf_ids_runtime::__btf_ids_config!`). A proc-macro cannot see the features
//! of the crate that re-exports it, so the choice is left to that crate.

use crate::asm::{Block, Scope};
use crate::ast::Macro;
use crate::symbol::{self, SetLayout};
use crate::valid::{Decl, Entry};
use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};

/// `BTF_SET8_KFUNCS` from include/linux/btf_ids.h.
const BTF_SET8_KFUNCS: u32 = 1 << 0;

pub fn decls(decls: Vec<Decl>, mac: Macro) -> TokenStream {
    decls.into_iter().map(|d| decl(d, mac)).collect()
}

fn decl(d: Decl, mac: Macro) -> TokenStream {
    let n = d.entries.len();
    let rt = crate::kfunc::runtime_path(d.krate.as_ref());
    let view = match mac {
        Macro::List => quote!(#rt::BtfIdList<#n>),
        Macro::Set => quote!(#rt::BtfIdSet<#n>),
        Macro::Set8 | Macro::Kfuncs => quote!(#rt::BtfIdSet8<#n>),
    };
    let Decl {
        attrs,
        global,
        krate: _,
        vis,
        name,
        entries,
    } = d;
    // The symbol name: `r#static` names the symbol `static`.
    let name_str = syn::ext::IdentExt::unraw(&name).to_string();
    let suffix = symbol::unique_suffix();
    let label = if global {
        name_str.clone()
    } else {
        symbol::hidden_label(&name_str, &suffix)
    };

    // The `#ifdef CONFIG_DEBUG_INFO_BTF` branch.
    let mut block = Block::open();
    let set_sym = match mac {
        Macro::List => {
            block.label(&label, if global { Scope::Global } else { Scope::Hidden });
            None
        }
        Macro::Set => {
            let sym = symbol::set(SetLayout::Set, &name_str, &suffix);
            let scope = if global { Scope::Global } else { Scope::Hidden };
            block.label(&label, scope);
            block.set_header(
                &sym,
                if global { Scope::Global } else { Scope::Local },
                None,
            );
            Some(sym)
        }
        Macro::Set8 | Macro::Kfuncs => {
            let sym = symbol::set(SetLayout::Set8, &name_str, &suffix);
            let set_flags = if mac == Macro::Kfuncs {
                BTF_SET8_KFUNCS
            } else {
                0
            };
            block.label(&label, Scope::Hidden);
            block.set_header(&sym, Scope::Local, Some(set_flags));
            Some(sym)
        }
    };
    for entry in &entries {
        match entry {
            Entry::Unused => block.unused(),
            Entry::Id { named, flags } => {
                block.slot(&symbol::entry(named.kind, &named.name));
                if matches!(mac, Macro::Set8 | Macro::Kfuncs) {
                    match flags {
                        Some((expr, span)) => block.flags(expr, *span),
                        None => block.flags(&quote!(0), named.name_span),
                    }
                }
            }
            Entry::Kfunc { path, .. } => {
                // The slot and its flags word, as a template piece that the
                // function's `#[kfunc]` twin writes: it knows the function's
                // real name (the one BTF knows, whatever alias or re-export
                // the path went through) and its flags. `global_asm!`
                // expands a piece that is a macro call itself, waiting for
                // the twin to be resolved.
                let tail = symbol::unique_tail();
                block.piece(quote!(#path!(__btf_ids_slot #tail)));
            }
        }
    }
    if let Some(sym) = &set_sym {
        block.set_size(sym, &label);
    }
    let (asm, flag_check) = block.close();
    let allow = global.then(|| quote!(#[allow(non_upper_case_globals)]));
    let enabled = quote! {
        #asm
        #(#attrs)*
        #allow
        #vis static #name: &'static #view = {
            unsafe extern "C" {
                #[link_name = #label]
                static RAW: #view;
            }
            // SAFETY: the label starts the 4-byte aligned block emitted above,
            // which has exactly the layout of the view.
            unsafe { &RAW }
        };
    };

    // The `#else` branch: what btf_ids.h declares without BTF.
    let init = match mac {
        Macro::List => quote!(#rt::BtfIdList::<#n>::zeroed()),
        Macro::Set => quote!(#rt::BtfIdSet::<#n>::empty()),
        Macro::Set8 => quote!(#rt::BtfIdSet8::<#n>::empty(0)),
        Macro::Kfuncs => quote!(#rt::BtfIdSet8::<#n>::empty(#BTF_SET8_KFUNCS)),
    };
    let disabled = if global {
        quote! {
            #(#attrs)*
            #allow
            #vis static #name: &'static #view = {
                #[unsafe(export_name = #name_str)]
                static RAW: #view = #init;
                &RAW
            };
        }
    } else {
        quote! {
            #(#attrs)*
            #vis static #name: &'static #view = &#init;
        }
    };

    // Look every kfunc path up in both branches, so a bad entry is an error
    // whether or not BTF is enabled, and every bad entry is reported (the
    // template reports its first only; the same error twice is shown once).
    let kfunc_checks = entries.iter().filter_map(|e| match e {
        Entry::Kfunc { path, .. } => Some(quote! {
            const _: u32 = #path!(__btf_ids_flags);
        }),
        _ => None,
    });
    // A global label is a symbol of the whole link, as in C. Two in one
    // crate would meet in the assembler or the linker with an error naming
    // codegen units; a crate-root macro named after the symbol makes the
    // second an error at its name instead.
    let unique_global = global.then(|| {
        let marker = format_ident!("__btf_ids_global_symbol_{}", name_str, span = name.span());
        quote_spanned! {name.span()=>
            #[doc(hidden)]
            #[macro_export]
            macro_rules! #marker { () => {}; }
        }
    });
    quote! {
        #unique_global
        #(#kfunc_checks)*
        #flag_check
        #rt::__btf_ids_config! {
            enabled { #enabled }
            disabled { #disabled }
        }
    }
}
