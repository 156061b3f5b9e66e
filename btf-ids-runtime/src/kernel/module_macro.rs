//! `kernel_module!`: `module_init`, `module_exit` and the `MODULE_*` lines of
//! a module with no C at all.

/// Support for the code `kernel_module!` generates; not a public interface.
#[doc(hidden)]
pub mod __private {
    /// Compile-time check of a `.modinfo` value: it is pasted into an
    /// assembler string, so it must not end that string or escape in it.
    pub const fn check_modinfo_value(value: &str) {
        let bytes = value.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if b == b'"' || b == b'\\' || b < 0x20 || b == 0x7f {
                panic!(
                    "kernel_module!: a .modinfo value must not contain `\"`, `\\`, \
                     NUL or other control characters"
                );
            }
            i += 1;
        }
    }

    /// Compile-time check of the license: [`check_modinfo_value`], and not
    /// empty.
    pub const fn check_license(license: &str) {
        if license.is_empty() {
            panic!("kernel_module!: the license must not be empty (the kernel takes \"GPL\", \"GPL v2\", \"Dual MIT/GPL\", ...)");
        }
        check_modinfo_value(license);
    }
}

/// The `module_init`, `module_exit`, `MODULE_LICENSE`, `MODULE_AUTHOR` and
/// `MODULE_DESCRIPTION` lines of a kernel module written in Rust only.
///
/// ```
/// fn rsk_init() -> i32 {
///     0 // or a negative errno, which fails the load
/// }
///
/// fn rsk_exit() {}
///
/// btf_ids_runtime::kernel_module! {
///     init: rsk_init,
///     exit: rsk_exit,
///     license: "GPL",
///     author: "btf-ids",
///     description: "Rust kfuncs",
/// }
/// # fn main() {}
/// ```
///
/// expands to what the C macros give a module:
///
/// * `init: f` (`module_init(f)`): `#[no_mangle] extern "C" fn
///   init_module() -> c_int`, which calls `f` and returns what it returns (0,
///   or a negative errno such as `-`[`ENOMEM`](crate::kernel::ENOMEM) to fail
///   the load), and a pointer to it in `.init.data`, as C's
///   `___ADDRESSABLE(init_module, __initdata)` puts there (objtool then
///   knows the function's address is taken). `f` is a Rust-ABI function
///   `fn() -> i32`; an `unsafe fn() -> i32` is taken too: naming it here
///   asserts that calling it once, as the module's init, in process
///   context, before any other code of the module runs, is sound. Without
///   `init` the module loads and runs nothing.
/// * `exit: f` (`module_exit(f)`): `cleanup_module()`, calling `f: fn()` (or
///   `unsafe fn()`, with the same assertion for the module's unload), and
///   its pointer in `.exit.data`. Without `exit` the module cannot be
///   unloaded, as in C.
/// * `license`, `author`, `description` (`MODULE_LICENSE` etc.): the
///   NUL-terminated strings `license=...`, `author=...`, `description=...`
///   in `.modinfo` (flags `"a"`, no padding), which modpost and the module
///   loader read. `author` may be given several times, like
///   `MODULE_AUTHOR`.
///
/// Everything is emitted with `global_asm!` rather than `#[used]` statics: a
/// `#[used]` static gets `SHF_GNU_RETAIN`, and `ld` does not merge a
/// `.modinfo` with that flag with the one of modpost's `.mod.c`, which hides
/// the vermagic from the loader. kbuild still generates the `.mod.c`
/// (`__this_module`, vermagic, symbol versions); its `__this_module` points
/// at `init_module` and `cleanup_module` when the module defines them.
///
/// Use the macro once per module, at module level (`global_asm!` is an
/// item), and define no `init_module` or `cleanup_module` of your own.
///
/// # License
///
/// `license` is required, as modpost requires `MODULE_LICENSE`.
/// [`register_btf_kfunc_id_set`](crate::kernel::register_btf_kfunc_id_set)
/// is `EXPORT_SYMBOL_GPL`: with a license that is not GPL-compatible (the
/// kernel's list: `"GPL"`, `"GPL v2"`, `"GPL and additional rights"`,
/// `"Dual BSD/GPL"`, `"Dual MIT/GPL"`, `"Dual MPL/GPL"`) the module taints
/// the kernel and fails to load (`Unknown symbol register_btf_kfunc_id_set`).
///
/// # Errors
///
/// Misuse is a compile error: a missing license,
///
/// ```compile_fail
/// btf_ids_runtime::kernel_module! { author: "btf-ids" }
/// ```
///
/// an unknown key,
///
/// ```compile_fail
/// btf_ids_runtime::kernel_module! { license: "GPL", version: "1.0" }
/// ```
///
/// a key given twice (except `author`),
///
/// ```compile_fail
/// btf_ids_runtime::kernel_module! { license: "GPL", license: "GPL v2" }
/// ```
///
/// a value that is not a string literal,
///
/// ```compile_fail
/// const LICENSE: &str = "GPL";
/// btf_ids_runtime::kernel_module! { license: LICENSE }
/// ```
///
/// a value with `"`, `\` or control characters (it is pasted into an
/// assembler string; `{` and `}` are refused too, by `global_asm!`),
///
/// ```compile_fail
/// btf_ids_runtime::kernel_module! { license: "GPL", description: "two\nlines" }
/// ```
///
/// and an init function of another type:
///
/// ```compile_fail
/// fn rsk_init() {}
/// btf_ids_runtime::kernel_module! { init: rsk_init, license: "GPL" }
/// ```
#[macro_export]
macro_rules! kernel_module {
    ($($body:tt)*) => {
        $crate::__kernel_module! {
            @parse { init: [] exit: [] license: [] author: [] description: [] }
            $($body)*
        }
    };
}

