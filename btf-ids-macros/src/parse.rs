//! Syntax of `btf_id_list!`, `btf_set!`, `btf_set8!` and `btf_kfuncs!`.
//!
//! ```text
//! decl   := attr* vis `static` IDENT `=` body `;`
//! body   := `[` entry (`,` entry)* `,`? `]` | entry
//! entry  := `unused` | kind NAME (`(` flags-expr `)`)?      (plain sets: no flags)
//! kentry := path-to-a-#[kfunc] | `func` NAME (`(` flags-expr `)`)?   (btf_kfuncs!)
//! kind   := `struct` | `union` | `typedef` | `func`
//! ```
//!
//! Entries are parsed one by one and every mistake is collected, so a user
//! sees all of them in one build.

use crate::errors::Errors;
use crate::symbol::Kind;
use proc_macro2::{Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{Attribute, Ident, Path, Token, Visibility};

/// Which macro is being parsed; it decides which entries are allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Macro {
    List,
    Set,
    Set8,
    Kfuncs,
}

impl Macro {
    fn name(self) -> &'static str {
        match self {
            Macro::List => "btf_id_list!",
            Macro::Set => "btf_set!",
            Macro::Set8 => "btf_set8!",
            Macro::Kfuncs => "btf_kfuncs!",
        }
    }
}

/// One `static NAME = [...]` declaration.
pub struct Decl {
    /// Attributes passed on to the generated Rust static.
    pub attrs: Vec<Attribute>,
    /// `#[no_mangle]` was given: the `_GLOBAL` form of the C macro.
    pub global: bool,
    /// `#[btf_ids(crate = path)]`: the runtime's path, for a crate that
    /// re-exports the macros and the runtime under its own.
    pub krate: Option<Path>,
    pub vis: Visibility,
    pub name: Ident,
    pub entries: Vec<Entry>,
}

/// A type or function named by kind, as `BTF_ID(kind, name)` names it.
#[derive(Clone)]
pub struct Named {
    pub kind: Kind,
    pub name: String,
    pub name_span: Span,
}

pub enum Entry {
    /// `BTF_ID_UNUSED`.
    Unused,
    /// `BTF_ID` or `BTF_ID_FLAGS`.
    Id {
        named: Named,
        flags: Option<(TokenStream, Span)>,
    },
    /// A `#[kfunc]` function listed by path in `btf_kfuncs!`, with the
    /// path's last name (which an alias may make differ from the function's
    /// own: the set is checked for duplicates by the names as written).
    Kfunc { path: Path, name: String },
}

impl Entry {
    /// The `(kind, name)` a set may hold once only.
    fn identity(&self) -> Option<(Kind, &str, Span)> {
        match self {
            Entry::Unused => None,
            Entry::Id { named, .. } => Some((named.kind, &named.name, named.name_span)),
            Entry::Kfunc { path, name } => Some((Kind::Func, name, path.span())),
        }
    }
}

pub fn decls(tokens: TokenStream, mac: Macro) -> syn::Result<Vec<Decl>> {
    let mut errors = Errors::default();
    let decls = (|input: ParseStream| {
        let mut decls = Vec::new();
        while !input.is_empty() {
            decls.push(decl(input, mac, &mut errors)?);
        }
        Ok(decls)
    })
    .parse2(tokens);
    match decls {
        Ok(decls) => {
            if decls.is_empty() {
                errors.push(syn::Error::new(
                    Span::call_site(),
                    format!("{} expects `static NAME = [...];`", mac.name()),
                ));
            }
            errors.finish().map(|()| decls)
        }
        Err(e) => Err(errors.then(e)),
    }
}

