//! The one reading of the symbols defined in `.BTF_ids`, shared by
//! `inspect`/`check` ([`crate::symbols::layout::Plan`]) and `resolve`
//! ([`crate::resolve::Collected`]).
//!
//! Each symbol is read once: a `__BTF_ID__` name is parsed, an id or set
//! symbol must lie inside the section, and a set symbol's size must be a
//! positive multiple of its entry size with its extent inside the section.
//! Every command needs those checks, so they are made here, with one
//! message each (resolve_btfids' text where it has one, since the
//! differential tests compare resolve's messages with the C tool's). What
//! only one command asks stays with it: resolve's checks (a set defined
//! twice, `ADDR_CNT`, the 32-bit count) in `Collected`, inspect's (stray
//! `__BTF_ID__` symbols, labels outside the section) in `Plan`.
//!
//! The reading is a stream ([`records`]) so that resolve, on its hot path,
//! makes its own checks in symbol order as it goes (its errors come in the
//! order resolve_btfids meets them) and allocates nothing per symbol;
//! [`Table`] keeps the stream for `inspect` and `check`, which use it twice
//! (the layout, and the ids resolve would write). It keeps one vector per
//! kind of record rather than one of [`Record`]s: a label is then 32 bytes
//! instead of a record's 64, and a section can hold hundreds of thousands.

use crate::elf::{ElfInfo, SectionInfo, Sym, BTF_IDS_SECTION};
use crate::symbols::names::{parse_symbol, IdKind, ParseError, Parsed};
use crate::Error;
use btf_ids_abi::layout::SET8_FLAGS_OFFSET;
use btf_ids_abi::names::SetKind;

/// A `__BTF_ID__<kind>__<name>__<unique>` symbol: one id slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdSym<'a> {
    /// Section-relative address (`st_value - sh_addr`), inside the section.
    pub offset: u64,
    /// The kind word.
    pub kind: IdKind,
    /// The type name.
    pub name: &'a [u8],
    /// The whole symbol name.
    pub symbol: &'a [u8],
    /// Index in the symbol table.
    pub index: usize,
}

/// A `__BTF_ID__set__<name>` or `__BTF_ID__set8__<name>` symbol, whose size
/// is the set's extent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetSym<'a> {
    /// Section-relative address; `offset + size` is inside the section.
    pub offset: u64,
    /// `st_size`: a positive multiple of the entry size.
    pub size: u64,
    /// A set8 (8-byte header and entries) rather than a set (4 and 4).
    pub set8: bool,
    /// The set name.
    pub name: &'a [u8],
    /// The whole symbol name.
    pub symbol: &'a [u8],
    /// Index in the symbol table.
    pub index: usize,
}

impl SetSym<'_> {
    /// Which layout the set has.
    pub fn kind(&self) -> SetKind {
        if self.set8 {
            SetKind::Set8
        } else {
            SetKind::Set
        }
    }

    /// (header bytes, entry bytes), as btf-ids-abi lays them out.
    pub fn shape(&self) -> (u64, u64) {
        let kind = self.kind();
        (kind.header() as u64, kind.entry() as u64)
    }

    /// Section-relative address of entry `i` (its id word).
    pub fn entry_at(&self, i: u64) -> u64 {
        let (header, entry) = self.shape();
        self.offset + header + entry * i
    }

    /// Section-relative address of a set8's flags word (`BTF_SET8_KFUNCS`
    /// and the like); `None` for a set, which has none.
    pub fn flags_at(&self) -> Option<u64> {
        self.set8.then(|| self.offset + SET8_FLAGS_OFFSET as u64)
    }

    /// The entry count the size implies (resolve_btfids' `cnt`: the size
    /// over the entry size, less the header's one entry's worth).
    pub fn count(&self) -> u64 {
        self.size / self.shape().1 - 1
    }
}

/// Any other symbol of the section: a list label (C: a local `name`; our
/// Rust macros: a global hidden `__btf_ids_<NAME>_<suffix>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Label<'a> {
    /// Section-relative address (`st_value - sh_addr`, wrapped: adding
    /// `sh_addr` back gives `st_value`).
    pub offset: u64,
    /// The address is inside the section, or at its end (an empty list).
    /// A label outside is not an error here, because resolve, like
    /// resolve_btfids, never looks at labels; `inspect` refuses it.
    pub inside: bool,
    /// The name.
    pub name: &'a [u8],
    /// Global (or weak) binding.
    pub global: bool,
}

