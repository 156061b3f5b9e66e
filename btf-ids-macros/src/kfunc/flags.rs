//! The flag words of `#[kfunc(...)]`: the kernel's `KF_*` names in lower case
//! (`btf_ids_abi::flags::KfFlag` spells both).

use crate::errors::Errors;
use proc_macro2::{Span, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::{Ident, Token};

/// One known flag: the attribute word, the kernel name and the bit all come
/// from the ABI crate's one table.
pub use btf_ids_abi::flags::KfFlag as Flag;

/// A flag as written, with the span of its word.
#[derive(Clone, Copy)]
pub struct Given {
    pub flag: Flag,
    pub span: Span,
}

/// What `#[kfunc(...)]` says: its flags, and the runtime's path when
/// `crate = path` gives one.
pub struct Parsed {
    pub given: Vec<Given>,
    pub krate: Option<syn::Path>,
}

/// Parses `flag, flag, ..., crate = path`; every mistake is pushed to
/// `errors` and what was understood is returned.
pub fn parse(attr: TokenStream, errors: &mut Errors) -> Parsed {
    let mut given: Vec<Given> = Vec::new();
    let mut krate: Option<syn::Path> = None;
    let parser = |input: ParseStream| {
        while !input.is_empty() {
            if input.peek(Token![crate]) && input.peek2(Token![=]) {
                let word: Token![crate] = input.parse()?;
                let eq: Token![=] = input.parse()?;
                if input.is_empty() || input.peek(Token![,]) {
                    errors.push(syn::Error::new(
                        eq.span,
                        "`crate =` needs the runtime's path, as in `crate = kernel::btf_ids`",
                    ));
                } else {
                    let path = input.call(syn::Path::parse_mod_style)?;
                    if krate.replace(path).is_some() {
                        errors.push(syn::Error::new(word.span, "`crate = ...` is given twice"));
                    }
                }
            } else if input.peek(Ident::peek_any) {
                let word = input.call(Ident::parse_any)?;
                let text = word.to_string();
                match Flag::from_word(&text) {
                    Some(flag) => {
                        if let Some(first) = given.iter().find(|g| g.flag == flag) {
                            let mut e = syn::Error::new(
                                word.span(),
                                format!("the flag `{text}` is given twice"),
                            );
                            e.combine(syn::Error::new(first.span, "first given here"));
                            errors.push(e);
                        } else {
                            given.push(Given {
                                flag,
                                span: word.span(),
                            });
                        }
                    }
                    None => errors.push(unknown(&word, &text)),
                }
                if input.peek(Token![=]) || input.peek(syn::token::Paren) {
                    let tt: TokenTree = input.parse()?;
                    errors.push(syn::Error::new(
                        tt.span(),
                        "a kfunc flag is a bare word: write `#[kfunc(acquire, ret_null)]`",
                    ));
                    // Skip to the next comma.
                    while !input.is_empty() && !input.peek(Token![,]) {
                        input.parse::<TokenTree>()?;
                    }
                }
            } else {
                let tt: TokenTree = input.parse()?;
                errors.push(syn::Error::new(
                    tt.span(),
                    "expected a kfunc flag name such as `acquire` or `sleepable`",
                ));
                while !input.is_empty() && !input.peek(Token![,]) {
                    input.parse::<TokenTree>()?;
                }
            }
            if input.is_empty() {
                break;
            }
            if let Err(e) = input.parse::<Token![,]>() {
                errors.push(e);
                while !input.is_empty() && !input.peek(Token![,]) {
                    input.parse::<TokenTree>()?;
                }
                if input.is_empty() {
                    break;
                }
                input.parse::<Token![,]>()?;
            }
        }
        Ok(())
    };
    if let Err(e) = parser.parse2(attr) {
        errors.push(e);
    }
    Parsed { given, krate }
}

fn unknown(word: &Ident, text: &str) -> syn::Error {
    // `KF_ACQUIRE` is the C spelling of `acquire`.
    let lower = text.to_ascii_lowercase();
    let plain = lower.strip_prefix("kf_").unwrap_or(&lower);
    if let Some(flag) = Flag::from_word(plain) {
        return syn::Error::new(
            word.span(),
            format!(
                "unknown kfunc flag `{text}`: write `{}` (the lower-case name of {})",
                flag.word(),
                flag.name()
            ),
        );
    }
    let best = Flag::ALL
        .into_iter()
        .map(|f| (distance(plain, f.word()), f))
        .min_by_key(|(d, _)| *d);
    let hint = match best {
        Some((d, f)) if d <= (plain.len().max(3) / 2).max(2) => {
            format!("; did you mean `{}`?", f.word())
        }
        _ => String::new(),
    };
    syn::Error::new(word.span(), format!("unknown kfunc flag `{text}`{hint}"))
}

/// Levenshtein distance over bytes.
fn distance(a: &str, b: &str) -> usize {
    let a = a.as_bytes();
    let b = b.as_bytes();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_edits() {
        assert_eq!(distance("aquire", "acquire"), 1);
        assert_eq!(distance("sleepabel", "sleepable"), 2);
        assert_eq!(distance("", "rcu"), 3);
    }
}
