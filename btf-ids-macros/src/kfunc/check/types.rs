//! The type rules the syntax can judge (fat pointers, 128-bit integers,
//! tuples, arrays) and the checks emitted for those only the type system
//! can (an alias, a struct): each names the type, so the error points at it.

use super::super::args::{self};
use super::text;
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{ReturnType, Type};

/// The first type inside `ty` (itself included) that `pred` holds for.
pub(super) fn find_type<'t>(ty: &'t Type, pred: &dyn Fn(&Type) -> bool) -> Option<&'t Type> {
    if pred(ty) {
        return Some(ty);
    }
    match ty {
        Type::Ptr(p) => find_type(&p.elem, pred),
        Type::Reference(r) => find_type(&r.elem, pred),
        Type::Paren(p) => find_type(&p.elem, pred),
        Type::Group(g) => find_type(&g.elem, pred),
        Type::Slice(s) => find_type(&s.elem, pred),
        Type::Array(a) => find_type(&a.elem, pred),
        Type::Tuple(t) => t.elems.iter().find_map(|e| find_type(e, pred)),
        Type::BareFn(b) => b
            .inputs
            .iter()
            .find_map(|a| find_type(&a.ty, pred))
            .or_else(|| match &b.output {
                ReturnType::Type(_, t) => find_type(t, pred),
                ReturnType::Default => None,
            }),
        Type::Path(p) => p
            .qself
            .as_ref()
            .and_then(|q| find_type(&q.ty, pred))
            .or_else(|| {
                p.path.segments.iter().find_map(|seg| match &seg.arguments {
                    syn::PathArguments::AngleBracketed(a) => a.args.iter().find_map(|g| match g {
                        syn::GenericArgument::Type(t) => find_type(t, pred),
                        _ => None,
                    }),
                    _ => None,
                })
            }),
        _ => None,
    }
}

/// What the syntax shows a kfunc cannot take (or return) by value: a fat
/// pointer, a 128-bit integer, a tuple or an array.
pub(super) fn by_value(ty: &Type, is_ret: bool) -> Option<syn::Error> {
    fn strip(mut t: &Type) -> &Type {
        loop {
            match t {
                Type::Paren(p) => t = &p.elem,
                Type::Group(g) => t = &g.elem,
                _ => return t,
            }
        }
    }
    let ty = strip(ty);
    let (passed, travels) = if is_ret {
        (
            "returned by a kfunc",
            "a kfunc returns in the 64-bit register R0",
        )
    } else {
        (
            "passed to a kfunc",
            "a kfunc argument travels in one 64-bit BPF register",
        )
    };
    let message = match ty {
        Type::Ptr(_) | Type::Reference(_) => {
            let pointee = strip(args::pointee(ty)?);
            let (parts, instead) = match pointee {
                Type::Slice(_) => ("address and length", "a thin pointer and a `__sz` size"),
                Type::Path(_) if args::type_name(pointee).is_some_and(|n| n == "str") => {
                    ("address and length", "a thin pointer and a `__sz` size")
                }
                Type::TraitObject(_) => ("address and vtable", "a thin pointer to a struct"),
                _ => return None,
            };
            format!(
                "`{}` is a fat pointer ({parts}) and cannot be {passed}: {travels}, and BTF has \
                 no such type; use {instead}",
                text(ty)
            )
        }
        Type::Path(_) => match args::type_name(ty).as_deref() {
            Some(n @ ("i128" | "u128")) => format!(
                "`{n}` cannot be {passed}: {travels}, while the C ABI gives a 128-bit integer two \
                 registers"
            ),
            _ => return None,
        },
        Type::Tuple(t) if !t.elems.is_empty() => aggregate(ty, is_ret),
        Type::Array(_) => aggregate(ty, is_ret),
        _ => return None,
    };
    Some(syn::Error::new_spanned(ty, message))
}

pub(super) fn aggregate(ty: &Type, is_ret: bool) -> String {
    if is_ret {
        format!(
            "a kfunc cannot return `{}` by value: Linux 6.12 accepts an integer, enum, pointer or \
             void return only (btf_distill_func_proto); return a pointer",
            text(ty)
        )
    } else {
        format!(
            "a kfunc cannot take `{}` by value: BTF would describe an aggregate, and the 6.12 \
             verifier accepts only integer and pointer arguments (check_kfunc_args); pass a pointer",
            text(ty)
        )
    }
}

pub(super) fn release_check(span: Span, unknown: &[&Type], name: &syn::Ident) -> TokenStream {
    let rt = quote!(__btf_ids_private);
    let message = format!(
        "`release` takes back the reference a pointer argument holds, but no argument of `{name}` \
         is a pointer"
    );
    let any = unknown.iter().map(|ty| {
        quote_spanned! {ty.span()=> #rt::by_value_arg::<#ty>() }
    });
    quote_spanned! {span=>
        const _: () = ::core::assert!(#(#any)||*, #message);
    }
}

pub(super) fn by_value_arg_check(ty: &Type) -> TokenStream {
    let rt = quote!(__btf_ids_private);
    quote_spanned! {ty.span()=>
        const _: bool = #rt::by_value_arg::<#ty>();
    }
}

pub(super) fn by_value_ret_check(ty: &Type) -> TokenStream {
    let rt = quote!(__btf_ids_private);
    quote_spanned! {ty.span()=>
        const _: fn() = #rt::by_value_ret::<#ty>;
    }
}

pub(super) fn integer_check(ty: &Type) -> TokenStream {
    let rt = quote!(__btf_ids_private);
    quote_spanned! {ty.span()=>
        const _: fn() = #rt::integer::<#ty>;
    }
}

pub(super) fn pointer_check(ty: &Type) -> TokenStream {
    let rt = quote!(__btf_ids_private);
    quote_spanned! {ty.span()=>
        const _: fn() = #rt::pointer::<#ty>;
    }
}

pub(super) fn sized_pointer_check(ty: &Type) -> TokenStream {
    let rt = quote!(__btf_ids_private);
    quote_spanned! {ty.span()=>
        const _: fn() = #rt::sized_pointer::<#ty>;
    }
}
