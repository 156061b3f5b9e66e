//! The one place that writes assembler text.
//!
//! Every list or set becomes a single `global_asm!` block: rustc may put
//! separate blocks into different codegen units in any order, and a list must
//! stay contiguous. The directives are the ones `btf_ids.h` emits, so the
//! section bytes, the section flags (`"a"`) and the `__BTF_ID__` symbols come
//! out as C's do, with two deliberate additions:
//!
//! * each block starts with `.balign 4`, so the typed views read aligned
//!   `u32`s. Blocks are whole multiples of 4 bytes, so no padding ever
//!   appears between entries;
//! * each block leaves an anchor in [`KEEP_SECTION`]: an empty section flagged
//!   `R` (SHF_GNU_RETAIN) holding one `R_*_NONE` relocation against the
//!   block. `--gc-sections` (executables, cdylibs) keeps what a retained
//!   section references, so a block no Rust code reads (a kfunc set, most
//!   often) survives. Flagging `.BTF_ids` itself `R` would also keep it, but
//!   `ld -r` then refuses to merge it with C's `.BTF_ids`, leaving a mixed
//!   C and Rust module with two sections of that name.

use crate::symbol::SECTION;
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote_spanned};
use std::collections::HashMap;
use std::fmt::Write;

/// The section of keep-alive anchors: not allocated, so it costs nothing at
/// run time, and empty, so it adds no bytes to any file's loaded image.
pub const KEEP_SECTION: &str = ".btf_ids.keep";

/// The directives of one ID slot (`____BTF_ID`), as an assembler macro each
/// block defines at its start and removes (`.purgem`) at its end, so blocks
/// that land in one assembly file (a codegen unit, or all crates under fat
/// LTO) never define it twice. A slot is then one short line instead of four
/// that each repeat a long `__BTF_ID__` name: much less text for the
/// proc-macro bridge and rustc to carry, and the same object code.
///
/// C also writes `.local`; a label without `.globl` is local already, so the
/// directive changes nothing in the object and is left out (the assembler
/// would otherwise process it once per slot).
const SLOT_MACRO: &str = "\
.macro __btf_ids_slot sym
.type \\sym, STT_OBJECT
.size \\sym, 4
\\sym:
.zero 4
.endm
";

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
    /// Template pieces before `text`: string literals, and expressions that
    /// expand to one (see [`Block::piece`]). `global_asm!` joins its template
    /// pieces with newlines.
    pieces: Vec<TokenStream>,
    consts: Vec<TokenStream>,
    /// The operand already made for each flags expression, by its text.
    operand_of: HashMap<String, usize>,
    /// `KF_*` names of flags written as numbers (see [`crate::flag_expr`]).
    flag_names: Vec<proc_macro2::Ident>,
    /// The first label, which the keep-alive anchor references.
    first_label: Option<String>,
}

impl Block {
    pub fn open() -> Block {
        let mut text = String::new();
        writeln!(text, ".pushsection {SECTION},\"a\"").unwrap();
        text.push_str(".balign 4\n");
        text.push_str(SLOT_MACRO);
        Block {
            text,
            pieces: Vec::new(),
            consts: Vec::new(),
            operand_of: HashMap::new(),
            flag_names: Vec::new(),
            first_label: None,
        }
    }

    /// A label with no type and no size (`name:` of `__BTF_ID_LIST`).
    pub fn label(&mut self, sym: &str, scope: Scope) {
        if self.first_label.is_none() {
            self.first_label = Some(sym.to_owned());
        }
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
        writeln!(self.text, "__btf_ids_slot {sym}").unwrap();
    }

    /// Lines of the template that only the compiler can write: an
    /// expression that expands to a string literal, such as a `concat!` of a
    /// `#[kfunc]` twin's answers (the real name of a kfunc reached through a
    /// path). `global_asm!` expands such a template piece before it reads
    /// the template; the piece must end without a newline.
    pub fn piece(&mut self, tokens: TokenStream) {
        self.flush();
        self.pieces.push(tokens);
    }

