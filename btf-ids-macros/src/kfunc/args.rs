//! Parameter names as the verifier reads them (the ABI crate's one table),
//! and what a type looks like from its syntax.

use syn::Type;

pub use btf_ids_abi::args::{ArgAnnotation as Annotation, ArgClass as Class};

/// The annotation a parameter name carries (`btf_param_match_suffix`: the
/// name must be strictly longer than the suffix).
pub fn annotation(name: &str) -> Annotation {
    Annotation::of(name)
}

/// What the syntax of a type says about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// `*const T`, `*mut T`, `&T`, `&mut T`.
    Pointer,
    /// A primitive integer written by name (`u32`, `core::ffi::c_int`, ...).
    Integer,
    /// Certainly neither: a float, `bool`, `char`, a tuple, an array, a
    /// slice, a function pointer, `!`.
    Other,
    /// A path the macro cannot see through (an alias, a struct): the check
    /// is left to the type system.
    Unknown,
}

const INTEGERS: [&str; 24] = [
    "u8",
    "u16",
    "u32",
    "u64",
    "usize",
    "i8",
    "i16",
    "i32",
    "i64",
    "isize",
    "c_char",
    "c_schar",
    "c_uchar",
    "c_short",
    "c_ushort",
    "c_int",
    "c_uint",
    "c_long",
    "c_ulong",
    "c_longlong",
    "c_ulonglong",
    "c_size_t",
    "c_ssize_t",
    "c_ptrdiff_t",
];

const OTHERS: [&str; 5] = ["f32", "f64", "bool", "char", "str"];

pub fn shape(ty: &Type) -> Shape {
    match ty {
        Type::Ptr(_) | Type::Reference(_) => Shape::Pointer,
        Type::Paren(p) => shape(&p.elem),
        Type::Group(g) => shape(&g.elem),
        Type::Path(p) if p.qself.is_none() => {
            let Some(last) = p.path.segments.last() else {
                return Shape::Unknown;
            };
            let name = last.ident.to_string();
            if !last.arguments.is_empty() {
                Shape::Unknown
            } else if INTEGERS.contains(&name.as_str()) {
                Shape::Integer
            } else if OTHERS.contains(&name.as_str()) || name == "u128" || name == "i128" {
                Shape::Other
            } else {
                Shape::Unknown
            }
        }
        Type::Tuple(_)
        | Type::Array(_)
        | Type::Slice(_)
        | Type::BareFn(_)
        | Type::Never(_)
        | Type::TraitObject(_)
        | Type::ImplTrait(_) => Shape::Other,
        _ => Shape::Unknown,
    }
}

/// A floating-point type written by name (`f64`, `core::ffi::c_double`).
pub fn is_float(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.qself.is_none())
        && type_name(ty)
            .is_some_and(|n| matches!(n.as_str(), "f32" | "f64" | "c_float" | "c_double"))
}

/// The pointee of a pointer type.
pub fn pointee(ty: &Type) -> Option<&Type> {
    match ty {
        Type::Ptr(p) => Some(&p.elem),
        Type::Reference(r) => Some(&r.elem),
        Type::Paren(p) => pointee(&p.elem),
        Type::Group(g) => pointee(&g.elem),
        _ => None,
    }
}

/// The last identifier of a plain path type (`bindings::task_struct` gives
/// `task_struct`).
pub fn type_name(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(p) if p.qself.is_none() => p
            .path
            .segments
            .last()
            .filter(|s| s.arguments.is_empty())
            .map(|s| s.ident.to_string()),
        Type::Paren(p) => type_name(&p.elem),
        Type::Group(g) => type_name(&g.elem),
        _ => None,
    }
}

/// A pointee no struct or union can hide behind: a primitive or `c_void`.
pub fn is_primitive(ty: &Type) -> bool {
    match ty {
        Type::Tuple(t) => t.elems.is_empty(),
        _ => {
            matches!(shape(ty), Shape::Integer | Shape::Other)
                || type_name(ty).is_some_and(|n| n == "c_void")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_follow_the_kernel_rule() {
        assert_eq!(annotation("mem__sz"), Annotation::Size);
        assert_eq!(annotation("buf__szk"), Annotation::ConstSize);
        assert_eq!(annotation("id__k"), Annotation::Const);
        assert_eq!(annotation("p__arena__nullable"), Annotation::ArenaNullable);
        assert_eq!(annotation("__sz"), Annotation::None);
        assert_eq!(annotation("rdonly_buf_size"), Annotation::RdonlyBufSize);
        assert_eq!(annotation("x_rdonly_buf_size"), Annotation::None);
    }

    #[test]
    fn shapes() {
        let t = |s: &str| syn::parse_str::<Type>(s).unwrap();
        assert_eq!(shape(&t("*mut u8")), Shape::Pointer);
        assert_eq!(shape(&t("core::ffi::c_int")), Shape::Integer);
        assert_eq!(shape(&t("f64")), Shape::Other);
        assert_eq!(shape(&t("size_t")), Shape::Unknown);
        assert!(is_primitive(&t("core::ffi::c_void")));
        assert!(!is_primitive(&t("task_struct")));
    }
}
