//! The rules on the types a kfunc passes by value, whatever its flags: what
//! the syntax can judge (`impl Trait`, floats, fat pointers, 128-bit
//! integers, tuples, arrays), and the checks emitted for what only the type
//! system can (an alias, a struct), each naming the type so that the error
//! points at it. The other rules' type checks are made here too.

use super::super::args::{self, Shape};
use super::{text, Checker};
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{ReturnType, Type};

impl Checker<'_, '_, '_> {
    /// The rules every argument type (`is_ret` false) and the return type
    /// follow, whatever the flags, in the order they are reported for one
    /// type. `covered` says a flag or an annotation already needs the type
    /// to be an integer or a pointer, which is checked later and is
    /// stricter than the by-value rules.
    pub(super) fn by_value_rules(&mut self, ty: &Type, is_ret: bool, covered: bool) {
        self.no_impl_trait(ty, is_ret);
        self.no_float(ty, covered);
        if !covered {
            if let Some(e) = by_value(ty, is_ret) {
                self.errors.push(e);
            }
        }
    }

    /// BTF describes one concrete prototype: `impl Trait` as an argument
    /// makes the function generic, and as a return type hides the type BTF
    /// would have to name.
    fn no_impl_trait(&mut self, ty: &Type, is_ret: bool) {
        if let Some(impl_trait) = find_type(ty, &|t| matches!(t, Type::ImplTrait(_))) {
            self.shape_ok = false;
            self.errors.push(syn::Error::new_spanned(
                impl_trait,
                if is_ret {
                    "a kfunc cannot return `impl Trait`: BTF describes one concrete prototype, \
                     so write the concrete type"
                } else {
                    "a kfunc cannot take `impl Trait`: that makes it generic, and BTF describes \
                     one concrete prototype per function"
                },
            ));
        }
    }

    /// `btf_distill_func_proto` refuses a FLOAT argument or return value:
    /// BPF has no floating point and kernel code runs without the FPU. A
    /// float anywhere in the type counts (behind a pointer too), except the
    /// type itself when a flag or an annotation already checks it.
    fn no_float(&mut self, ty: &Type, covered: bool) {
        if let Some(float) = find_type(ty, &|t| args::is_float(t))
            .filter(|&float| !(covered && std::ptr::eq(float, ty)))
        {
            self.errors.push(syn::Error::new_spanned(
                float,
                format!(
                    "a kfunc cannot use floating point (`{}`): Linux 6.12 refuses a FLOAT \
                     argument or return value (btf_distill_func_proto), BPF has no floating \
                     point, and kernel code runs without the FPU",
                    text(float)
                ),
            ));
        }
    }

    /// The by-value rules the syntax cannot judge (an alias, a struct), left
    /// to the type system: a kfunc's argument travels in one register as an
    /// integer or a pointer (`check_kfunc_args`), and its return value is an
    /// integer, an enum, a pointer or void (`btf_distill_func_proto`). Types
    /// that a flag or an annotation already needs to be an integer or a
    /// pointer are checked for that, which is stricter.
    pub(super) fn by_value_type_checks(&mut self, covered: &[bool], ret_covered: bool) {
        for (p, covered) in self.params.iter().zip(covered) {
            if args::shape(p.ty) == Shape::Unknown && !args::is_float(p.ty) && !covered {
                self.type_checks.push(by_value_arg_check(p.ty));
            }
        }
        if let Some(ty) = self.ret_type() {
            if args::shape(ty) == Shape::Unknown && !args::is_float(ty) && !ret_covered {
                self.type_checks.push(by_value_ret_check(ty));
            }
        }
    }
}

/// The first type inside `ty` (itself included) that `pred` holds for.
fn find_type<'t>(ty: &'t Type, pred: &dyn Fn(&Type) -> bool) -> Option<&'t Type> {
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
/// pointer, a 128-bit integer, a tuple or an array. An argument travels in
/// one 64-bit register and the result comes back in R0; BTF has no fat
/// pointer, and Linux 6.12 takes integer and pointer arguments only
/// (`check_kfunc_args`) and an integer, enum, pointer or void return
/// (`btf_distill_func_proto`).
fn by_value(ty: &Type, is_ret: bool) -> Option<syn::Error> {
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

fn aggregate(ty: &Type, is_ret: bool) -> String {
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

fn by_value_arg_check(ty: &Type) -> TokenStream {
    let rt = quote!(__btf_ids_private);
    quote_spanned! {ty.span()=>
        const _: bool = #rt::by_value_arg::<#ty>();
    }
}

fn by_value_ret_check(ty: &Type) -> TokenStream {
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
