//! The rules on the function's form: what `__bpf_kfunc` makes of a C
//! function (an unmangled, never-inlined global with the C calling
//! convention) and what BTF can describe of a prototype (one concrete
//! function with fixed, named arguments, at most five of them).

use super::super::args;
use super::{Checker, Param};
use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{FnArg, Pat};

/// `MAX_BPF_FUNC_REG_ARGS`: a kfunc's arguments travel in R1 to R5.
const MAX_ARGS: usize = 5;

impl<'a> Checker<'a, '_, '_> {
    /// The name is the symbol and the BTF name, which are C identifiers
    /// (see [`crate::symbol::non_ascii`]). The function is then emitted as
    /// written, without `#[no_mangle]` (which rustc refuses on such a name
    /// too).
    pub(super) fn ascii_name(&mut self) {
        if let Some(e) = crate::symbol::non_ascii(&self.sig().ident, "a kfunc's name") {
            self.shape_ok = false;
            self.errors.push(e);
        }
    }

    /// A kfunc is a free function at module level, as a C function is:
    /// naming `Self` makes it an associated function, and the items that
    /// come with a kfunc could not stand in the `impl` or `trait`.
    pub(super) fn no_self_type(&mut self) {
        let f = self.f;
        if let Some(span) =
            find_self(f.sig.to_token_stream()).or_else(|| find_self(f.block.to_token_stream()))
        {
            self.misplaced = true;
            self.errors.push(syn::Error::new(
                span,
                "a kfunc is a free function at module level: `Self` makes this an associated \
                 function; move it out of the `impl` or `trait`",
            ));
        }
    }

    /// `__bpf_kfunc` fixes the symbol name (BTF and the kfunc set name the
    /// function by it) and `noinline`; `#[kfunc]` writes both itself, so the
    /// user's own would be redundant or conflicting.
    pub(super) fn no_linkage_attributes(&mut self) {
        for attr in &self.f.attrs {
            let path = attr.path();
            let inner_no_mangle = path.is_ident("unsafe")
                && attr
                    .parse_args::<syn::Path>()
                    .is_ok_and(|p| p.is_ident("no_mangle") || p.is_ident("export_name"));
            if path.is_ident("no_mangle") || path.is_ident("export_name") || inner_no_mangle {
                self.errors.push(syn::Error::new_spanned(
                    attr,
                    "#[kfunc] already keeps the symbol name unmangled: BTF and the kfunc set \
                     name the function by its Rust name",
                ));
            } else if path.is_ident("inline") {
                self.errors.push(syn::Error::new_spanned(
                    attr,
                    "#[kfunc] already makes the function #[inline(never)], as __bpf_kfunc does",
                ));
            }
        }
    }

    /// The C ABI, as every kernel function has: the BPF JIT calls a kfunc
    /// with the architecture's C calling convention.
    pub(super) fn c_abi(&mut self) {
        let sig = self.sig();
        match &sig.abi {
            None => self.errors.push(syn::Error::new(
                sig.fn_token.span,
                format!(
                    "a kfunc must use the C ABI: write `extern \"C\" fn {}`",
                    sig.ident
                ),
            )),
            Some(abi) => {
                if let Some(name) = &abi.name {
                    if name.value() != "C" {
                        self.errors.push(syn::Error::new(
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
    }

    /// A BPF program calls a kfunc and gets its result at once: there is
    /// nothing to poll a future with.
    pub(super) fn not_async(&mut self) {
        if let Some(token) = &self.sig().asyncness {
            self.shape_ok = false;
            self.errors.push(syn::Error::new(
                token.span,
                "a kfunc cannot be `async`: a BPF program calls it and gets its result at once",
            ));
        }
    }

    /// BTF describes one concrete prototype per function (a `FUNC` with one
    /// `FUNC_PROTO`), so no type parameters and no `where` clause.
    pub(super) fn not_generic(&mut self) {
        let generics = &self.sig().generics;
        if !generics.params.is_empty() {
            self.shape_ok = false;
            self.errors.push(syn::Error::new_spanned(
                &generics.params,
                "a kfunc cannot be generic: BTF describes one concrete prototype per function",
            ));
        } else if let Some(wc) = &generics.where_clause {
            self.shape_ok = false;
            self.errors.push(syn::Error::new_spanned(
                wc,
                "a kfunc cannot have a `where` clause: BTF describes one concrete prototype",
            ));
        }
    }

    /// BTF and the verifier know fixed arguments only
    /// (`btf_distill_func_proto` refuses a prototype with variable
    /// arguments).
    pub(super) fn not_variadic(&mut self) {
        if let Some(v) = &self.sig().variadic {
            self.shape_ok = false;
            self.errors.push(syn::Error::new_spanned(
                v,
                "a kfunc cannot be variadic: BTF and the verifier know fixed arguments only",
            ));
        }
    }

    /// The parameters as the verifier sees them: plain names (BTF keeps
    /// them, and the verifier reads their suffixes, `btf_param_match_suffix`)
    /// or `_`; no `self`, which makes a method. Returns the parameters that
    /// have such a name, `r#` taken off.
    pub(super) fn plain_params(&mut self) -> Vec<Param<'a>> {
        let mut params = Vec::new();
        for arg in &self.f.sig.inputs {
            match arg {
                FnArg::Receiver(r) => {
                    self.shape_ok = false;
                    self.misplaced = true;
                    self.errors.push(syn::Error::new_spanned(
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
                            self.shape_ok = false;
                            self.errors.push(syn::Error::new_spanned(
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
        params
    }

    /// `MAX_BPF_FUNC_REG_ARGS`: the arguments a BPF program passes travel
    /// in R1 to R5, so there are at most five (the verifier: "Function %s
    /// has %d > 5 args"); the implicit ones the verifier fills in with
    /// `implicit_args` do not count.
    pub(super) fn at_most_five_args(&mut self) {
        let params = &self.params;
        let visible: Vec<&FnArg> = self
            .f
            .sig
            .inputs
            .iter()
            .zip(0..)
            .filter(|(_, i)| params.get(*i).is_none_or(|p| !self.is_implicit(p)))
            .map(|(a, _)| a)
            .collect();
        if visible.len() > MAX_ARGS {
            let e = syn::Error::new_spanned(
                visible[MAX_ARGS],
                format!(
                    "a kfunc takes at most {MAX_ARGS} arguments (they travel in BPF registers R1 to R5); \
                     this is argument {}",
                    MAX_ARGS + 1
                ),
            );
            self.errors.push(e);
        }
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
