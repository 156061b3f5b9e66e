//! The checks C leaves to the verifier (at load time) or to kfunc set
//! registration (at module load), made at compile time.
//!
//! Whatever the syntax decides is reported here as a `syn::Error` on the
//! offending token. Where only the type system knows (a type alias such as
//! `size_t`), a check is emitted instead that names the type with a
//! `btf_ids_runtime::kfunc::__private` bound, so the error still points at the
//! type.
//!
//! Each rule is one method of [`Checker`], named after what it enforces and
//! documented with the kernel rule it mirrors; [`signature`] runs them in one
//! fixed order, which is the order a user sees the errors in. The rules are
//! grouped by what they read: the function's form ([`shape`]), the types it
//! passes by value ([`types`]), its flags ([`flags`]), its argument names
//! ([`args`]) and the iterator protocol ([`iter`]).

mod args;
mod flags;
mod iter;
mod shape;
mod types;

use super::args::{Annotation, Class};
use super::flags::{Flag, Given};
use crate::errors::Errors;
use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::{ItemFn, ReturnType, Type};

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

/// Every rule, in the order its errors are reported.
pub fn signature<'a>(f: &'a ItemFn, given: &[Given], errors: &mut Errors) -> Report<'a> {
    let mut c = Checker {
        f,
        given,
        errors,
        params: Vec::new(),
        type_checks: Vec::new(),
        shape_ok: true,
        misplaced: false,
    };

    // The function's form.
    c.ascii_name();
    c.no_self_type();
    c.no_linkage_attributes();
    c.c_abi();
    c.not_async();
    c.not_generic();
    c.not_variadic();
    c.params = c.plain_params();

    // What no kfunc can take or return, whatever its flags, one type at a
    // time (each type's errors together).
    let covered = c.covered_args();
    let ret_covered = c.ret_covered();
    let arg_types: Vec<&Type> = c.params.iter().map(|p| p.ty).collect();
    for (ty, &covered) in arg_types.into_iter().zip(&covered) {
        c.by_value_rules(ty, false, covered);
    }
    if let Some(ty) = c.ret_type() {
        c.by_value_rules(ty, true, ret_covered);
    }

    // What the flags ask of the signature; the register limit among them,
    // since `implicit_args`' parameters do not count.
    c.implicit_args_trail();
    c.at_most_five_args();
    c.acquire_not_release();
    c.pointer_return();
    c.iterator_flags();
    c.arena_args_are_pointers();

    // What the argument names ask of their types.
    for i in 0..c.params.len() {
        c.annotation_class(i);
        c.no_uninit_dynptr(i);
        c.annotation_type_check(i);
        c.iter_arg_struct(i);
        c.size_follows_pointer(i);
    }
    // The one flag rule reported after the annotations.
    c.release_takes_pointer();

    // What only the type system can judge.
    c.by_value_type_checks(&covered, ret_covered);

    Report {
        shape_ok: c.shape_ok,
        misplaced: c.misplaced,
        params: c.params,
        type_checks: c.type_checks,
    }
}

/// The function under check and what the rules found so far. Every rule
/// reports through the one error sink, [`Errors`], and adds what the type
/// system must check to `type_checks`.
struct Checker<'a, 'g, 'e> {
    f: &'a ItemFn,
    given: &'g [Given],
    errors: &'e mut Errors,
    /// The parameters with a plain name (filled in by
    /// [`Checker::plain_params`]).
    params: Vec<Param<'a>>,
    type_checks: Vec<TokenStream>,
    /// See [`Report::shape_ok`].
    shape_ok: bool,
    /// See [`Report::misplaced`].
    misplaced: bool,
}

impl<'a> Checker<'a, '_, '_> {
    fn sig(&self) -> &'a syn::Signature {
        &self.f.sig
    }

    /// The span of `flag`'s word, if it is given.
    fn has(&self, flag: Flag) -> Option<Span> {
        self.given.iter().find(|g| g.flag == flag).map(|g| g.span)
    }

    /// The written return type, if any.
    fn ret_type(&self) -> Option<&'a Type> {
        match &self.sig().output {
            ReturnType::Default => None,
            ReturnType::Type(_, ty) => Some(&**ty),
        }
    }

    /// Per argument, whether an annotation or a flag needs it to be an
    /// integer or a pointer: those checks are stricter than the by-value
    /// rules, which then leave the argument alone.
    fn covered_args(&self) -> Vec<bool> {
        let params = &self.params;
        (0..params.len())
            .map(|i| {
                params[i].annotation.class() != Class::Any
                    || (i == 0 && self.has(Flag::ArenaArg1).is_some())
                    || (i == 1 && self.has(Flag::ArenaArg2).is_some())
                    || params.get(i + 1).is_some_and(|n| n.annotation.is_size())
            })
            .collect()
    }

    /// Whether a flag needs the return type to be a pointer (or nothing),
    /// which the by-value rules then leave to that flag's check.
    fn ret_covered(&self) -> bool {
        [
            Flag::Acquire,
            Flag::RetNull,
            Flag::ArenaRet,
            Flag::IterNext,
            Flag::IterDestroy,
        ]
        .into_iter()
        .any(|fl| self.has(fl).is_some())
    }
}
