//! The checks C leaves to the verifier (at load time) or to kfunc set
//! registration (at module load), made at compile time.
//!
//! Whatever the syntax decides is reported here as a `syn::Error` on the
//! offending token. Where only the type system knows (a type alias such as
//! `size_t`), a check is emitted instead that names the type with a
//! `btf_ids_runtime::kfunc::__private` bound, so the error still points at the
//! type.

use super::args::{self, Annotation, Class, Shape};
use super::flags::{Flag, Given};
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{FnArg, ItemFn, Pat, ReturnType, Type};

/// `MAX_BPF_FUNC_REG_ARGS`: a kfunc's arguments travel in R1 to R5.
const MAX_ARGS: usize = 5;

/// The kernel's ITER_PREFIX.
const ITER_PREFIX: &str = "bpf_iter_";

/// One parameter as the checks see it.
pub struct Param<'a> {
    pub name: String,
    pub span: Span,
    pub ty: &'a Type,
    pub annotation: Annotation,
}

/// What the signature checks found.
pub struct Report<'a> {
    /// The signature is one a kfunc can have at all (no `self`, generics,
    /// `async`, variadics or patterns), so the function can be emitted as a
    /// kfunc and type checks make sense.
    pub shape_ok: bool,
    pub params: Vec<Param<'a>>,
    /// Items that make the type system check what the syntax cannot tell.
    pub type_checks: Vec<TokenStream>,
}

fn text(tokens: &impl ToTokens) -> String {
    tokens
        .to_token_stream()
        .to_string()
        .replace("* mut ", "*mut ")
        .replace("* const ", "*const ")
        .replace("& mut ", "&mut ")
        .replace(" :: ", "::")
}

