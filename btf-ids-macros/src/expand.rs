//! Expansion of the list and set macros.
//!
//! Every declaration expands twice, once as the header's
//! `#ifdef CONFIG_DEBUG_INFO_BTF` branch and once as its `#else` branch; the
//! runtime crate's `debug-info-btf` feature picks one (see
//! `btf_ids_runtime::__btf_ids_config!`). A proc-macro cannot see the features
//! of the crate that re-exports it, so the choice is left to that crate.

use crate::asm::{Block, Scope};
use crate::parse::{Decl, Entry, Macro};
use crate::symbol::{self, Kind, SetLayout};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

/// `BTF_SET8_KFUNCS` from include/linux/btf_ids.h.
const BTF_SET8_KFUNCS: u32 = 1 << 0;

pub fn decls(decls: Vec<Decl>, mac: Macro) -> TokenStream {
    decls.into_iter().map(|d| decl(d, mac)).collect()
}

fn decl(d: Decl, mac: Macro) -> TokenStream {
    let n = d.entries.len();
    let rt = quote!(::btf_ids_runtime);
    let view = match mac {
        Macro::List => quote!(#rt::BtfIdList<#n>),
        Macro::Set => quote!(#rt::BtfIdSet<#n>),
        Macro::Set8 | Macro::Kfuncs => quote!(#rt::BtfIdSet8<#n>),
    };
    let Decl {
        attrs,
        global,
        vis,
        name,
        entries,
    } = d;
    let name_str = name.to_string();
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
            Entry::Kfunc { path, name } => {
                block.slot(&symbol::entry(Kind::Func, name));
                let span = syn::spanned::Spanned::span(path);
                let flags = quote_spanned! {span=>
                    <#path as ::btf_ids_runtime::kfunc::Kfunc>::FLAGS
                };
                block.flags(&flags, span);
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

    // Type-check kfunc paths in both branches, so a bad entry is an error
    // whether or not BTF is enabled.
    let kfunc_checks = entries.iter().filter_map(|e| match e {
        Entry::Kfunc { path, .. } => {
            let span = syn::spanned::Spanned::span(path);
            Some(quote_spanned! {span=>
                const _: u32 = <#path as ::btf_ids_runtime::kfunc::Kfunc>::FLAGS;
            })
        }
        _ => None,
    });
    quote! {
        #(#kfunc_checks)*
        #flag_check
        #rt::__btf_ids_config! {
            enabled { #enabled }
            disabled { #disabled }
        }
    }
}
