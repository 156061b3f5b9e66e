//! The iterator rules of `btf_check_iter_kfuncs` (kernel/bpf/btf.c),
//! which fail set registration with a bare -EINVAL: C learns of each only
//! when the module loads, and then without a word of which rule it was.

use super::super::args::{self, Shape};
use super::super::flags::Flag;
use super::types::pointer_check;
use super::{text, Checker, ITER_PREFIX};
use proc_macro2::Span;
use quote::quote_spanned;
use syn::spanned::Spanned;
use syn::{ReturnType, Type};

impl<'a> Checker<'a, '_, '_> {
    /// The rules for a kfunc with one iterator flag, `flag` (its word at
    /// `flag_span`). Without a first argument the others have nothing to
    /// look at.
    pub(super) fn iterator(&mut self, flag: Flag, flag_span: Span) {
        if !self.iter_has_state_arg(flag, flag_span) {
            return;
        }
        self.iter_named_after_state(flag);
        self.iter_state_size();
        self.iter_first_arg_is_state(flag);
        self.iter_single_arg(flag);
        self.iter_next_returns_pointer(flag, flag_span);
        self.iter_destroy_returns_nothing(flag);
    }

    /// The pointee of the first argument and its name, when that argument
    /// points to a `struct bpf_iter_<type>` (the iterator's state).
    fn iter_state(&self) -> Option<(&'a Type, String)> {
        let first = self.params.first()?;
        args::pointee(first.ty)
            .and_then(|p| args::type_name(p).map(|n| (p, n)))
            .filter(|(_, name)| name.len() > ITER_PREFIX.len() && name.starts_with(ITER_PREFIX))
    }

    /// An iterator kfunc takes its state as first argument, so it has one.
    /// Returns whether it does.
    fn iter_has_state_arg(&mut self, flag: Flag, flag_span: Span) -> bool {
        if !self.params.is_empty() {
            return true;
        }
        let e = syn::Error::new(
            flag_span,
            format!(
                "an `{}` kfunc takes a pointer to its `struct bpf_iter_<type>` as first argument, \
                 but `{}` takes none",
                flag.word(),
                self.sig().ident
            ),
        );
        self.errors.push(e);
        false
    }

    /// The kernel's `bpf_iter_<type>_{new,next,destroy}` rule: the name is
    /// the state struct's with the flag's action appended.
    fn iter_named_after_state(&mut self, flag: Flag) {
        let Some((_, name)) = self.iter_state() else {
            return;
        };
        let action = match flag {
            Flag::IterNew => "new",
            Flag::IterNext => "next",
            _ => "destroy",
        };
        let kind = &name[ITER_PREFIX.len()..];
        let expected = format!("{ITER_PREFIX}{kind}_{action}");
        let sig = self.sig();
        if sig.ident != expected {
            self.errors.push(syn::Error::new(
                sig.ident.span(),
                format!(
                    "an `{}` kfunc over `{name}` must be named `{expected}` \
                     (the kernel's bpf_iter_<type>_{{new,next,destroy}} rule)",
                    flag.word()
                ),
            ));
        }
    }

    /// The iterator lives in 8-byte stack slots, so its state struct has a
    /// non-zero size that is a multiple of 8: a check for the type system,
    /// which alone knows the size.
    fn iter_state_size(&mut self) {
        let Some((pointee, _)) = self.iter_state() else {
            return;
        };
        self.type_checks.push(quote_spanned! {pointee.span()=>
            const _: () = ::core::assert!(
                ::core::mem::size_of::<#pointee>() != 0
                    && ::core::mem::size_of::<#pointee>() & 7 == 0,
                "an iterator struct must have a non-zero size that is a multiple of 8 \
                     (the verifier keeps it in 8-byte stack slots)"
            );
        });
    }

    /// The first argument is a pointer to a `struct bpf_iter_<type>`.
    fn iter_first_arg_is_state(&mut self, flag: Flag) {
        if self.iter_state().is_some() {
            return;
        }
        let first = &self.params[0];
        let e = syn::Error::new_spanned(
            first.ty,
            format!(
                "the first argument of an `{}` kfunc must be a pointer to a \
                 `struct bpf_iter_<type>`, not `{}`",
                flag.word(),
                text(first.ty)
            ),
        );
        self.errors.push(e);
    }

    /// Only `iter_new` may take more than the iterator.
    fn iter_single_arg(&mut self, flag: Flag) {
        if flag == Flag::IterNew {
            return;
        }
        if let Some(extra) = self.params.get(1) {
            let e = syn::Error::new(
                extra.span,
                format!(
                    "an `{}` kfunc takes exactly one argument, the iterator; only `iter_new` \
                     may take more",
                    flag.word()
                ),
            );
            self.errors.push(e);
        }
    }

    /// `iter_next` returns a pointer to the next element (NULL at the end).
    fn iter_next_returns_pointer(&mut self, flag: Flag, flag_span: Span) {
        if flag != Flag::IterNext {
            return;
        }
        let e = match &self.sig().output {
            ReturnType::Default => syn::Error::new(
                flag_span,
                format!(
                    "an `iter_next` kfunc returns a pointer to the next element, but `{}` returns nothing",
                    self.sig().ident
                ),
            ),
            ReturnType::Type(_, ty) => match args::shape(ty) {
                Shape::Pointer => return,
                Shape::Unknown => {
                    self.type_checks.push(pointer_check(ty));
                    return;
                }
                Shape::Integer | Shape::Other => syn::Error::new_spanned(
                    ty,
                    format!(
                        "an `iter_next` kfunc returns a pointer to the next element, not `{}`",
                        text(ty)
                    ),
                ),
            },
        };
        self.errors.push(e);
    }

    /// `iter_destroy` returns nothing (`()` written out is nothing too).
    fn iter_destroy_returns_nothing(&mut self, flag: Flag) {
        if flag != Flag::IterDestroy {
            return;
        }
        if let ReturnType::Type(_, ty) = &self.sig().output {
            let unit = matches!(&**ty, Type::Tuple(t) if t.elems.is_empty());
            if !unit {
                self.errors.push(syn::Error::new_spanned(
                    ty,
                    format!(
                        "an `iter_destroy` kfunc returns nothing, not `{}`",
                        text(ty)
                    ),
                ));
            }
        }
    }
}
