//! `#[kfunc]`: placeholder until the kfunc work lands. It passes the function
//! through and implements `Kfunc` with no flags.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

pub fn expand(_attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let f: syn::ItemFn = syn::parse2(item)?;
    let name = &f.sig.ident;
    let vis = &f.vis;
    let name_str = name.to_string();
    let twin = format_ident!("{}", name);
    Ok(quote! {
        #[unsafe(no_mangle)]
        #[inline(never)]
        #f
        #[allow(non_camel_case_types)]
        #[doc(hidden)]
        #vis enum #twin {}
        impl ::btf_ids_runtime::kfunc::Kfunc for #twin {
            const NAME: &'static str = #name_str;
            const FLAGS: u32 = 0;
        }
    })
}
