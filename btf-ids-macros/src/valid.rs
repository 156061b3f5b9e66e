//! What the declaration macros' input means, and whether it makes sense.
//!
//! The parser ([`crate::parse`]) knows only syntax; the rules that C leaves
//! to `resolve_btfids`, the assembler or nobody (an unknown kind, a name
//! BTF cannot hold, an ID a set holds twice) are all here, in one pass over
//! the tree ([`crate::ast`]) that also turns it into what
//! [`crate::expand`] writes out: kinds resolved, names unraw'd, the
//! attributes that are the macro's own taken off.
//!
//! Mistakes are reported in reading order, each through the one error sink
//! ([`Errors`]): a declaration's attributes, its name, its entries (each
//! entry its first mistake, of meaning or of syntax, whichever comes first in
//! the entry), then what concerns the declaration as a whole. A declaration
//! the parse stopped in is checked as far as it was read, and its
//! whole-declaration rules are left out, since its entries may not all be
//! known.

use crate::ast::{self, Attr, Macro};
use crate::errors::Errors;
use crate::symbol::Kind;
use proc_macro2::{Span, TokenStream};
use syn::spanned::Spanned;
use syn::{Attribute, Ident, Path, Visibility};

/// One `static NAME = [...]` declaration, checked.
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

/// The declarations that make sense, or every mistake (the parse's fatal
/// one last).
pub fn decls(input: ast::Input, mac: Macro) -> syn::Result<Vec<Decl>> {
    let mut errors = Errors::default();
    let decls = input
        .decls
        .into_iter()
        .filter_map(|d| decl(d, mac, &mut errors))
        .collect();
    match input.fatal {
        Some(fatal) => Err(errors.then(fatal)),
        None => errors.finish().map(|()| decls),
    }
}

fn decl(d: ast::Decl, mac: Macro, errors: &mut Errors) -> Option<Decl> {
    let Attrs {
        attrs,
        global,
        krate,
    } = attributes(d.attrs, mac, errors);
    let ast::Head { vis, name } = d.head?;
    if let Some(e) = crate::symbol::non_ascii(&name, "the name of a list or set") {
        errors.push(e);
    }
    let entries: Vec<Entry> = d
        .body?
        .into_iter()
        .filter_map(|e| entry(e, mac).map_err(|e| errors.push(e)).ok())
        .collect();
    if !d.complete {
        return None;
    }
    if matches!(mac, Macro::Set | Macro::Set8 | Macro::Kfuncs) {
        no_duplicates(&entries, errors);
    }
    if global && mac == Macro::List && entries.is_empty() {
        errors.push(syn::Error::new(
            name.span(),
            "a list needs at least one entry",
        ));
    }
    Some(Decl {
        attrs,
        global,
        krate,
        vis,
        name,
        entries,
    })
}

/// A declaration's attributes, the macro's own read.
struct Attrs {
    attrs: Vec<Attribute>,
    global: bool,
    krate: Option<Path>,
}

/// `#[btf_ids(crate = path)]` at most once; `#[no_mangle]` only where C has
/// a `_GLOBAL` form (BTF_SET8_START is always local); the others are passed
/// on.
fn attributes(all: Vec<Attr>, mac: Macro, errors: &mut Errors) -> Attrs {
    let mut attrs = Vec::new();
    let mut global = false;
    let mut krate: Option<Path> = None;
    for attr in all {
        match attr {
            Attr::Crate { attr, path } => match path {
                Ok(p) if krate.is_none() => krate = Some(p),
                Ok(_) => errors.push(syn::Error::new_spanned(
                    &attr,
                    "`#[btf_ids(crate = ...)]` is given twice",
                )),
                Err(e) => errors.push(e),
            },
            Attr::NoMangle(attr) => {
                if matches!(mac, Macro::Set8 | Macro::Kfuncs) {
                    errors.push(syn::Error::new_spanned(
                        &attr,
                        "set8 and kfunc sets have no global form (BTF_SET8_START is always local)",
                    ));
                }
                global = true;
            }
            Attr::Other(attr) => attrs.push(attr),
        }
    }
    Attrs {
        attrs,
        global,
        krate,
    }
}

/// One entry's meaning, or its first mistake in reading order.
fn entry(e: ast::Entry, mac: Macro) -> syn::Result<Entry> {
    match e {
        ast::Entry::Malformed(e) => Err(e),
        ast::Entry::Unused { word, rest } => {
            if mac != Macro::List {
                return Err(syn::Error::new(
                    word.span(),
                    format!(
                        "`unused` (BTF_ID_UNUSED) belongs in btf_id_list!, not in {}",
                        mac.name()
                    ),
                ));
            }
            rest.map_or(Ok(Entry::Unused), Err)
        }
        ast::Entry::Kfunc { path, rest } => {
            let last = &path
                .segments
                .last()
                .expect("a parsed path has a segment")
                .ident;
            if let Some(e) = crate::symbol::non_ascii(last, "a kfunc's name") {
                return Err(e);
            }
            let name = ast::unraw(last);
            rest.map_or(Ok(Entry::Kfunc { path, name }), Err)
        }
        ast::Entry::Id { kind, tail } => {
            let kind = known_kind(&kind, mac)?;
            id(kind, tail?, mac)
        }
    }
}

/// The kind a word names: one of `BTF_ID`'s, and `func` in a kfunc set.
fn known_kind(word: &ast::Word, mac: Macro) -> syn::Result<Kind> {
    let Some(kind) = Kind::from_word(&word.text) else {
        return Err(syn::Error::new(
            word.ident.span(),
            format!(
                "unknown BTF ID kind `{}`: expected `struct`, `union`, `typedef` or `func`{}",
                word.text,
                if mac == Macro::List {
                    ", or `unused`"
                } else {
                    ""
                }
            ),
        ));
    };
    if mac == Macro::Kfuncs && kind != Kind::Func {
        return Err(syn::Error::new(
            word.ident.span(),
            "a kfunc set holds functions only: expected `func`",
        ));
    }
    Ok(kind)
}

/// `kind NAME (flags)?`: an ASCII name (it becomes an assembler symbol and a
/// BTF name), and flags in set8s and kfunc sets only (BTF_ID_FLAGS).
fn id(kind: Kind, tail: ast::IdTail, mac: Macro) -> syn::Result<Entry> {
    let ast::IdTail { name, flags, rest } = tail;
    let noun = if kind == Kind::Func {
        "function"
    } else {
        kind.word()
    };
    if let Some(e) = crate::symbol::non_ascii(&name, &format!("the {noun}'s name")) {
        return Err(e);
    }
    if let (Some(flags), Macro::List | Macro::Set) = (&flags, mac) {
        return Err(syn::Error::new(
            flags.span,
            format!(
                "flags belong to set8 entries (BTF_ID_FLAGS); {} entries take none",
                mac.name()
            ),
        ));
    }
    if let Some(e) = rest {
        return Err(e);
    }
    Ok(Entry::Id {
        named: Named {
            kind,
            name: ast::unraw(&name),
            name_span: name.span(),
        },
        flags: flags.map(|f| (f.expr, f.span)),
    })
}

/// A set holds each `(kind, name)` once (a list is positional and may
/// repeat one): a repeat in a set is a mistake C's macros let through.
fn no_duplicates(entries: &[Entry], errors: &mut Errors) {
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
