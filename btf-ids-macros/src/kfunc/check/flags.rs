//! The rules a flag puts on the signature: what the verifier needs of a
//! kfunc with that `KF_*` flag (a pointer to return, a pointer argument to
//! release, an arena pointer), and the flags that exclude each other.

use super::super::args::{self, Shape};
use super::super::flags::Flag;
use super::types::{pointer_check, release_check};
use super::{text, Checker, Param};
use proc_macro2::Span;
use syn::{ReturnType, Type};

impl Checker<'_, '_, '_> {
    /// With `implicit_args`, whether `p` is one of the trailing parameters
    /// the verifier fills in: a `struct bpf_prog_aux *` (resolve_btfids also
    /// takes `struct btf_struct_meta *`).
    pub(super) fn is_implicit(&self, p: &Param) -> bool {
        self.has(Flag::ImplicitArgs).is_some()
            && args::pointee(p.ty)
                .and_then(args::type_name)
                .is_some_and(|n| n == "bpf_prog_aux" || n == "btf_struct_meta")
    }

    /// KF_IMPLICIT_ARGS (7.0+): the verifier fills in trailing
    /// `struct bpf_prog_aux *` parameters, which BPF programs do not pass,
    /// so there is one, and nothing the program passes comes after it (C
    /// learns of either mistake from resolve_btfids or the verifier).
    pub(super) fn implicit_args_trail(&mut self) {
        let Some(span) = self.has(Flag::ImplicitArgs) else {
            return;
        };
        let e = match self.params.iter().position(|p| self.is_implicit(p)) {
            None => syn::Error::new(
                span,
                format!(
                    "`implicit_args` needs a trailing `*mut bpf_prog_aux` parameter for the \
                     verifier to fill in, but `{}` has none",
                    self.sig().ident
                ),
            ),
            Some(first) => match self.params[first..].iter().find(|p| !self.is_implicit(p)) {
                None => return,
                Some(p) => syn::Error::new_spanned(
                    p.ty,
                    format!(
                        "`{}` follows an implicit `bpf_prog_aux` parameter: with \
                         `implicit_args` the implicit parameters come last",
                        p.name
                    ),
                ),
            },
        };
        self.errors.push(e);
    }

    /// KF_ACQUIRE with KF_RELEASE: a kfunc either hands out a reference or
    /// takes one back, which C learns of from the verifier. The error is at
    /// the second of the two as written.
    pub(super) fn acquire_not_release(&mut self) {
        let (Some(acq), Some(rel)) = (self.has(Flag::Acquire), self.has(Flag::Release)) else {
            return;
        };
        let position = |flag| self.given.iter().position(|g| g.flag == flag);
        let acquire_first = position(Flag::Acquire).lt(&position(Flag::Release));
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
        self.errors.push(e);
    }

    /// KF_ACQUIRE, KF_RET_NULL and KF_ARENA_RET describe the pointer the
    /// kfunc returns, so it returns a raw pointer (the verifier ignores
    /// `ret_null` on a scalar; resolve_btfids 7.x refuses a non-pointer
    /// arena return), and an acquired one points to a struct or union
    /// ("acquire kernel function does not return PTR_TO_BTF_ID").
    pub(super) fn pointer_return(&mut self) {
        let wants_ptr: Vec<(Flag, Span)> = [Flag::Acquire, Flag::RetNull, Flag::ArenaRet]
            .into_iter()
            .filter_map(|fl| self.has(fl).map(|s| (fl, s)))
            .collect();
        let Some(&(_, first_span)) = wants_ptr.first() else {
            return;
        };
        let words = wants_ptr
            .iter()
            .map(|(fl, _)| format!("`{}`", fl.word()))
            .collect::<Vec<_>>()
            .join(" and ");
        let ty = match &self.sig().output {
            ReturnType::Default => {
                let e = syn::Error::new(
                    first_span,
                    format!(
                        "{words} needs a function that returns a raw pointer, but `{}` returns nothing",
                        self.sig().ident
                    ),
                );
                self.errors.push(e);
                return;
            }
            ReturnType::Type(_, ty) => &**ty,
        };
        let e = match (ty, args::shape(ty)) {
            (Type::Reference(_), _) => syn::Error::new_spanned(
                ty,
                format!("{words} needs a raw pointer return type, not a reference"),
            ),
            (_, Shape::Integer | Shape::Other) => syn::Error::new_spanned(
                ty,
                format!(
                    "{words} needs a function that returns a raw pointer, not `{}`",
                    text(ty)
                ),
            ),
            (_, Shape::Pointer) => {
                let pointee = args::pointee(ty).unwrap();
                if self.has(Flag::Acquire).is_none() || !args::is_primitive(pointee) {
                    return;
                }
                syn::Error::new_spanned(
                    pointee,
                    format!(
                        "`acquire` needs a pointer to a struct or union (the verifier \
                         wants PTR_TO_BTF_ID), not to `{}`",
                        text(pointee)
                    ),
                )
            }
            (_, Shape::Unknown) => {
                self.type_checks.push(pointer_check(ty));
                return;
            }
        };
        self.errors.push(e);
    }

    /// An iterator kfunc is exactly one of KF_ITER_NEW, KF_ITER_NEXT and
    /// KF_ITER_DESTROY (`btf_check_iter_kfuncs`); with one of them, the
    /// iterator rules of [`super::iter`] apply.
    pub(super) fn iterator_flags(&mut self) {
        let iters: Vec<(Flag, Span)> = self
            .given
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
                self.errors.push(e);
            }
        } else if let Some(&(flag, span)) = iters.first() {
            self.iterator(flag, span);
        }
    }

    /// KF_ARENA_ARG1 / KF_ARENA_ARG2 (6.15+) mark the first or second
    /// argument as an arena pointer, so that argument exists and is a
    /// pointer (resolve_btfids 7.x checks as much).
    pub(super) fn arena_args_are_pointers(&mut self) {
        for (flag, index) in [(Flag::ArenaArg1, 0), (Flag::ArenaArg2, 1)] {
            let Some(span) = self.has(flag) else { continue };
            let e = match self.params.get(index) {
                None => syn::Error::new(
                    span,
                    format!(
                        "`{}` marks argument {} as an arena pointer, but `{}` takes {} argument{}",
                        flag.word(),
                        index + 1,
                        self.sig().ident,
                        self.params.len(),
                        if self.params.len() == 1 { "" } else { "s" }
                    ),
                ),
                Some(p) => match args::shape(p.ty) {
                    Shape::Pointer => continue,
                    Shape::Unknown => {
                        self.type_checks.push(pointer_check(p.ty));
                        continue;
                    }
                    Shape::Integer | Shape::Other => syn::Error::new_spanned(
                        p.ty,
                        format!(
                            "`{}` marks argument {} as an arena pointer, but `{}` is `{}`, not a pointer",
                            flag.word(),
                            index + 1,
                            p.name,
                            text(p.ty)
                        ),
                    ),
                },
            };
            self.errors.push(e);
        }
    }

    /// KF_RELEASE: the verifier releases the reference a pointer argument
    /// holds ("release kernel function %s expects refcounted
    /// PTR_TO_BTF_ID"), so some argument is a pointer; where only the type
    /// system can tell (an alias), it is asked whether any of them is.
    pub(super) fn release_takes_pointer(&mut self) {
        let Some(span) = self.has(Flag::Release) else {
            return;
        };
        let pointer = self
            .params
            .iter()
            .any(|p| args::shape(p.ty) == Shape::Pointer);
        let unknown: Vec<&Type> = self
            .params
            .iter()
            .filter(|p| args::shape(p.ty) == Shape::Unknown && !args::is_float(p.ty))
            .map(|p| p.ty)
            .collect();
        if !pointer && unknown.is_empty() {
            self.errors.push(syn::Error::new(
                span,
                format!(
                    "`release` takes back the reference a pointer argument holds, but `{}` takes \
                     no pointer argument",
                    self.sig().ident
                ),
            ));
        } else if !pointer {
            let check = release_check(span, &unknown, &self.sig().ident);
            self.type_checks.push(check);
        }
    }
}
