//! The checks C leaves to the verifier (at load time) or to kfunc set
//! registration (at module load), made at compile time.
//!
//! Whatever the syntax decides is reported here as a `syn::Error` on the
//! offending token. Where only the type system knows (a type alias such as
//! `size_t`), a check is emitted instead that names the type with a
//! `btf_ids_runtime::kfunc::__private` bound, so the error still points at the
//! type.

mod iter;
mod types;

use super::args::{self, Annotation, Class, Shape};
use super::flags::{Flag, Given};
use crate::errors::Errors;
use iter::iterator;
use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{FnArg, ItemFn, Pat, ReturnType, Type};
use types::{
    by_value, by_value_arg_check, by_value_ret_check, find_type, integer_check, pointer_check,
    release_check, sized_pointer_check,
};

/// `MAX_BPF_FUNC_REG_ARGS`: a kfunc's arguments travel in R1 to R5.
const MAX_ARGS: usize = 5;

/// The kernel's ITER_PREFIX.
pub(super) const ITER_PREFIX: &str = "bpf_iter_";

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
    /// `impl Trait`, `async`, variadics or patterns), so the function can be
    /// emitted as a kfunc and type checks make sense.
    pub shape_ok: bool,
    /// The function is certainly a method or an associated function (it
    /// takes `self` or names `Self`): only the errors are emitted, since the
    /// module-level items of a kfunc cannot stand in an `impl` or a `trait`.
    pub misplaced: bool,
    pub params: Vec<Param<'a>>,
    /// Items that make the type system check what the syntax cannot tell.
    pub type_checks: Vec<TokenStream>,
}

pub(super) fn text(tokens: &impl ToTokens) -> String {
    tokens
        .to_token_stream()
        .to_string()
        .replace("* mut ", "*mut ")
        .replace("* const ", "*const ")
        .replace("& mut ", "&mut ")
        .replace("& ", "&")
        .replace(" :: ", "::")
}

