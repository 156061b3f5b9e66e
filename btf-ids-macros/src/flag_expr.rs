//! Flag expressions the macro evaluates itself.
//!
//! A set8 entry's flags may be any constant `u32` expression, but nearly all
//! are `KF_*` names joined by `|`, as in C. Handed to the assembler as a
//! `const` operand, each distinct expression is a constant rustc must
//! resolve, type-check, borrow-check and evaluate: a tenth of the build time
//! of a crate with thousands of set8 entries (measured in
//! docs/BENCHMARKS.md). So an expression made only of the kernel's `KF_*`
//! names (the table of `btf-ids-flags`), `u32` literals, `|` and parentheses
//! is evaluated here and written as a number.
//!
//! That makes those names mean the kernel's flags whatever is in scope, as
//! `BTF_ID_FLAGS` reads them from btf.h's `#define`s: no import is needed,
//! and a local constant of the same name does not change them. (Having rustc
//! confirm each name costs as much as the operands it replaces: measured.) A
//! misspelt name is not in the table, so it goes to rustc like anything else
//! (another constant, arithmetic, `$crate` paths), which reports it.

use proc_macro2::{Delimiter, TokenStream, TokenTree};

/// The value of `expr`, if it is made only of the kernel's `KF_*` names,
/// `u32` literals, `|` and parentheses.
pub fn evaluate(expr: &TokenStream) -> Option<u32> {
    or_chain(expr.clone())
}

/// `term ('|' term)*`
fn or_chain(expr: TokenStream) -> Option<u32> {
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
                value |= term(tt)?;
                want_term = false;
            }
            _ => return None,
        }
    }
    (!want_term).then_some(value)
}

fn term(tt: TokenTree) -> Option<u32> {
    match tt {
        TokenTree::Ident(ident) => {
            let text = ident.to_string();
            let flag = btf_ids_flags::KF_FLAGS.iter().find(|(name, _)| *name == text)?;
            Some(flag.1)
        }
        TokenTree::Literal(lit) => crate::asm::u32_literal_value(&lit),
        TokenTree::Group(g) if g.delimiter() == Delimiter::Parenthesis => {
            or_chain(g.stream())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn eval(s: &str) -> Option<u32> {
        evaluate(&TokenStream::from_str(s).unwrap())
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
}