/// One symbol of the section, read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Record<'a> {
    /// An id symbol.
    Id(IdSym<'a>),
    /// A set or set8 symbol.
    Set(SetSym<'a>),
    /// A label.
    Label(Label<'a>),
}

/// What is wrong with a symbol; the `Display` text is the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem<'a> {
    /// A `__BTF_ID__` name that does not parse (resolve_btfids' messages).
    Name(ParseError),
    /// An id or set symbol whose value is not inside the section.
    /// resolve_btfids finds this when it patches, with this message.
    Outside {
        /// `st_value - sh_addr`, wrapped.
        offset: u64,
        /// The section's size.
        section_size: u64,
    },
    /// A set symbol whose size is not a positive multiple of its entry
    /// size (resolve_btfids would write the count out of bounds).
    SetSize {
        /// The set name (resolve reports a second definition first).
        name: &'a [u8],
        /// `st_size`.
        size: u64,
        /// The entry size.
        unit: u64,
    },
    /// A set symbol whose extent runs past the end of the section.
    SetExtent {
        /// The set name (resolve reports a second definition first).
        name: &'a [u8],
        /// Section-relative address.
        offset: u64,
        /// `st_size`.
        size: u64,
        /// The section's size.
        section_size: u64,
    },
}

impl std::fmt::Display for Problem<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::Name(e) => e.fmt(f),
            // Signed, as resolve always printed it: the same text as
            // resolve_btfids' `%lu` for every address at or above sh_addr.
            Problem::Outside {
                offset,
                section_size,
            } => write!(
                f,
                "FAILED patching index {} out of bounds {section_size}",
                *offset as i64
            ),
            Problem::SetSize { size, unit, .. } => {
                write!(f, "set symbol size {size} is not a positive multiple of {unit}")
            }
            Problem::SetExtent {
                offset,
                size,
                section_size,
                ..
            } => write!(
                f,
                "set runs past the end of {BTF_IDS_SECTION} ({offset:#x}+{size:#x} > {section_size:#x})"
            ),
        }
    }
}

/// A symbol the reading refuses: what is wrong, and which symbol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SymbolError<'a> {
    /// What is wrong.
    pub problem: Problem<'a>,
    /// The symbol's name.
    pub symbol: &'a [u8],
    /// Its index in the symbol table.
    pub index: usize,
}

impl From<SymbolError<'_>> for Error {
    fn from(e: SymbolError<'_>) -> Self {
        Error::bad_symbol(e.problem.to_string()).symbol(&String::from_utf8_lossy(e.symbol))
    }
}

/// Reads one symbol defined in section `sec`. The checks are in
/// resolve_btfids' order: the name, the address, then a set's size and
/// extent.
#[inline]
fn read_symbol<'a>(sym: &Sym<'a>, sec: SectionInfo) -> Result<Record<'a>, SymbolError<'a>> {
    let fail = |problem| SymbolError {
        problem,
        symbol: sym.name,
        index: sym.index,
    };
    let rel = sym.value.wrapping_sub(sec.address);
    let parsed = match parse_symbol(sym.name) {
        Ok(Some(p)) => p,
        Ok(None) => {
            return Ok(Record::Label(Label {
                offset: rel,
                inside: sym.value >= sec.address && rel <= sec.size,
                name: sym.name,
                global: sym.global,
            }));
        }
        Err(e) => return Err(fail(Problem::Name(e))),
    };
    if sym.value < sec.address || rel >= sec.size {
        return Err(fail(Problem::Outside {
            offset: rel,
            section_size: sec.size,
        }));
    }
    Ok(match parsed {
        Parsed::Id(kind, name) => Record::Id(IdSym {
            offset: rel,
            kind,
            name,
            symbol: sym.name,
            index: sym.index,
        }),
        Parsed::Set { set8, name } => {
            let unit = if set8 { SetKind::Set8 } else { SetKind::Set }.entry() as u64;
            if sym.size % unit != 0 || sym.size < unit {
                return Err(fail(Problem::SetSize {
                    name,
                    size: sym.size,
                    unit,
                }));
            }
            if rel.checked_add(sym.size).is_none_or(|end| end > sec.size) {
                return Err(fail(Problem::SetExtent {
                    name,
                    offset: rel,
                    size: sym.size,
                    section_size: sec.size,
                }));
            }
            Record::Set(SetSym {
                offset: rel,
                size: sym.size,
                set8,
                name,
                symbol: sym.name,
                index: sym.index,
            })
        }
    })
}

/// The symbols of section `sec` (an [`ElfInfo`]'s `symbols`), read one at
/// a time in symbol-table order.
pub fn records<'e, 'a>(
    symbols: &'e [Sym<'a>],
    sec: SectionInfo,
) -> impl ExactSizeIterator<Item = Result<Record<'a>, SymbolError<'a>>> + 'e {
    symbols.iter().map(move |s| read_symbol(s, sec))
}

/// The reading of `.BTF_ids`' symbols, kept: every record, each kind in
/// symbol-table order, or the first symbol refused.
#[derive(Debug)]
pub struct Table<'a> {
    section: SectionInfo,
    ids: Vec<IdSym<'a>>,
    sets: Vec<SetSym<'a>>,
    labels: Vec<Label<'a>>,
}

