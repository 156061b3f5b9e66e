//! What a `#[kfunc]` function tells the sets, the registry and tools.
//!
//! `#[kfunc(flags...)]` is the Rust twin of C's `__bpf_kfunc` together with the
//! flags `BTF_ID_FLAGS(func, name, flags)` gives the function in a kfunc set.
//! What it read from the function (its name, its flags, its parameters and
//! their annotations) is a [`KfuncInfo`] constant, which
//! [`kfunc_info!`](crate::kfunc_info) gives by the function's path:
//!
//! ```
//! use btf_ids_runtime::{kfunc, kfunc_info};
//! use btf_ids_runtime::kfunc::{ArgAnnotation, KfuncInfo};
//! use btf_ids_runtime::flags::KF_DESTRUCTIVE;
//!
//! #[kfunc(destructive)]
//! pub unsafe extern "C" fn bpf_doc_memzero(mem: *mut u8, mem__sz: u32) {
//!     unsafe { core::ptr::write_bytes(mem, 0, mem__sz as usize) }
//! }
//!
//! // A constant: usable in const context, and by any path or `use` alias.
//! const MEMZERO: KfuncInfo = kfunc_info!(bpf_doc_memzero);
//!
//! fn main() {
//!     assert_eq!(MEMZERO.name, "bpf_doc_memzero");
//!     assert_eq!(MEMZERO.flags, KF_DESTRUCTIVE);
//!     assert_eq!(MEMZERO.args[1].name, "mem__sz");
//!     assert_eq!(MEMZERO.args[1].annotation, ArgAnnotation::Size);
//! }
//! ```
//!
//! The information travels with the function's name in the *macro*
//! namespace: beside the function `#[kfunc]` defines a hidden `macro_rules!`
//! twin of the same name, made reachable by path in the crate. So a type of
//! the same name as the kfunc stays legal Rust, and a `use ... as` alias or a
//! `pub use` re-export of the function carries the twin along. The twin is
//! visible in the kfunc's own crate only (a `macro_rules!` macro cannot be
//! exported by path), so a set lists the kfuncs of its own crate by path and
//! those of other crates as `func NAME(FLAGS)`.
//!
//! Like a C kfunc, a `#[kfunc]` function is a free function at module level:
//! not a method or an associated function, not a function nested in another
//! function's body. docs/kfuncs.md lists every rule `#[kfunc]` checks.

/// What `#[kfunc]` read from one function: the constant
/// [`kfunc_info!`](crate::kfunc_info) gives. `btf_kfuncs!` writes the same
/// name and flags into the set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KfuncInfo {
    /// The function's symbol name, the name resolve_btfids looks up in BTF
    /// (the real name, whatever path or alias reached the function).
    pub name: &'static str,
    /// Its `KF_*` flags, as `BTF_ID_FLAGS(func, name, flags)` would give them.
    pub flags: u32,
    /// Its parameters in order, with the annotation each name carries.
    pub args: &'static [KfuncArg],
}

/// The [`KfuncInfo`](crate::kfunc::KfuncInfo) of a [`#[kfunc]`](macro@crate::kfunc)
/// function, by its path: a constant expression.
///
/// Any path that reaches the function in its crate works: `bpf_foo`,
/// `crate::task::bpf_foo`, a `use task::bpf_foo as acquire;` alias or a
/// `pub use` re-export. The `name` is always the function's own (the symbol
/// BTF knows), never the alias.
///
/// ```
/// use btf_ids_runtime::kfunc_info;
///
/// mod task {
///     #[btf_ids_runtime::kfunc(release)]
///     pub extern "C" fn bpf_doc_put(_p: *mut u8) {}
/// }
/// use task::bpf_doc_put as put;
///
/// fn main() {
///     assert_eq!(kfunc_info!(put).name, "bpf_doc_put");
///     assert_eq!(kfunc_info!(task::bpf_doc_put).flags, btf_ids_runtime::flags::KF_RELEASE);
/// }
/// ```
///
/// A path that is not a `#[kfunc]` function is a compile error ("cannot find
/// macro"): the information lives in a hidden macro twin of the function.
#[macro_export]
macro_rules! kfunc_info {
    ($($path:tt)+) => {
        $($path)+ ! { __btf_ids_info }
    };
}

