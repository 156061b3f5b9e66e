//! Flag expressions the macro evaluates itself.
//!
//! A set8 entry's flags may be any constant `u32` expression, but nearly all
//! are `KF_*` names joined by `|`, as in C. Handed to the assembler as a
//! `const` operand, each distinct expression is a constant rustc must
//! resolve, type-check, borrow-check and evaluate: a tenth of the build time
//! of a crate with thousands of set8 entries (measured in
//! docs/BENCHMARKS.md). So an expression made only of the kernel's `KF_*`
//! names (the table of `btf-ids-abi`), `u32` literals, `|` and parentheses
//! is evaluated here and written as a number.
//!
//! Rustc still resolves each name where it was written: every block that
//! wrote names as numbers also gets one `const _: [u32; N] = [names];`
//! ([`check`]), so a name must be in scope and a `u32` constant, as before,
//! and a misspelt name, not in the table, goes to rustc like any other
//! expression (another constant, arithmetic, `$crate` paths), which reports
//! it. The values themselves are the table's: a `KF_*` name means the
//! kernel's flag, as `BTF_ID_FLAGS` reads it from btf.h's `#define`s, even
//! where a local constant of that name says otherwise.

use proc_macro2::{Delimiter, Ident, TokenStream, TokenTree};
use quote::quote;

/// The value of `expr`, if it is made only of the kernel's `KF_*` names,
/// `u32` literals, `|` and parentheses; the names are added to `names`.
pub fn evaluate(expr: &TokenStream, names: &mut Vec<Ident>) -> Option<u32> {
    let mut found = Vec::new();
    let value = or_chain(expr.clone(), &mut found)?;
    names.extend(found);
    Some(value)
}

/// The item that has rustc resolve every name [`evaluate`] read, each once:
/// `const _: [u32; N] = [names];`. A name not in scope, or not a `u32`
/// constant, is an error at that name, as it was when the expression went to
/// the assembler, and the import that brought the names in counts as used.
/// The values are not compared (that costs as much as the operands this
/// replaces): a `KF_*` name from the kernel's table has the kernel's value.
pub fn check(names: &[Ident]) -> TokenStream {
    let mut seen: Vec<String> = Vec::new();
    let mut list = Vec::new();
    for name in names {
        let text = name.to_string();
        if !seen.contains(&text) {
            list.push(name);
            seen.push(text);
        }
    }
    if list.is_empty() {
        return TokenStream::new();
    }
    let n = list.len();
    quote! { const _: [u32; #n] = [#(#list),*]; }
}

/// `term ('|' term)*`
fn or_chain(expr: TokenStream, names: &mut Vec<Ident>) -> Option<u32> {
    let mut value = 0;
    let mut want_term = true;
    for tt in expr {
        match tt {
            TokenTree::Punct(p) if !want_term && p.as_char() == '|' => {
                // `||` is two joint puncts: not a bitwise or.
                if p.spacing() == proc_macro2::Spacing::Joint {
                    return None;
                }
                want_term = true;
            }
            tt if want_term => {
                value |= term(tt, names)?;
                want_term = false;
            }
            _ => return None,
        }
    }
    (!want_term).then_some(value)
}

fn term(tt: TokenTree, names: &mut Vec<Ident>) -> Option<u32> {
    match tt {
        TokenTree::Ident(ident) => {
            let text = ident.to_string();
            let flag = btf_ids_abi::flags::KfFlag::from_name(&text)?;
            names.push(ident);
            Some(flag.bit())
        }
        TokenTree::Literal(lit) => u32_literal(&lit),
        TokenTree::Group(g) if g.delimiter() == Delimiter::Parenthesis => {
            or_chain(g.stream(), names)
        }
        _ => None,
    }
}

/// The value of an integer literal that is a `u32` as written: decimal,
/// `0x`, `0o` or `0b`, unsuffixed or suffixed `u32`, in range. Anything else
/// (`None`) goes through the compiler's own check.
fn u32_literal(lit: &proc_macro2::Literal) -> Option<u32> {
    let text = lit.to_string().replace('_', "");
    let text = text.strip_suffix("u32").unwrap_or(&text);
    let (digits, radix) = match text.get(..2) {
        Some("0x") => (&text[2..], 16),
        Some("0o") => (&text[2..], 8),
        Some("0b") => (&text[2..], 2),
        _ => (text, 10),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u32::from_str_radix(digits, radix).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn eval(s: &str) -> Option<u32> {
        evaluate(&TokenStream::from_str(s).unwrap(), &mut Vec::new())
    }

    #[test]
    fn evaluates_kf_names_literals_and_parens() {
        assert_eq!(eval("KF_ACQUIRE"), Some(1));
        assert_eq!(eval("KF_ACQUIRE | KF_RET_NULL"), Some(5));
        assert_eq!(eval("(KF_ITER_NEW | KF_RCU) | 0x1000"), Some(0x1180));
        assert_eq!(eval("KF_SLEEPABLE | 0u32"), Some(0x20));
        assert_eq!(eval("KF_RCU | KF_RCU"), Some(0x80));
    }

    #[test]
    fn leaves_everything_else_to_rustc() {
        for s in [
            "MY_FLAGS",
            "KF_ACQUIRE || KF_RELEASE",
            "KF_ACQUIRE + 1",
            "flags::KF_ACQUIRE",
            "KF_ACQUIRE |",
            "| KF_ACQUIRE",
            "",
            "1u64",
            "-1",
            "KF_ACQUIRE KF_RELEASE",
        ] {
            assert_eq!(eval(s), None, "{s}");
        }
    }

    #[test]
    fn check_names_each_flag_once() {
        let mut names = Vec::new();
        let expr = TokenStream::from_str("KF_RCU | KF_RCU | (KF_ACQUIRE)").unwrap();
        assert_eq!(evaluate(&expr, &mut names), Some(0x81));
        let text = check(&names).to_string();
        assert_eq!(text, "const _ : [u32 ; 2usize] = [KF_RCU , KF_ACQUIRE] ;");
        assert!(check(&[]).is_empty());
    }

    /// [`u32_literal`] of `s` if it is one literal token.
    fn lit(s: &str) -> Option<u32> {
        let mut tokens = TokenStream::from_str(s).unwrap().into_iter();
        match (tokens.next(), tokens.next()) {
            (Some(TokenTree::Literal(l)), None) => u32_literal(&l),
            _ => None,
        }
    }

    #[test]
    fn plain_u32_literals_are_read_and_nothing_else() {
        assert_eq!(lit("0"), Some(0));
        assert_eq!(lit("1_024"), Some(1024));
        assert_eq!(lit("0x1f"), Some(31));
        assert_eq!(lit("0o17u32"), Some(15));
        assert_eq!(lit("0b101"), Some(5));
        assert_eq!(lit("4294967295"), Some(u32::MAX));
        for s in [
            "4294967296",
            "2u64",
            "1i32",
            "-1",
            "true",
            "1.0",
            "'a'",
            "\"1\"",
            "(1)",
            "KF_ACQUIRE",
            "1 | 2",
            "1e3",
            "0x1_u8",
        ] {
            assert_eq!(lit(s), None, "{s}");
        }
    }
}