fn decl(input: ParseStream, mac: Macro, errors: &mut Errors) -> syn::Result<Decl> {
    let all_attrs = input.call(Attribute::parse_outer)?;
    let mut attrs = Vec::new();
    let mut global = false;
    let mut krate: Option<Path> = None;
    for attr in all_attrs {
        if attr.path().is_ident("btf_ids") {
            match crate_path(&attr) {
                Ok(p) if krate.is_none() => krate = Some(p),
                Ok(_) => errors.push(syn::Error::new_spanned(
                    &attr,
                    "`#[btf_ids(crate = ...)]` is given twice",
                )),
                Err(e) => errors.push(e),
            }
        } else if is_no_mangle(&attr) {
            if matches!(mac, Macro::Set8 | Macro::Kfuncs) {
                errors.push(syn::Error::new_spanned(
                    &attr,
                    "set8 and kfunc sets have no global form (BTF_SET8_START is always local)",
                ));
            }
            global = true;
        } else {
            attrs.push(attr);
        }
    }
    let vis: Visibility = input.parse()?;
    input.parse::<Token![static]>()?;
    let name: Ident = input.parse()?;
    if let Some(e) = crate::symbol::non_ascii(&name, "the name of a list or set") {
        errors.push(e);
    }
    input.parse::<Token![=]>()?;
    let entries = if input.peek(syn::token::Bracket) {
        let content;
        syn::bracketed!(content in input);
        entries(&content, mac, errors)?
    } else {
        // One entry without brackets: the `_SINGLE` forms.
        let mut single = TokenStream::new();
        while !input.is_empty() && !input.peek(Token![;]) {
            single.extend([input.parse::<TokenTree>()?]);
        }
        if single.is_empty() {
            return Err(input.error("expected `[` followed by the entries"));
        }
        (|s: ParseStream| entries(s, mac, errors)).parse2(single)?
    };
    input.parse::<Token![;]>()?;

    if matches!(mac, Macro::Set | Macro::Set8 | Macro::Kfuncs) {
        check_duplicates(&entries, errors);
    }
    if global && mac == Macro::List && entries.is_empty() {
        errors.push(syn::Error::new(
            name.span(),
            "a list needs at least one entry",
        ));
    }
    Ok(Decl {
        attrs,
        global,
        krate,
        vis,
        name,
        entries,
    })
}

/// `#[btf_ids(crate = path)]`: the path.
fn crate_path(attr: &Attribute) -> syn::Result<Path> {
    attr.parse_args_with(|input: ParseStream| {
        input.parse::<Token![crate]>().map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected `crate = path`: `#[btf_ids(crate = kernel::btf_ids)]`",
            )
        })?;
        input.parse::<Token![=]>()?;
        let path = input.call(Path::parse_mod_style)?;
        if !input.is_empty() {
            return Err(input.error("expected nothing after the path"));
        }
        Ok(path)
    })
}

fn is_no_mangle(attr: &Attribute) -> bool {
    if attr.path().is_ident("no_mangle") {
        return true;
    }
    // `#[unsafe(no_mangle)]`
    attr.path().is_ident("unsafe")
        && attr
            .parse_args::<Ident>()
            .is_ok_and(|inner| inner == "no_mangle")
}

/// The comma-separated entries of one body, parsed in place (one token
/// buffer for the whole body: a large list costs no re-buffering per entry).
/// A bad entry is reported and skipped up to the next comma, so every bad
/// entry is reported in one build.
fn entries(input: ParseStream, mac: Macro, errors: &mut Errors) -> syn::Result<Vec<Entry>> {
    let mut entries = Vec::new();
    while !input.is_empty() {
        match entry(input, mac) {
            Ok(e) => entries.push(e),
            Err(e) => {
                errors.push(e);
                while !at_end(input) {
                    input.parse::<TokenTree>()?;
                }
            }
        }
        if !input.is_empty() {
            input.parse::<Token![,]>()?;
        }
    }
    Ok(entries)
}

/// An identifier's text without `r#`: one trip to the compiler per name,
/// where `Ident::unraw` makes a second identifier first.
fn unraw(ident: &Ident) -> String {
    let text = ident.to_string();
    match text.strip_prefix("r#") {
        Some(bare) => bare.to_owned(),
        None => text,
    }
}

/// The end of one entry: the end of the body or the comma after the entry.
fn at_end(input: ParseStream) -> bool {
    input.is_empty() || input.peek(Token![,])
}