pub fn signature<'a>(f: &'a ItemFn, given: &[Given], errors: &mut Errors) -> Report<'a> {
    let sig = &f.sig;
    let mut shape_ok = true;
    let mut misplaced = false;
    let mut type_checks = Vec::new();

    if let Some(e) = crate::symbol::non_ascii(&sig.ident, "a kfunc's name") {
        // Emitted as written, without `#[no_mangle]` (which rustc refuses on
        // such a name too).
        shape_ok = false;
        errors.push(e);
    }
    if let Some(span) =
        find_self(sig.to_token_stream()).or_else(|| find_self(f.block.to_token_stream()))
    {
        misplaced = true;
        errors.push(syn::Error::new(
            span,
            "a kfunc is a free function at module level: `Self` makes this an associated \
             function; move it out of the `impl` or `trait`",
        ));
    }

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
                misplaced = true;
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

    // Arguments that an annotation or a flag needs to be an integer or a
    // pointer, and a return type a flag needs to be a pointer (or nothing):
    // those checks, made below, are stricter than the by-value rules.
    let covered: Vec<bool> = (0..params.len())
        .map(|i| {
            params[i].annotation.class() != Class::Any
                || (i == 0 && has(Flag::ArenaArg1).is_some())
                || (i == 1 && has(Flag::ArenaArg2).is_some())
                || params.get(i + 1).is_some_and(|n| n.annotation.is_size())
        })
        .collect();
    let ret_covered = [
        Flag::Acquire,
        Flag::RetNull,
        Flag::ArenaRet,
        Flag::IterNext,
        Flag::IterDestroy,
    ]
    .into_iter()
    .any(|fl| has(fl).is_some());

    // What no kfunc can take or return, whatever its flags.
    let ret_ty = match &sig.output {
        ReturnType::Default => None,
        ReturnType::Type(_, ty) => Some(&**ty),
    };
    for (ty, is_ret, covered) in params
        .iter()
        .zip(&covered)
        .map(|(p, c)| (p.ty, false, *c))
        .chain(ret_ty.map(|t| (t, true, ret_covered)))
    {
        if let Some(impl_trait) = find_type(ty, &|t| matches!(t, Type::ImplTrait(_))) {
            shape_ok = false;
            errors.push(syn::Error::new_spanned(
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
        if let Some(float) = find_type(ty, &|t| args::is_float(t))
            .filter(|&float| !(covered && std::ptr::eq(float, ty)))
        {
            errors.push(syn::Error::new_spanned(
                float,
                format!(
                    "a kfunc cannot use floating point (`{}`): Linux 6.12 refuses a FLOAT \
                     argument or return value (btf_distill_func_proto), BPF has no floating \
                     point, and kernel code runs without the FPU",
                    text(float)
                ),
            ));
        }
        if let Some(e) = by_value(ty, is_ret).filter(|_| !covered) {
            errors.push(e);
        }
    }

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
        let what = if a.suffix().starts_with("__") {
            format!("ends in `{}`", a.suffix())
        } else {
            format!("is the verifier's `{}`", a.suffix())
        };
        match (a.class(), args::shape(p.ty)) {
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
        if a == args::Annotation::Uninit && points_to(p.ty, "bpf_dynptr") {
            errors.push(syn::Error::new_spanned(
                p.ty,
                format!(
                    "`{}` ends in `__uninit` on a `bpf_dynptr`: Linux 6.12 knows what kind of \
                     dynptr only its own constructors make (skb, xdp, clone), and refuses every \
                     call of another kfunc that initialises one (-EINVAL, with no message)",
                    p.name
                ),
            ));
        }
        if args::shape(p.ty) == Shape::Unknown {
            match a.class() {
                Class::Integer => type_checks.push(integer_check(p.ty)),
                Class::Pointer => type_checks.push(pointer_check(p.ty)),
                Class::Any => {}
            }
        }
        if a == args::Annotation::Iter {
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
                        p.name,
                        a.suffix()
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
                            a.suffix(),
                            prev.name,
                            text(prev.ty)
                        ),
                    )),
                },
            }
        }
    }

    // KF_RELEASE: the verifier releases the reference held by a pointer
    // argument ("release kernel function %s expects refcounted
    // PTR_TO_BTF_ID").
    if let Some(span) = has(Flag::Release) {
        let pointer = params.iter().any(|p| args::shape(p.ty) == Shape::Pointer);
        let unknown: Vec<&Type> = params
            .iter()
            .filter(|p| args::shape(p.ty) == Shape::Unknown && !args::is_float(p.ty))
            .map(|p| p.ty)
            .collect();
        if !pointer && unknown.is_empty() {
            errors.push(syn::Error::new(
                span,
                format!(
                    "`release` takes back the reference a pointer argument holds, but `{}` takes \
                     no pointer argument",
                    sig.ident
                ),
            ));
        } else if !pointer {
            type_checks.push(release_check(span, &unknown, &sig.ident));
        }
    }

    // Every other argument and return type the syntax cannot judge (an
    // alias, a struct) must be one a kfunc can have by value. Arguments that
    // an annotation or a flag already needs to be an integer or a pointer
    // are checked for that, which is stricter.
    for (p, covered) in params.iter().zip(&covered) {
        if args::shape(p.ty) == Shape::Unknown && !args::is_float(p.ty) && !covered {
            type_checks.push(by_value_arg_check(p.ty));
        }
    }
    if let ReturnType::Type(_, ty) = &sig.output {
        if args::shape(ty) == Shape::Unknown && !args::is_float(ty) && !ret_covered {
            type_checks.push(by_value_ret_check(ty));
        }
    }

    Report {
        shape_ok,
        misplaced,
        params,
        type_checks,
    }
}

/// The first `Self` in `tokens`, outside the bodies of nested `impl`,
/// `trait`, `struct`, `enum` and `union` items (where it names their own
/// type).
fn find_self(tokens: TokenStream) -> Option<Span> {
    let mut skip_body = false;
    for tt in tokens {
        match tt {
            TokenTree::Ident(i) if i == "Self" => return Some(i.span()),
            TokenTree::Ident(i)
                if ["impl", "trait", "struct", "enum", "union"]
                    .iter()
                    .any(|k| i == k) =>
            {
                skip_body = true;
            }
            TokenTree::Group(g) => {
                if skip_body && g.delimiter() == Delimiter::Brace {
                    skip_body = false;
                } else if let Some(span) = find_self(g.stream()) {
                    return Some(span);
                }
            }
            TokenTree::Punct(p) if p.as_char() == ';' => skip_body = false,
            _ => {}
        }
    }
    None
}

/// Whether `ty` is a pointer or reference to a type whose path ends in
/// `name` (`*mut bpf_dynptr`, `&mut kernel::bpf_dynptr`).
fn points_to(ty: &Type, name: &str) -> bool {
    let elem = match ty {
        Type::Ptr(p) => &p.elem,
        Type::Reference(r) => &r.elem,
        Type::Paren(p) => return points_to(&p.elem, name),
        Type::Group(g) => return points_to(&g.elem, name),
        _ => return false,
    };
    matches!(&**elem, Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == name))
}