    /// Move the text written so far into a piece of its own.
    fn flush(&mut self) {
        let text = std::mem::take(&mut self.text);
        let text = text.strip_suffix('\n').unwrap_or(&text);
        if !text.is_empty() {
            self.pieces.push(quote::quote!(#text));
        }
    }

    /// `BTF_ID_UNUSED`: four zero bytes with no symbol.
    pub fn unused(&mut self) {
        self.text.push_str(".zero 4\n");
    }

    /// A flags word after a slot (`BTF_ID_FLAGS`). The expression is checked
    /// to be a `u32` constant and handed to the assembler as a `const`
    /// operand, the way C hands its flags text to `.long`.
    ///
    /// Every `const` operand is a constant rustc must resolve, type-check,
    /// borrow-check and evaluate, the bulk of the build time of a crate with
    /// many set8 entries. So an expression the macro can evaluate itself (a
    /// `u32` literal, the default `0` of an entry without flags above all, or
    /// `KF_*` names joined by `|`: see [`crate::flag_expr`]) is written into
    /// the text as its value. Other expressions that are the same tokens in
    /// one block share one operand:
    /// a constant expression at module level can name only items, which
    /// resolve alike wherever the tokens came from, except through `$crate`,
    /// so expressions with `$crate` always get an operand of their own. The
    /// bytes come out the same; a mistake in such a shared expression is
    /// reported once, at its first use.
    pub fn flags(&mut self, expr: &TokenStream, span: Span) {
        if let Some(value) = crate::flag_expr::evaluate(expr, &mut self.flag_names) {
            writeln!(self.text, ".long {value}").unwrap();
            return;
        }
        let key = expr.to_string();
        if let Some(&index) = self.operand_of.get(&key) {
            writeln!(self.text, ".long {{flags{index}}}").unwrap();
            return;
        }
        if !key.contains('$') {
            self.operand_of.insert(key, self.consts.len());
        }
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

    /// Close the section and wrap the text in one `global_asm!`. Also returns
    /// the check of the `KF_*` names written as numbers (empty if none), to
    /// be emitted whether or not the block is (see
    /// [`crate::flag_expr::check`]).
    pub fn close(mut self) -> (TokenStream, TokenStream) {
        self.text.push_str(".purgem __btf_ids_slot\n.popsection\n");
        if let Some(label) = &self.first_label {
            self.text.push_str(&keep_alive(label));
        }
        self.flush();
        let pieces = self.pieces;
        let consts = self.consts;
        let asm = quote_spanned! {Span::call_site()=>
            ::core::arch::global_asm!(#(#pieces),* #(, #consts)*);
        };
        (asm, crate::flag_expr::check(&self.flag_names))
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

/// The text a `#[kfunc]` twin answers `__btf_ids_slot` with, around the
/// unique tail a set passes it: one ID slot for the function and its flags
/// word, as [`Block::slot`] and [`Block::flags`] write them. The set's block
/// defines the slot macro.
pub fn kfunc_slot(name: &str, flags: u32) -> (String, String) {
    let head = crate::symbol::entry_head(crate::symbol::Kind::Func, name);
    (format!("__btf_ids_slot {head}"), format!("\n.long {flags}"))
}

/// Assembler text that keeps `target` (a symbol, or an `{operand}`) alive
/// under `--gc-sections`; see [`KEEP_SECTION`].
pub fn keep_alive(target: &str) -> String {
    format!(
        ".pushsection {KEEP_SECTION},\"R\",%progbits\n.reloc ., BFD_RELOC_NONE, {target}\n.popsection\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn a_slot_is_the_five_directives_of_btf_id() {
        let mut block = Block::open();
        let sym = format!(
            "{}__1",
            crate::symbol::entry_head(crate::symbol::Kind::Func, "f")
        );
        block.slot(&sym);
        assert!(block.text.ends_with(&format!("__btf_ids_slot {sym}\n")));
        let body: Vec<&str> = SLOT_MACRO.lines().collect();
        assert_eq!(
            body,
            [
                ".macro __btf_ids_slot sym",
                ".type \\sym, STT_OBJECT",
                ".size \\sym, 4",
                "\\sym:",
                ".zero 4",
                ".endm",
            ]
        );
        let text = block.close().0.to_string();
        assert!(text.contains(".purgem __btf_ids_slot"));
    }

    #[test]
    fn pieces_split_the_template_at_lines() {
        let mut block = Block::open();
        block.label("l", Scope::Hidden);
        block.piece(TokenStream::from_str("m!(x)").unwrap());
        block.unused();
        let text = block.close().0.to_string();
        let at = |needle: &str| text.find(needle).unwrap();
        // The text before the piece ends its piece without the last newline,
        // and the text after it starts a new piece.
        assert!(at("l:\"") < at("m ! (x)"));
        assert!(at("m ! (x)") < at("\".zero 4"));
    }

    #[test]
    fn equal_flags_share_an_operand() {
        let mut block = Block::open();
        block.label("l", Scope::Hidden);
        for expr in [
            "KF_A | KF_B",
            "KF_C",
            "KF_A | KF_B",
            "0",
            "$crate::X",
            "$crate::X",
        ] {
            block.flags(&TokenStream::from_str(expr).unwrap(), Span::call_site());
        }
        let longs: Vec<&str> = block
            .text
            .lines()
            .filter(|l| l.starts_with(".long"))
            .collect();
        assert_eq!(
            longs,
            [
                ".long {flags0}",
                ".long {flags1}",
                ".long {flags0}",
                ".long 0",
                ".long {flags2}",
                ".long {flags3}",
            ]
        );
    }
}