fn entry(input: ParseStream, mac: Macro) -> syn::Result<Entry> {
    if input.peek(Token![,]) {
        return Err(input.error("expected an entry before this comma"));
    }
    if mac == Macro::Kfuncs && !is_kind_word(input, "func") {
        let path: Path = input.parse()?;
        let last = &path
            .segments
            .last()
            .expect("a parsed path has a segment")
            .ident;
        if let Some(e) = crate::symbol::non_ascii(last, "a kfunc's name") {
            return Err(e);
        }
        let name = unraw(last);
        if !at_end(input) {
            return Err(input.error(
                "a kfunc path takes no flags: they come from its #[kfunc] attribute \
                 (write `func NAME(FLAGS)` for a function not written in Rust)",
            ));
        }
        return Ok(Entry::Kfunc { path, name });
    }

    let word = input.call(Ident::parse_any)?;
    let word_str = word.to_string();
    if word_str == "unused" {
        if mac != Macro::List {
            return Err(syn::Error::new(
                word.span(),
                format!(
                    "`unused` (BTF_ID_UNUSED) belongs in btf_id_list!, not in {}",
                    mac.name()
                ),
            ));
        }
        if !at_end(input) {
            return Err(input.error("expected `,` after `unused`"));
        }
        return Ok(Entry::Unused);
    }
    let Some(kind) = Kind::from_word(&word_str) else {
        return Err(syn::Error::new(
            word.span(),
            format!(
                "unknown BTF ID kind `{word_str}`: expected `struct`, `union`, `typedef` or `func`{}",
                if mac == Macro::List { ", or `unused`" } else { "" }
            ),
        ));
    };
    if mac == Macro::Kfuncs && kind != Kind::Func {
        return Err(syn::Error::new(
            word.span(),
            "a kfunc set holds functions only: expected `func`",
        ));
    }
    if at_end(input) {
        return Err(syn::Error::new(
            word.span(),
            format!("expected the name of the {word_str} after `{word_str}`"),
        ));
    }
    let name = match input.call(Ident::parse_any) {
        Ok(name) => name,
        Err(_) => {
            let tt: TokenTree = input.parse()?;
            return Err(syn::Error::new(
                tt.span(),
                format!(
                    "expected the {word_str}'s name as an identifier, found `{}`",
                    tt.to_token_stream()
                ),
            ));
        }
    };
    let noun = if kind == Kind::Func {
        "function"
    } else {
        kind.word()
    };
    if let Some(e) = crate::symbol::non_ascii(&name, &format!("the {noun}'s name")) {
        return Err(e);
    }
    let named = Named {
        kind,
        name: unraw(&name),
        name_span: name.span(),
    };
    let mut flags = None;
    if input.peek(syn::token::Paren) {
        let content;
        let paren = syn::parenthesized!(content in input);
        let expr: TokenStream = content.parse()?;
        match mac {
            Macro::Set8 | Macro::Kfuncs => {
                if expr.is_empty() {
                    return Err(syn::Error::new(
                        paren.span.join(),
                        "expected a flags expression inside the parentheses",
                    ));
                }
                flags = Some((expr, paren.span.join()));
            }
            Macro::List | Macro::Set => {
                return Err(syn::Error::new(
                    paren.span.join(),
                    format!(
                        "flags belong to set8 entries (BTF_ID_FLAGS); {} entries take none",
                        mac.name()
                    ),
                ));
            }
        }
    }
    if !at_end(input) {
        let tt: TokenTree = input.parse()?;
        return Err(syn::Error::new(
            tt.span(),
            format!("expected `,` or `]` after `{word_str} {}`", named.name),
        ));
    }
    Ok(Entry::Id { named, flags })
}

/// `func NAME` (a kernel function by name) as opposed to a path: the kind
/// word is directly followed by another identifier.
fn is_kind_word(input: ParseStream, word: &str) -> bool {
    let fork = input.fork();
    fork.call(Ident::parse_any).is_ok_and(|i| i == word) && fork.call(Ident::parse_any).is_ok()
}

fn check_duplicates(entries: &[Entry], errors: &mut Errors) {
    let mut seen: Vec<(Kind, &str, Span)> = Vec::new();
    for e in entries {
        let Some((kind, name, span)) = e.identity() else {
            continue;
        };
        if let Some((_, _, first)) = seen.iter().find(|(k, n, _)| *k == kind && *n == name) {
            let mut err = syn::Error::new(
                span,
                format!(
                    "`{} {name}` is listed twice; a set holds each ID once",
                    kind.word()
                ),
            );
            err.combine(syn::Error::new(*first, "first listed here"));
            errors.push(err);
        } else {
            seen.push((kind, name, span));
        }
    }
}
