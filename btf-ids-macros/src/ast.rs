//! The input of `btf_id_list!`, `btf_set!`, `btf_set8!` and `btf_kfuncs!`
//! as written, before anything is judged.
//!
//! Syntax and meaning are judged apart ([`crate::parse`], [`crate::valid`])
//! so that each rule of meaning lives in one place, whichever way the input
//! was spelt. The tree is not a plain syntax tree, though: the parser goes on
//! after a mistake, so that a user sees every mistake in one build, and an
//! entry reports only its first mistake in reading order, which may be one
//! of meaning before one of syntax (`strct foo bar`: an unknown kind, then a
//! stray token). So each node holds what was read and, where the syntax
//! broke off, that syntax error, for [`crate::valid`] to report in its place
//! among the others. Nothing here says whether a name, a kind or a flag makes
//! sense.

use proc_macro2::{Span, TokenStream};
use syn::{Attribute, Ident, Path, Visibility};

/// Which macro is being expanded; it decides which entries are allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Macro {
    List,
    Set,
    Set8,
    Kfuncs,
}

impl Macro {
    pub fn name(self) -> &'static str {
        match self {
            Macro::List => "btf_id_list!",
            Macro::Set => "btf_set!",
            Macro::Set8 => "btf_set8!",
            Macro::Kfuncs => "btf_kfuncs!",
        }
    }
}

/// Everything one macro invocation was given.
pub struct Input {
    /// The declarations, the last one only as far as it was read when
    /// `fatal` stopped the parse.
    pub decls: Vec<Decl>,
    /// The syntax error nothing after could be read past (a missing `;`,
    /// no `static`), or an input with no declaration at all.
    pub fatal: Option<syn::Error>,
}

/// One `attr* vis static NAME = body;`, as far as it was read.
pub struct Decl {
    pub attrs: Vec<Attr>,
    /// `vis static NAME`: `None` when the parse stopped before the name.
    pub head: Option<Head>,
    /// The entries: `None` when the parse stopped before them.
    pub body: Option<Vec<Entry>>,
    /// The declaration was read to its `;`.
    pub complete: bool,
}

/// An outer attribute of a declaration.
pub enum Attr {
    /// `#[btf_ids(crate = path)]`: the path, or the mistake in the
    /// attribute's syntax.
    Crate {
        attr: Attribute,
        path: syn::Result<Path>,
    },
    /// `#[no_mangle]` or `#[unsafe(no_mangle)]`: the `_GLOBAL` form of the C
    /// macro.
    NoMangle(Attribute),
    /// Any other attribute, for the generated Rust static.
    Other(Attribute),
}

/// `vis static NAME`.
pub struct Head {
    pub vis: Visibility,
    pub name: Ident,
}

/// One entry of a body.
pub enum Entry {
    /// Nothing an entry starts with (a lone comma, a literal, a bad path).
    Malformed(syn::Error),
    /// `unused` (BTF_ID_UNUSED), and the syntax error after it, if any.
    Unused {
        word: Ident,
        rest: Option<syn::Error>,
    },
    /// `kind NAME (flags)?` (BTF_ID, BTF_ID_FLAGS), the kind word whatever
    /// it is; the rest, or the syntax error where the name should be.
    Id {
        kind: Word,
        tail: syn::Result<IdTail>,
    },
    /// A path to a `#[kfunc]` function (`btf_kfuncs!` only), and the syntax
    /// error after it, if any.
    Kfunc {
        path: Path,
        rest: Option<syn::Error>,
    },
}

/// An identifier with its text, asked of the compiler once.
pub struct Word {
    pub ident: Ident,
    pub text: String,
}

/// What follows an entry's kind word.
pub struct IdTail {
    pub name: Ident,
    /// `(flags)`, whatever the macro (an empty expression too).
    pub flags: Option<Flags>,
    /// The syntax error after the name or in the flags, if any.
    pub rest: Option<syn::Error>,
}

/// A flags expression, and the span of its parentheses.
pub struct Flags {
    pub expr: TokenStream,
    pub span: Span,
}

/// An identifier's text without `r#`: one trip to the compiler per name,
/// where `Ident::unraw` makes a second identifier first.
pub fn unraw(ident: &Ident) -> String {
    let text = ident.to_string();
    match text.strip_prefix("r#") {
        Some(bare) => bare.to_owned(),
        None => text,
    }
}