/// One parameter of a kfunc: its name exactly as written (the name the BTF
/// `FUNC_PROTO` keeps, and the verifier reads) and what that name tells the
/// verifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KfuncArg {
    /// The parameter name, `""` for a `_` parameter.
    pub name: &'static str,
    /// The annotation its name carries, if any.
    pub annotation: ArgAnnotation,
}

impl KfuncArg {
    /// An argument named `name`, annotated as [`ArgAnnotation::of`] reads it.
    ///
    /// ```
    /// use btf_ids_runtime::kfunc::{ArgAnnotation, KfuncArg};
    /// assert_eq!(KfuncArg::new("buf__szk").annotation, ArgAnnotation::ConstSize);
    /// ```
    pub const fn new(name: &'static str) -> KfuncArg {
        KfuncArg {
            name,
            annotation: ArgAnnotation::of(name),
        }
    }
}

pub use btf_ids_abi::args::{ArgAnnotation, ArgClass};

/// Support for the code `#[kfunc]` generates; not a public interface.
#[doc(hidden)]
pub mod __private {
    /// Integer types: what BTF describes as `INT` and a `__sz`, `__szk` or
    /// `__k` argument must be.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` is not an integer type",
        label = "this kfunc argument must be an integer (for its `__sz`, `__szk`, `__k` suffix or name)"
    )]
    pub trait Integer {}

    /// Pointer types: what BTF describes as `PTR`.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` is not a pointer type",
        label = "a raw pointer or a reference is needed here (for a suffix or flag of this kfunc)"
    )]
    pub trait Pointer {}

    /// Pointer types, as the argument before a `__sz` or `__szk` size must be.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` is not a pointer type",
        label = "the next argument is a `__sz`/`__szk` memory size, so this one must be the pointer it sizes"
    )]
    pub trait SizedPointer {}

    macro_rules! integers {
        ($($t:ty)*) => { $(impl Integer for $t {})* };
    }
    integers!(u8 u16 u32 u64 usize i8 i16 i32 i64 isize);

    impl<T: ?Sized> Pointer for *const T {}
    impl<T: ?Sized> Pointer for *mut T {}
    impl<T: ?Sized> Pointer for &T {}
    impl<T: ?Sized> Pointer for &mut T {}
    impl<T: ?Sized> SizedPointer for *const T {}
    impl<T: ?Sized> SizedPointer for *mut T {}
    impl<T: ?Sized> SizedPointer for &T {}
    impl<T: ?Sized> SizedPointer for &mut T {}

    /// Names `T: Integer` so a type error points at the argument's type.
    pub fn integer<T: Integer + ?Sized>() {}

    /// Names `T: Pointer` so a type error points at the argument's type.
    pub fn pointer<T: Pointer + ?Sized>() {}

    /// Names `T: SizedPointer` so a type error points at the argument's type.
    pub fn sized_pointer<T: SizedPointer + ?Sized>() {}

    /// Types a kfunc argument may have by value: what Linux 6.12 describes
    /// as a scalar (`INT`, `ENUM`) or a pointer. Not structs or unions
    /// (`check_kfunc_args` refuses any, `btf_distill_func_proto` those over
    /// 16 bytes), floats, 128-bit integers, fat pointers or Rust enums.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` cannot be passed to a kfunc by value",
        label = "a kfunc argument must be an integer or a thin pointer (not a struct, union, \
                 Rust enum, float, 128-bit integer or fat pointer)"
    )]
    pub trait ByValueArg {
        /// A data pointer, which a `release` kfunc can take back.
        const POINTER: bool;
    }

    /// Types a kfunc may return by value (`btf_distill_func_proto` refuses
    /// any struct or union, and what `__get_type_size` cannot size).
    #[diagnostic::on_unimplemented(
        message = "`{Self}` cannot be returned by a kfunc",
        label = "a kfunc returns an integer, a thin pointer or nothing (not a struct, union, \
                 Rust enum, float, 128-bit integer or fat pointer)"
    )]
    pub trait ByValueRet {}

    macro_rules! scalars {
        ($($t:ty),*) => { $(
            impl ByValueArg for $t { const POINTER: bool = false; }
            impl ByValueRet for $t {}
        )* };
    }
    scalars!(u8, u16, u32, u64, usize, i8, i16, i32, i64, isize, bool, char);
    impl ByValueRet for () {}

    macro_rules! pointers {
        ($($p:ty),*) => { $(
            impl<T> ByValueArg for $p { const POINTER: bool = true; }
            impl<T> ByValueRet for $p {}
        )* };
    }
    pointers!(*const T, *mut T, &T, &mut T);

    macro_rules! fn_pointers {
        ($(($($a:ident),*))*) => { $(
            impl<R, $($a),*> ByValueArg for extern "C" fn($($a),*) -> R { const POINTER: bool = false; }
            impl<R, $($a),*> ByValueRet for extern "C" fn($($a),*) -> R {}
            impl<R, $($a),*> ByValueArg for unsafe extern "C" fn($($a),*) -> R { const POINTER: bool = false; }
            impl<R, $($a),*> ByValueRet for unsafe extern "C" fn($($a),*) -> R {}
        )* };
    }
    fn_pointers!(()(A)(A, B)(A, B, C)(A, B, C, D)(A, B, C, D, E));

    /// Names `T: ByValueArg` so a type error points at the argument's type.
    pub const fn by_value_arg<T: ByValueArg + ?Sized>() -> bool {
        T::POINTER
    }

    /// Names `T: ByValueRet` so a type error points at the return type.
    pub fn by_value_ret<T: ByValueRet + ?Sized>() {}

    // Where `#[kfunc]` stands. Inside the function's body the generated code
    // names the function through a glob import of the enclosing module:
    // that finds it when it is a module-level item and falls back to a
    // constant of type `Misplaced` when it is an associated function or a
    // function in a block. Method resolution then picks the answer
    // (autoref: the `Probe<&Misplaced>` impl is tried first).

    /// The type of the stand-in the probe finds for a misplaced kfunc.
    pub struct Misplaced;
    /// The probe's receiver.
    pub struct Probe<T>(pub T);
    /// The probe's answer for a module-level function.
    pub struct AtModuleLevel;
    /// The probe's answer for a method or a function in a block.
    pub struct NotAtModuleLevel;

    /// Picked for the stand-in.
    pub trait PlacementOfMisplaced {
        /// The answer.
        fn placement(&self) -> NotAtModuleLevel {
            NotAtModuleLevel
        }
    }
    impl PlacementOfMisplaced for Probe<&Misplaced> {}

    /// Picked for anything else, the function itself.
    pub trait PlacementOfItem {
        /// The answer.
        fn placement(&self) -> AtModuleLevel {
            AtModuleLevel
        }
    }
    impl<T> PlacementOfItem for &Probe<T> {}

    /// Only a module-level function is a kfunc.
    #[diagnostic::on_unimplemented(
        message = "#[kfunc] applies to a free function at module level, not to a method, \
                   an associated function or a function inside a block",
        label = "move this function out, to module level: BTF, the kfunc set and the \
                 kernel name a kfunc by its path in a module"
    )]
    pub trait ModuleLevel {}
    impl ModuleLevel for AtModuleLevel {}

    /// Names `T: ModuleLevel` so a type error points at the function.
    pub fn at_module_level<T: ModuleLevel>(_: T) {}
}