/// The parser and expander behind [`kernel_module!`]: one `key: value` pair
/// at a time into a state of slots, then the items.
#[doc(hidden)]
#[macro_export]
macro_rules! __kernel_module {
    // init
    (@parse { init: [$($i:tt)+] $($s:tt)* } init : $($rest:tt)*) => {
        ::core::compile_error!("kernel_module!: `init` is given twice");
    };
    (@parse { init: [] exit: $e:tt license: $l:tt author: $a:tt description: $d:tt }
        init : $f:expr $(, $($rest:tt)*)?) => {
        $crate::__kernel_module! {
            @parse { init: [$f] exit: $e license: $l author: $a description: $d }
            $($($rest)*)?
        }
    };
    (@parse $s:tt init $($rest:tt)*) => {
        ::core::compile_error!("kernel_module!: expected `init: <function>,`");
    };

    // exit
    (@parse { init: $i:tt exit: [$($e:tt)+] $($s:tt)* } exit : $($rest:tt)*) => {
        ::core::compile_error!("kernel_module!: `exit` is given twice");
    };
    (@parse { init: $i:tt exit: [] license: $l:tt author: $a:tt description: $d:tt }
        exit : $f:expr $(, $($rest:tt)*)?) => {
        $crate::__kernel_module! {
            @parse { init: $i exit: [$f] license: $l author: $a description: $d }
            $($($rest)*)?
        }
    };
    (@parse $s:tt exit $($rest:tt)*) => {
        ::core::compile_error!("kernel_module!: expected `exit: <function>,`");
    };

    // license
    (@parse { init: $i:tt exit: $e:tt license: [$($l:tt)+] $($s:tt)* } license : $($rest:tt)*) => {
        ::core::compile_error!("kernel_module!: `license` is given twice");
    };
    (@parse { init: $i:tt exit: $e:tt license: [] author: $a:tt description: $d:tt }
        license : $v:literal $(, $($rest:tt)*)?) => {
        $crate::__kernel_module! {
            @parse { init: $i exit: $e license: [$v] author: $a description: $d }
            $($($rest)*)?
        }
    };
    (@parse $s:tt license $($rest:tt)*) => {
        ::core::compile_error!("kernel_module!: expected `license: \"<string literal>\",`, e.g. `license: \"GPL\",`");
    };

    // author (any number of times)
    (@parse { init: $i:tt exit: $e:tt license: $l:tt author: [$($a:tt)*] description: $d:tt }
        author : $v:literal $(, $($rest:tt)*)?) => {
        $crate::__kernel_module! {
            @parse { init: $i exit: $e license: $l author: [$($a)* $v] description: $d }
            $($($rest)*)?
        }
    };
    (@parse $s:tt author $($rest:tt)*) => {
        ::core::compile_error!("kernel_module!: expected `author: \"<string literal>\",`");
    };

    // description
    (@parse { init: $i:tt exit: $e:tt license: $l:tt author: $a:tt description: [$($d:tt)+] }
        description : $($rest:tt)*) => {
        ::core::compile_error!("kernel_module!: `description` is given twice");
    };
    (@parse { init: $i:tt exit: $e:tt license: $l:tt author: $a:tt description: [] }
        description : $v:literal $(, $($rest:tt)*)?) => {
        $crate::__kernel_module! {
            @parse { init: $i exit: $e license: $l author: $a description: [$v] }
            $($($rest)*)?
        }
    };
    (@parse $s:tt description $($rest:tt)*) => {
        ::core::compile_error!("kernel_module!: expected `description: \"<string literal>\",`");
    };

    // anything else
    (@parse $s:tt $key:ident : $($rest:tt)*) => {
        ::core::compile_error!(::core::concat!(
            "kernel_module!: unknown key `", ::core::stringify!($key),
            "`; the keys are init, exit, license, author and description"
        ));
    };
    (@parse { init: $i:tt exit: $e:tt license: [] $($s:tt)* }) => {
        ::core::compile_error!(
            "kernel_module!: `license` is required (modpost wants MODULE_LICENSE), e.g. `license: \"GPL\",`"
        );
    };
    (@parse { init: [$($init:expr)?] exit: [$($exit:expr)?] license: [$license:literal]
        author: [$($author:literal)*] description: [$($description:literal)?] }) => {
        $(
            /// `module_init`: what the module loader calls (kernel_module!).
            #[unsafe(no_mangle)]
            extern "C" fn init_module() -> ::core::ffi::c_int {
                // A safe fn coerces to an unsafe fn pointer, so both kinds
                // of init function pass through here.
                const INIT: unsafe fn() -> ::core::ffi::c_int = $init;
                // SAFETY: naming the function as `init:` asserts that one
                // call as the module's init is sound (see kernel_module!).
                unsafe { INIT() }
            }
            // ___ADDRESSABLE(init_module, __initdata)
            ::core::arch::global_asm!(
                ".pushsection .init.data,\"aw\"",
                ".balign 8",
                ".quad {init}",
                ".popsection",
                init = sym init_module,
            );
        )?
        $(
            /// `module_exit`: what the module loader calls at unload
            /// (kernel_module!).
            #[unsafe(no_mangle)]
            extern "C" fn cleanup_module() {
                const EXIT: unsafe fn() = $exit;
                // SAFETY: naming the function as `exit:` asserts that one
                // call at the module's unload is sound (see kernel_module!).
                unsafe { EXIT() }
            }
            // ___ADDRESSABLE(cleanup_module, __exitdata)
            ::core::arch::global_asm!(
                ".pushsection .exit.data,\"aw\"",
                ".balign 8",
                ".quad {exit}",
                ".popsection",
                exit = sym cleanup_module,
            );
        )?
        const _: () = $crate::kernel::__private::check_license($license);
        $(const _: () = $crate::kernel::__private::check_modinfo_value($author);)*
        $(const _: () = $crate::kernel::__private::check_modinfo_value($description);)?
        // MODULE_LICENSE, MODULE_AUTHOR, MODULE_DESCRIPTION
        ::core::arch::global_asm!(
            ".pushsection .modinfo,\"a\"",
            ::core::concat!(".asciz \"license=", $license, "\""),
            $(::core::concat!(".asciz \"author=", $author, "\""),)*
            $(::core::concat!(".asciz \"description=", $description, "\""),)?
            ".popsection",
        );
    };
    (@parse $s:tt $($rest:tt)+) => {
        ::core::compile_error!(
            "kernel_module!: expected `key: value` pairs separated by commas, e.g. `license: \"GPL\",`"
        );
    };
}
