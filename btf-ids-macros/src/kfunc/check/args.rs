//! The rules the verifier reads from argument names: a suffix
//! (`btf_param_match_suffix`) or a whole name the verifier knows gives the
//! argument a meaning, and each meaning needs an integer or a pointer (see
//! `btf_ids_abi::args`). Each rule takes the index of one parameter; they
//! run parameter by parameter, so a parameter's errors come together.

use super::super::args::{self, Annotation, Class, Shape};
use super::types::{integer_check, pointer_check, sized_pointer_check};
use super::{text, Checker, ITER_PREFIX};
use syn::Type;

impl Checker<'_, '_, '_> {
    /// The class of type an annotation is read on, as the ABI table gives
    /// it (a size or a constant is a scalar, every other suffix marks a
    /// pointer), where the syntax shows the type: on another class the
    /// verifier does not read the annotation as the name promises.
    pub(super) fn annotation_class(&mut self, i: usize) {
        let p = &self.params[i];
        let a = p.annotation;
        let what = if a.suffix().starts_with("__") {
            format!("ends in `{}`", a.suffix())
        } else {
            format!("is the verifier's `{}`", a.suffix())
        };
        let e = match (a.class(), args::shape(p.ty)) {
            (Class::Any, _) | (_, Shape::Unknown) => return,
            (Class::Integer, Shape::Integer) | (Class::Pointer, Shape::Pointer) => return,
            (Class::Integer, _) => syn::Error::new_spanned(
                p.ty,
                format!(
                    "`{}` {what}, so it must be an integer, not `{}`",
                    p.name,
                    text(p.ty)
                ),
            ),
            (Class::Pointer, _) => syn::Error::new_spanned(
                p.ty,
                format!(
                    "`{}` {what}, so it must be a pointer, not `{}`",
                    p.name,
                    text(p.ty)
                ),
            ),
        };
        self.errors.push(e);
    }

    /// `__uninit` on a `bpf_dynptr`: Linux 6.12 knows what kind of dynptr
    /// only its own constructors make, and refuses (-EINVAL, with no
    /// message) every call of another kfunc that initialises one.
    pub(super) fn no_uninit_dynptr(&mut self, i: usize) {
        let p = &self.params[i];
        if p.annotation == Annotation::Uninit && points_to(p.ty, "bpf_dynptr") {
            let e = syn::Error::new_spanned(
                p.ty,
                format!(
                    "`{}` ends in `__uninit` on a `bpf_dynptr`: Linux 6.12 knows what kind of \
                     dynptr only its own constructors make (skb, xdp, clone), and refuses every \
                     call of another kfunc that initialises one (-EINVAL, with no message)",
                    p.name
                ),
            );
            self.errors.push(e);
        }
    }

    /// [`Checker::annotation_class`] for a type the syntax cannot judge (an
    /// alias such as `size_t`): left to the type system.
    pub(super) fn annotation_type_check(&mut self, i: usize) {
        let p = &self.params[i];
        if args::shape(p.ty) == Shape::Unknown {
            let check = match p.annotation.class() {
                Class::Integer => integer_check(p.ty),
                Class::Pointer => pointer_check(p.ty),
                Class::Any => return,
            };
            self.type_checks.push(check);
        }
    }

    /// `__iter` (6.12): the argument is a pointer to a
    /// `struct bpf_iter_<type>` (PTR -> STRUCT bpf_iter_<type>), as an
    /// iterator kfunc's first argument is.
    pub(super) fn iter_arg_struct(&mut self, i: usize) {
        let p = &self.params[i];
        if p.annotation != Annotation::Iter {
            return;
        }
        let name = args::pointee(p.ty).and_then(args::type_name);
        if let Some(name) =
            name.filter(|n| !(n.len() > ITER_PREFIX.len() && n.starts_with(ITER_PREFIX)))
        {
            let e = syn::Error::new_spanned(
                p.ty,
                format!(
                    "`{}` ends in `__iter`, so it must point to a `struct bpf_iter_<type>`, \
                     not to `{name}`",
                    p.name
                ),
            );
            self.errors.push(e);
        }
    }

    /// A memory size (`__sz`, `__szk`) gives the size of the memory the
    /// argument directly before it points to (the verifier reads the pair as
    /// one `KF_ARG_PTR_TO_MEM_SIZE`), so it is not first and follows a
    /// pointer.
    pub(super) fn size_follows_pointer(&mut self, i: usize) {
        let p = &self.params[i];
        let a = p.annotation;
        if !a.is_size() {
            return;
        }
        let e = match i.checked_sub(1).map(|j| &self.params[j]) {
            None => syn::Error::new(
                p.span,
                format!(
                    "`{}` is a memory size (`{}`) and must directly follow the pointer \
                     argument it sizes, but it is the first argument",
                    p.name,
                    a.suffix()
                ),
            ),
            Some(prev) => match args::shape(prev.ty) {
                Shape::Pointer => return,
                Shape::Unknown => {
                    let check = sized_pointer_check(prev.ty);
                    self.type_checks.push(check);
                    return;
                }
                Shape::Integer | Shape::Other => syn::Error::new(
                    p.span,
                    format!(
                        "`{}` is a memory size (`{}`) and must directly follow the pointer \
                         argument it sizes, but `{}` before it is `{}`",
                        p.name,
                        a.suffix(),
                        prev.name,
                        text(prev.ty)
                    ),
                ),
            },
        };
        self.errors.push(e);
    }
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