impl<'a> Table<'a> {
    /// Reads the symbols `elf` has defined in `sec` (its `.BTF_ids`).
    pub fn read(elf: &ElfInfo<'a>, sec: SectionInfo) -> Result<Self, SymbolError<'a>> {
        Self::from_symbols(&elf.symbols, sec)
    }

    /// [`Table::read`] of a symbol list.
    pub fn from_symbols(symbols: &[Sym<'a>], sec: SectionInfo) -> Result<Self, SymbolError<'a>> {
        // Room for every symbol as an id or a label (the kinds a section
        // has many of): untouched capacity costs address space only, and
        // neither vector grows by copying, which would hold both copies at
        // once. Sets are few.
        let n = symbols.len();
        let mut t = Table {
            section: sec,
            ids: Vec::with_capacity(n),
            sets: Vec::new(),
            labels: Vec::with_capacity(n),
        };
        for r in records(symbols, sec) {
            match r? {
                Record::Id(x) => t.ids.push(x),
                Record::Set(x) => t.sets.push(x),
                Record::Label(x) => t.labels.push(x),
            }
        }
        Ok(t)
    }

    /// The section read.
    pub fn section(&self) -> SectionInfo {
        self.section
    }

    /// The id symbols.
    pub fn ids(&self) -> &[IdSym<'a>] {
        &self.ids
    }

    /// The set and set8 symbols.
    pub fn sets(&self) -> &[SetSym<'a>] {
        &self.sets
    }

    /// The labels.
    pub fn labels(&self) -> &[Label<'a>] {
        &self.labels
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.ids.len() + self.sets.len() + self.labels.len()
    }

    /// No records.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    const SEC: SectionInfo = SectionInfo {
        index: 1,
        file_offset: 0x40,
        size: 0x10,
        address: 0x1000,
    };

    /// `text` with `@` for the `__BTF_ID__` prefix and `$SEC` for the
    /// section name, which btf-ids-abi alone spells.
    pub(crate) fn abi(text: &str) -> String {
        text.replace('@', btf_ids_abi::names::BTF_ID_PREFIX)
            .replace("$SEC", btf_ids_abi::names::BTF_IDS_SECTION)
    }

    /// A local symbol named `abi(name)`.
    pub(crate) fn sym(index: usize, name: &'static str, value: u64, size: u64) -> Sym<'static> {
        Sym {
            index,
            name: abi(name).leak().as_bytes(),
            value,
            size,
            global: false,
            hidden: false,
        }
    }

    fn msg(s: Sym<'static>) -> String {
        Error::from(read_symbol(&s, SEC).unwrap_err()).to_string()
    }

    #[test]
    fn records_in_symbol_order() {
        let syms = [
            sym(3, "lst", 0x1010, 0),
            sym(4, "@func__f__1", 0x1004, 0),
            sym(5, "@set8__k", 0x1000, 16),
            sym(6, "far", 0x2000, 0),
            sym(7, "@func__f__2", 0x1008, 0),
        ];
        let t = Table::from_symbols(&syms, SEC).unwrap();
        assert_eq!(t.len(), 5);
        assert_eq!(
            t.labels[0],
            Label {
                offset: 0x10,
                inside: true,
                name: b"lst",
                global: false
            }
        );
        assert_eq!(
            t.ids[0],
            IdSym {
                offset: 4,
                kind: IdKind::Func,
                name: b"f",
                symbol: abi("@func__f__1").leak().as_bytes(),
                index: 4
            }
        );
        assert_eq!(t.ids[1].offset, 8);
        let s = t.sets[0];
        assert_eq!((s.offset, s.count(), s.name, s.index), (0, 1, &b"k"[..], 5));
        // A label outside is for inspect to refuse.
        assert!(!t.labels[1].inside);
        assert_eq!(t.labels[1].offset.wrapping_add(SEC.address), 0x2000);
    }

    #[test]
    fn one_message_per_problem() {
        assert_eq!(
            msg(sym(1, "@struct__s__1", 0x1010, 0)),
            abi("FAILED patching index 16 out of bounds 16 (symbol @struct__s__1)")
        );
        assert_eq!(
            msg(sym(1, "@set__s", 0xff0, 4)),
            abi("FAILED patching index -16 out of bounds 16 (symbol @set__s)")
        );
        assert_eq!(
            msg(sym(1, "@set__s", 0x1000, 6)),
            abi("set symbol size 6 is not a positive multiple of 4 (symbol @set__s)")
        );
        assert_eq!(
            msg(sym(1, "@set8__k", 0x1000, 0)),
            abi("set symbol size 0 is not a positive multiple of 8 (symbol @set8__k)")
        );
        assert_eq!(
            msg(sym(1, "@set8__k", 0x1008, 16)),
            abi("set runs past the end of $SEC (0x8+0x10 > 0x10) (symbol @set8__k)")
        );
        // The name is read first: an unparsable name outside the section.
        assert_eq!(
            msg(sym(1, "@enum__e__1", 0x5000, 0)),
            abi("FAILED unsupported prefix enum__e__1 (symbol @enum__e__1)")
        );
        let syms = [
            sym(1, "@func__f__1", 0x1000, 0),
            sym(2, "@set__s", 0x1000, 6),
            sym(3, "@func__g", 0x1000, 0),
        ];
        let e = Table::from_symbols(&syms, SEC).unwrap_err();
        assert_eq!((e.index, e.symbol), (2, abi("@set__s").as_bytes()));
    }
}