pub fn signature<'a>(f: &'a ItemFn, given: &[Given], errors: &mut Vec<syn::Error>) -> Report<'a> {
    let sig = &f.sig;
    let mut shape_ok = true;
    let mut type_checks = Vec::new();

    for attr in &f.attrs {
        let path = attr.path();
        let inner_no_mangle = path.is_ident("unsafe")
            && attr
                .parse_args::<syn::Path>()
                .is_ok_and(|p| p.is_ident("no_mangle") || p.is_ident("export_name"));
        if path.is_ident("no_mangle") || path.is_ident("export_name") || inner_no_mangle {
            errors.push(syn::Error::new_spanned(
                attr,
                "#[kfunc] already keeps the symbol name unmangled: BTF and the kfunc set \
                 name the function by its Rust name",
            ));
        } else if path.is_ident("inline") {
            errors.push(syn::Error::new_spanned(
                attr,
                "#[kfunc] already makes the function #[inline(never)], as __bpf_kfunc does",
            ));
        }
    }

    // The C ABI, as every kernel function has.
    match &sig.abi {
        None => errors.push(syn::Error::new(
            sig.fn_token.span,
            format!(
                "a kfunc must use the C ABI: write `extern \"C\" fn {}`",
                sig.ident
            ),
        )),
        Some(abi) => {
            if let Some(name) = &abi.name {
                if name.value() != "C" {
                    errors.push(syn::Error::new(
                        name.span(),
                        format!(
                            "a kfunc must use the C ABI, not \"{}\": write `extern \"C\"`",
                            name.value()
                        ),
                    ));
                }
            }
        }
    }
    if let Some(token) = &sig.asyncness {
        shape_ok = false;
        errors.push(syn::Error::new(
            token.span,
            "a kfunc cannot be `async`: a BPF program calls it and gets its result at once",
        ));
    }
    if !sig.generics.params.is_empty() {
        shape_ok = false;
        errors.push(syn::Error::new_spanned(
            &sig.generics.params,
            "a kfunc cannot be generic: BTF describes one concrete prototype per function",
        ));
    } else if let Some(wc) = &sig.generics.where_clause {
        shape_ok = false;
        errors.push(syn::Error::new_spanned(
            wc,
            "a kfunc cannot have a `where` clause: BTF describes one concrete prototype",
        ));
    }
    if let Some(v) = &sig.variadic {
        shape_ok = false;
        errors.push(syn::Error::new_spanned(
            v,
            "a kfunc cannot be variadic: BTF and the verifier know fixed arguments only",
        ));
    }

    let mut params = Vec::new();
    for arg in &sig.inputs {
        match arg {
            FnArg::Receiver(r) => {
                shape_ok = false;
                errors.push(syn::Error::new_spanned(
                    r,
                    "a kfunc is a free function: it cannot take `self`",
                ));
            }
            FnArg::Typed(pt) => {
                let name = match &*pt.pat {
                    Pat::Ident(pi) if pi.subpat.is_none() && pi.by_ref.is_none() => {
                        Some((pi.ident.to_string(), pi.ident.span()))
                    }
                    Pat::Wild(w) => Some((String::new(), w.span())),
                    other => {
                        shape_ok = false;
                        errors.push(syn::Error::new_spanned(
                            other,
                            "a kfunc parameter must be a plain name: BTF keeps the names and \
                             the verifier reads their suffixes",
                        ));
                        None
                    }
                };
                if let Some((name, span)) = name {
                    let name = name.strip_prefix("r#").map(str::to_owned).unwrap_or(name);
                    params.push(Param {
                        annotation: args::annotation(&name),
                        name,
                        span,
                        ty: &pt.ty,
                    });
                }
            }
        }
    }
    let has = |flag: Flag| given.iter().find(|g| g.flag == flag).map(|g| g.span);

    // KF_IMPLICIT_ARGS (7.0+): the verifier fills in trailing
    // `struct bpf_prog_aux *` parameters (resolve_btfids also takes
    // `struct btf_struct_meta *`), which BPF programs do not pass.
    let implicit_args = has(Flag::ImplicitArgs);
    let is_implicit = |p: &Param| {
        implicit_args.is_some()
            && args::pointee(p.ty)
                .and_then(args::type_name)
                .is_some_and(|n| n == "bpf_prog_aux" || n == "btf_struct_meta")
    };
    if let Some(span) = implicit_args {
        match params.iter().position(is_implicit) {
            None => errors.push(syn::Error::new(
                span,
                format!(
                    "`implicit_args` needs a trailing `*mut bpf_prog_aux` parameter for the \
                     verifier to fill in, but `{}` has none",
                    sig.ident
                ),
            )),
            Some(first) => {
                if let Some(p) = params[first..].iter().find(|p| !is_implicit(p)) {
                    errors.push(syn::Error::new_spanned(
                        p.ty,
                        format!(
                            "`{}` follows an implicit `bpf_prog_aux` parameter: with \
                             `implicit_args` the implicit parameters come last",
                            p.name
                        ),
                    ));
                }
            }
        }
    }

    // The arguments a BPF program passes.
    let visible: Vec<&syn::FnArg> = sig
        .inputs
        .iter()
        .zip(0..)
        .filter(|(_, i)| params.get(*i).is_none_or(|p| !is_implicit(p)))
        .map(|(a, _)| a)
        .collect();
    if visible.len() > MAX_ARGS {
        errors.push(syn::Error::new_spanned(
            visible[MAX_ARGS],
            format!(
                "a kfunc takes at most {MAX_ARGS} arguments (they travel in BPF registers R1 to R5); \
                 this is argument {}",
                MAX_ARGS + 1
            ),
        ));
    }

    // KF_ACQUIRE with KF_RELEASE.
    if let (Some(acq), Some(rel)) = (has(Flag::Acquire), has(Flag::Release)) {
        let acquire_first = given
            .iter()
            .position(|g| g.flag == Flag::Acquire)
            .lt(&given.iter().position(|g| g.flag == Flag::Release));
        let (first, second, second_word) = if acquire_first {
            (acq, rel, "release")
        } else {
            (rel, acq, "acquire")
        };
        let mut e = syn::Error::new(
            second,
            format!(
                "`acquire` and `release` cannot be combined: a kfunc either hands out a \
                 reference or takes one back (`{second_word}` conflicts with the flag here)"
            ),
        );
        e.combine(syn::Error::new(first, "conflicting flag given here"));
        errors.push(e);
    }

    // Flags that need a pointer return.
    let wants_ptr: Vec<(Flag, Span)> = [Flag::Acquire, Flag::RetNull, Flag::ArenaRet]
        .into_iter()
        .filter_map(|fl| has(fl).map(|s| (fl, s)))
        .collect();
    if let Some(&(_, first_span)) = wants_ptr.first() {
        let words = wants_ptr
            .iter()
            .map(|(fl, _)| format!("`{}`", fl.word()))
            .collect::<Vec<_>>()
            .join(" and ");
        match &sig.output {
            ReturnType::Default => errors.push(syn::Error::new(
                first_span,
                format!(
                    "{words} needs a function that returns a raw pointer, but `{}` returns nothing",
                    sig.ident
                ),
            )),
            ReturnType::Type(_, ty) => match (&**ty, args::shape(ty)) {
                (Type::Reference(_), _) => errors.push(syn::Error::new_spanned(
                    ty,
                    format!("{words} needs a raw pointer return type, not a reference"),
                )),
                (_, Shape::Integer | Shape::Other) => errors.push(syn::Error::new_spanned(
                    ty,
                    format!(
                        "{words} needs a function that returns a raw pointer, not `{}`",
                        text(ty)
                    ),
                )),
                (_, Shape::Pointer) => {
                    let pointee = args::pointee(ty).unwrap();
                    if has(Flag::Acquire).is_some() && args::is_primitive(pointee) {
                        errors.push(syn::Error::new_spanned(
                            pointee,
                            format!(
                                "`acquire` needs a pointer to a struct or union (the verifier \
                                 wants PTR_TO_BTF_ID), not to `{}`",
                                text(pointee)
                            ),
                        ));
                    }
                }
                (_, Shape::Unknown) => type_checks.push(pointer_check(ty)),
            },
        }
    }

    // Exactly one of the iterator flags.
    let iters: Vec<(Flag, Span)> = given
        .iter()
        .filter(|g| matches!(g.flag, Flag::IterNew | Flag::IterNext | Flag::IterDestroy))
        .map(|g| (g.flag, g.span))
        .collect();
    if iters.len() > 1 {
        for (fl, span) in &iters[1..] {
            let mut e = syn::Error::new(
                *span,
                format!(
                    "`{}` cannot be combined with `{}`: an iterator kfunc is exactly one of \
                     `iter_new`, `iter_next` and `iter_destroy`",
                    fl.word(),
                    iters[0].0.word()
                ),
            );
            e.combine(syn::Error::new(
                iters[0].1,
                "first iterator flag given here",
            ));
            errors.push(e);
        }
    } else if let Some(&(flag, span)) = iters.first() {
        iterator(f, &params, flag, span, errors, &mut type_checks);
    }

    // KF_ARENA_ARG1 / KF_ARENA_ARG2 name a pointer argument.
    for (flag, index) in [(Flag::ArenaArg1, 0), (Flag::ArenaArg2, 1)] {
        let Some(span) = has(flag) else { continue };
        match params.get(index) {
            None => errors.push(syn::Error::new(
                span,
                format!(
                    "`{}` marks argument {} as an arena pointer, but `{}` takes {} argument{}",
                    flag.word(),
                    index + 1,
                    sig.ident,
                    params.len(),
                    if params.len() == 1 { "" } else { "s" }
                ),
            )),
            Some(p) => match args::shape(p.ty) {
                Shape::Pointer => {}
                Shape::Unknown => type_checks.push(pointer_check(p.ty)),
                Shape::Integer | Shape::Other => errors.push(syn::Error::new_spanned(
                    p.ty,
                    format!(
                        "`{}` marks argument {} as an arena pointer, but `{}` is `{}`, not a pointer",
                        flag.word(),
                        index + 1,
                        p.name,
                        text(p.ty)
                    ),
                )),
            },
        }
    }

    // The argument annotations.
    for (i, p) in params.iter().enumerate() {
        let a = p.annotation;
        let what = if a.suffix.starts_with("__") {
            format!("ends in `{}`", a.suffix)
        } else {
            format!("is the verifier's `{}`", a.suffix)
        };
        match (a.class, args::shape(p.ty)) {
            (Class::Any, _) | (_, Shape::Unknown) => {}
            (Class::Integer, Shape::Integer) | (Class::Pointer, Shape::Pointer) => {}
            (Class::Integer, _) => errors.push(syn::Error::new_spanned(
                p.ty,
                format!(
                    "`{}` {what}, so it must be an integer, not `{}`",
                    p.name,
                    text(p.ty)
                ),
            )),
            (Class::Pointer, _) => errors.push(syn::Error::new_spanned(
                p.ty,
                format!(
                    "`{}` {what}, so it must be a pointer, not `{}`",
                    p.name,
                    text(p.ty)
                ),
            )),
        }
        if args::shape(p.ty) == Shape::Unknown {
            match a.class {
                Class::Integer => type_checks.push(integer_check(p.ty)),
                Class::Pointer => type_checks.push(pointer_check(p.ty)),
                Class::Any => {}
            }
        }
        if a.variant == "Iter" {
            // `__iter` (6.12): PTR -> STRUCT bpf_iter_<type>, as for iterator kfuncs.
            let name = args::pointee(p.ty).and_then(args::type_name);
            if let Some(name) =
                name.filter(|n| !(n.len() > ITER_PREFIX.len() && n.starts_with(ITER_PREFIX)))
            {
                errors.push(syn::Error::new_spanned(
                    p.ty,
                    format!(
                        "`{}` ends in `__iter`, so it must point to a `struct bpf_iter_<type>`, \
                         not to `{name}`",
                        p.name
                    ),
                ));
            }
        }
        if a.is_size() {
            match i.checked_sub(1).map(|j| &params[j]) {
                None => errors.push(syn::Error::new(
                    p.span,
                    format!(
                        "`{}` is a memory size (`{}`) and must directly follow the pointer \
                         argument it sizes, but it is the first argument",
                        p.name, a.suffix
                    ),
                )),
                Some(prev) => match args::shape(prev.ty) {
                    Shape::Pointer => {}
                    Shape::Unknown => type_checks.push(sized_pointer_check(prev.ty)),
                    Shape::Integer | Shape::Other => errors.push(syn::Error::new(
                        p.span,
                        format!(
                            "`{}` is a memory size (`{}`) and must directly follow the pointer \
                             argument it sizes, but `{}` before it is `{}`",
                            p.name,
                            a.suffix,
                            prev.name,
                            text(prev.ty)
                        ),
                    )),
                },
            }
        }
    }

    Report {
        shape_ok,
        params,
        type_checks,
    }
}

/// The iterator rules of `btf_check_iter_kfuncs`, which fail set
/// registration with a bare -EINVAL.
fn iterator(
    f: &ItemFn,
    params: &[Param],
    flag: Flag,
    flag_span: Span,
    errors: &mut Vec<syn::Error>,
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

fn integer_check(ty: &Type) -> TokenStream {
    let rt = quote!(::btf_ids_runtime::kfunc::__private);
    quote_spanned! {ty.span()=>
        const _: fn() = #rt::integer::<#ty>;
    }
}

fn pointer_check(ty: &Type) -> TokenStream {
    let rt = quote!(::btf_ids_runtime::kfunc::__private);
    quote_spanned! {ty.span()=>
        const _: fn() = #rt::pointer::<#ty>;
    }
}

fn sized_pointer_check(ty: &Type) -> TokenStream {
    let rt = quote!(::btf_ids_runtime::kfunc::__private);
    quote_spanned! {ty.span()=>
        const _: fn() = #rt::sized_pointer::<#ty>;
    }
}
