//! The one place that writes assembler text.
//!
//! Every list or set becomes a single `global_asm!` block: rustc may put
//! separate blocks into different codegen units in any order, and a list must
//! stay contiguous. The directives are the ones `btf_ids.h` emits, so the
//! section bytes and the `__BTF_ID__` symbols come out as C's do, with two
//! deliberate additions:
//!
//! * the section flags are `"aR"`: `R` (SHF_GNU_RETAIN) keeps a block that no
//!   Rust code references (a kfunc set usually) from `--gc-sections`;
//! * each block starts with `.balign 4`, so the typed views read aligned
//!   `u32`s. Blocks are whole multiples of 4 bytes, so no padding ever
//!   appears between entries.

use crate::symbol::SECTION;
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote_spanned};
use std::fmt::Write;

/// Binding of a label, as `__BTF_ID_LIST(name, scope)` chooses it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Local,
    Global,
    /// Global for the linker but not exported: how Rust reaches a label C
    /// would keep `.local`.
    Hidden,
}

/// One block of `.BTF_ids` data under construction.
pub struct Block {
    text: String,
    consts: Vec<TokenStream>,
}

impl Block {
    pub fn open() -> Block {
        let mut text = String::new();
        writeln!(text, ".pushsection {SECTION},\"aR\"").unwrap();
        text.push_str(".balign 4\n");
        Block {
            text,
            consts: Vec::new(),
        }
    }

    /// A label with no type and no size (`name:` of `__BTF_ID_LIST`).
    pub fn label(&mut self, sym: &str, scope: Scope) {
        self.bind(sym, scope);
        writeln!(self.text, "{sym}:").unwrap();
    }

    /// The set symbol and its count word (`__BTF_SET_START`), plus the set
    /// flags word for a set8 (`__BTF_SET8_START`).
    pub fn set_header(&mut self, sym: &str, scope: Scope, set8_flags: Option<u32>) {
        self.label(sym, scope);
        self.text.push_str(".zero 4\n");
        if let Some(flags) = set8_flags {
            writeln!(self.text, ".long {flags}").unwrap();
        }
    }

    /// One ID slot (`____BTF_ID`): a local 4-byte object of zeros.
    pub fn slot(&mut self, sym: &str) {
        writeln!(self.text, ".local {sym}").unwrap();
        writeln!(self.text, ".type {sym}, STT_OBJECT").unwrap();
        writeln!(self.text, ".size {sym}, 4").unwrap();
        writeln!(self.text, "{sym}:").unwrap();
        self.text.push_str(".zero 4\n");
    }

    /// `BTF_ID_UNUSED`: four zero bytes with no symbol.
    pub fn unused(&mut self) {
        self.text.push_str(".zero 4\n");
    }

    /// A flags word after a slot (`BTF_ID_FLAGS`). The expression is checked
    /// to be a `u32` constant and handed to the assembler as a `const`
    /// operand, the way C hands its flags text to `.long`.
    pub fn flags(&mut self, expr: &TokenStream, span: Span) {
        let operand = format_ident!("flags{}", self.consts.len());
        writeln!(self.text, ".long {{{operand}}}").unwrap();
        self.consts.push(quote_spanned! {span=>
            #operand = const { let flags: u32 = #expr; flags }
        });
    }

    /// `BTF_SET_END` / `BTF_SET8_END`: the set symbol spans from the list
    /// label to here, which is how resolve_btfids learns the entry count.
    pub fn set_size(&mut self, set_sym: &str, label: &str) {
        writeln!(self.text, ".size {set_sym}, .-{label}").unwrap();
    }

    /// Close the section and wrap the text in one `global_asm!`.
    pub fn close(mut self) -> TokenStream {
        self.text.push_str(".popsection\n");
        let text = self.text;
        let consts = self.consts;
        quote_spanned! {Span::call_site()=>
            ::core::arch::global_asm!(#text #(, #consts)*);
        }
    }

    fn bind(&mut self, sym: &str, scope: Scope) {
        match scope {
            Scope::Local => writeln!(self.text, ".local {sym}").unwrap(),
            Scope::Global => writeln!(self.text, ".globl {sym}").unwrap(),
            Scope::Hidden => {
                writeln!(self.text, ".globl {sym}").unwrap();
                writeln!(self.text, ".hidden {sym}").unwrap();
            }
        }
    }
}
