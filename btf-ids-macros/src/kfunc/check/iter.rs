//! The iterator rules of `btf_check_iter_kfuncs` (kernel/bpf/btf.c),
//! which fail set registration with a bare -EINVAL.

use super::super::args::{self, Shape};
use super::super::flags::Flag;
use super::types::pointer_check;
use super::Param;
use super::{text, ITER_PREFIX};
use crate::errors::Errors;
use proc_macro2::{Span, TokenStream};
use quote::quote_spanned;
use syn::spanned::Spanned;
use syn::{ItemFn, ReturnType, Type};

/// The iterator rules of `btf_check_iter_kfuncs`, which fail set
/// registration with a bare -EINVAL.
pub(super) fn iterator(
    f: &ItemFn,
    params: &[Param],
    flag: Flag,
    flag_span: Span,
    errors: &mut Errors,
    type_checks: &mut Vec<TokenStream>,
) {
    let sig = &f.sig;
    let action = match flag {
        Flag::IterNew => "new",
        Flag::IterNext => "next",
        _ => "destroy",
    };
    let Some(first) = params.first() else {
        errors.push(syn::Error::new(
            flag_span,
            format!(
                "an `{}` kfunc takes a pointer to its `struct bpf_iter_<type>` as first argument, \
                 but `{}` takes none",
                flag.word(),
                sig.ident
            ),
        ));
        return;
    };
    let iter_struct = args::pointee(first.ty).and_then(|p| args::type_name(p).map(|n| (p, n)));
    match iter_struct {
        Some((pointee, name))
            if name.len() > ITER_PREFIX.len() && name.starts_with(ITER_PREFIX) =>
        {
            let kind = &name[ITER_PREFIX.len()..];
            let expected = format!("{ITER_PREFIX}{kind}_{action}");
            if sig.ident != expected {
                errors.push(syn::Error::new(
                    sig.ident.span(),
                    format!(
                        "an `{}` kfunc over `{name}` must be named `{expected}` \
                         (the kernel's bpf_iter_<type>_{{new,next,destroy}} rule)",
                        flag.word()
                    ),
                ));
            }
            // The iterator lives in 8-byte stack slots.
            type_checks.push(quote_spanned! {pointee.span()=>
                const _: () = ::core::assert!(
                    ::core::mem::size_of::<#pointee>() != 0
                        && ::core::mem::size_of::<#pointee>() & 7 == 0,
                    "an iterator struct must have a non-zero size that is a multiple of 8 \
                     (the verifier keeps it in 8-byte stack slots)"
                );
            });
        }
        _ => errors.push(syn::Error::new_spanned(
            first.ty,
            format!(
                "the first argument of an `{}` kfunc must be a pointer to a \
                 `struct bpf_iter_<type>`, not `{}`",
                flag.word(),
                text(first.ty)
            ),
        )),
    }
    if flag != Flag::IterNew {
        if let Some(extra) = params.get(1) {
            errors.push(syn::Error::new(
                extra.span,
                format!(
                    "an `{}` kfunc takes exactly one argument, the iterator; only `iter_new` \
                     may take more",
                    flag.word()
                ),
            ));
        }
    }
    match (flag, &sig.output) {
        (Flag::IterNext, ReturnType::Default) => errors.push(syn::Error::new(
            flag_span,
            format!(
                "an `iter_next` kfunc returns a pointer to the next element, but `{}` returns nothing",
                sig.ident
            ),
        )),
        (Flag::IterNext, ReturnType::Type(_, ty)) => match args::shape(ty) {
            Shape::Pointer => {}
            Shape::Unknown => type_checks.push(pointer_check(ty)),
            Shape::Integer | Shape::Other => errors.push(syn::Error::new_spanned(
                ty,
                format!(
                    "an `iter_next` kfunc returns a pointer to the next element, not `{}`",
                    text(ty)
                ),
            )),
        },
        (Flag::IterDestroy, ReturnType::Type(_, ty)) => {
            let unit = matches!(&**ty, Type::Tuple(t) if t.elems.is_empty());
            if !unit {
                errors.push(syn::Error::new_spanned(
                    ty,
                    format!("an `iter_destroy` kfunc returns nothing, not `{}`", text(ty)),
                ));
            }
        }
        _ => {}
    }
}
