//! Syntax of `btf_id_list!`, `btf_set!`, `btf_set8!` and `btf_kfuncs!`.
//!
//! ```text
//! decl   := attr* vis `static` IDENT `=` body `;`
//! body   := `[` entry (`,` entry)* `,`? `]` | entry
//! entry  := `unused` | kind NAME (`(` flags-expr `)`)?
//! kentry := path-to-a-#[kfunc] | `func` NAME (`(` flags-expr `)`)?   (btf_kfuncs!)
//! kind   := IDENT   (`struct`, `union`, `typedef` or `func`: see valid.rs)
//! ```
//!
//! Only the syntax is judged here, so the grammar is one for all four macros
//! except for `btf_kfuncs!`' paths. A broken entry is recorded in the tree
//! ([`crate::ast`]) and skipped up to the next comma, so every entry is read
//! in one build; only a broken declaration (no `static`, no `;`) stops the
//! parse.

use crate::ast::{self, Attr, Decl, Entry, Flags, Head, IdTail, Input, Macro, Word};
use proc_macro2::{Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::{Attribute, Ident, Path, Token};

/// The declarations in `tokens`, as far as their syntax goes.
pub fn input(tokens: TokenStream, mac: Macro) -> Input {
    let mut decls = Vec::new();
    let parsed = (|input: ParseStream| {
        while !input.is_empty() {
            decl(input, mac, &mut decls)?;
        }
        Ok(())
    })
    .parse2(tokens);
    let fatal = match parsed {
        Err(e) => Some(e),
        Ok(()) if decls.is_empty() => Some(syn::Error::new(
            Span::call_site(),
            format!("{} expects `static NAME = [...];`", mac.name()),
        )),
        Ok(()) => None,
    };
    Input { decls, fatal }
}

/// One declaration, pushed to `decls` as soon as its attributes are read
/// and filled in as the rest is, so that a declaration the parse stops in
/// is there as far as it went.
fn decl(input: ParseStream, mac: Macro, decls: &mut Vec<Decl>) -> syn::Result<()> {
    let attrs = input.call(Attribute::parse_outer)?;
    decls.push(Decl {
        attrs: attrs.into_iter().map(attr).collect(),
        head: None,
        body: None,
        complete: false,
    });
    let decl = decls.last_mut().expect("just pushed");
    let vis = input.parse()?;
    input.parse::<Token![static]>()?;
    let name = input.parse()?;
    decl.head = Some(Head { vis, name });
    input.parse::<Token![=]>()?;
    decl.body = Some(if input.peek(syn::token::Bracket) {
        let content;
        syn::bracketed!(content in input);
        entries(&content, mac)?
    } else {
        // One entry without brackets: the `_SINGLE` forms.
        let mut single = TokenStream::new();
        while !input.is_empty() && !input.peek(Token![;]) {
            single.extend([input.parse::<TokenTree>()?]);
        }
        if single.is_empty() {
            return Err(input.error("expected `[` followed by the entries"));
        }
        (|s: ParseStream| entries(s, mac)).parse2(single)?
    });
    input.parse::<Token![;]>()?;
    decl.complete = true;
    Ok(())
}

fn attr(attr: Attribute) -> Attr {
    if attr.path().is_ident("btf_ids") {
        let path = crate_path(&attr);
        Attr::Crate { attr, path }
    } else if is_no_mangle(&attr) {
        Attr::NoMangle(attr)
    } else {
        Attr::Other(attr)
    }
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
/// An entry whose syntax breaks off is skipped up to the next comma.
fn entries(input: ParseStream, mac: Macro) -> syn::Result<Vec<Entry>> {
    let mut entries = Vec::new();
    while !input.is_empty() {
        entries.push(entry(input, mac));
        // Past a broken entry's rest (an entry read whole is at its end).
        while !at_end(input) {
            input.parse::<TokenTree>()?;
        }
        if !input.is_empty() {
            input.parse::<Token![,]>()?;
        }
    }
    Ok(entries)
}

/// The end of one entry: the end of the body or the comma after the entry.
fn at_end(input: ParseStream) -> bool {
    input.is_empty() || input.peek(Token![,])
}

/// The syntax error `message` at the next token, unless the entry ends here.
fn end(input: ParseStream, message: &str) -> Option<syn::Error> {
    (!at_end(input)).then(|| input.error(message))
}

fn entry(input: ParseStream, mac: Macro) -> Entry {
    if input.peek(Token![,]) {
        return Entry::Malformed(input.error("expected an entry before this comma"));
    }
    if mac == Macro::Kfuncs && !is_kind_word(input, "func") {
        return match input.parse::<Path>() {
            Ok(path) => Entry::Kfunc {
                path,
                rest: end(
                    input,
                    "a kfunc path takes no flags: they come from its #[kfunc] attribute \
                     (write `func NAME(FLAGS)` for a function not written in Rust)",
                ),
            },
            Err(e) => Entry::Malformed(e),
        };
    }

    let word = match input.call(Ident::parse_any) {
        Ok(word) => word,
        Err(e) => return Entry::Malformed(e),
    };
    let text = word.to_string();
    if text == "unused" {
        let rest = end(input, "expected `,` after `unused`");
        return Entry::Unused { word, rest };
    }
    let tail = id_tail(input, &word, &text);
    Entry::Id {
        kind: Word { ident: word, text },
        tail,
    }
}

/// `NAME (flags)?` after the kind word `word` (whose text is `kind`).
fn id_tail(input: ParseStream, word: &Ident, kind: &str) -> syn::Result<IdTail> {
    if at_end(input) {
        return Err(syn::Error::new(
            word.span(),
            format!("expected the name of the {kind} after `{kind}`"),
        ));
    }
    let name = match input.call(Ident::parse_any) {
        Ok(name) => name,
        Err(_) => {
            let tt: TokenTree = input.parse()?;
            return Err(syn::Error::new(
                tt.span(),
                format!(
                    "expected the {kind}'s name as an identifier, found `{}`",
                    tt.to_token_stream()
                ),
            ));
        }
    };
    let mut flags = None;
    if input.peek(syn::token::Paren) {
        let content;
        let paren = syn::parenthesized!(content in input);
        let expr: TokenStream = content.parse()?;
        let span = paren.span.join();
        if expr.is_empty() {
            let rest = syn::Error::new(span, "expected a flags expression inside the parentheses");
            return Ok(IdTail {
                name,
                flags: Some(Flags { expr, span }),
                rest: Some(rest),
            });
        }
        flags = Some(Flags { expr, span });
    }
    let rest = if at_end(input) {
        None
    } else {
        let tt: TokenTree = input.parse()?;
        Some(syn::Error::new(
            tt.span(),
            format!("expected `,` or `]` after `{kind} {}`", ast::unraw(&name)),
        ))
    };
    Ok(IdTail { name, flags, rest })
}

/// `func NAME` (a kernel function by name) as opposed to a path: the kind
/// word is directly followed by another identifier.
fn is_kind_word(input: ParseStream, word: &str) -> bool {
    let fork = input.fork();
    fork.call(Ident::parse_any).is_ok_and(|i| i == word) && fork.call(Ident::parse_any).is_ok()
}
