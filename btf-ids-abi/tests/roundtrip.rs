//! The grammar's property: what the forming side writes, the parsing side
//! reads back as resolve_btfids would, for any C identifier and any unique
//! tail of ASCII letters and digits; and no byte string makes `parse` panic.
//! A small deterministic generator (no dependencies): 200,000 cases each.

use btf_ids_abi::names::*;

struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick(&mut self, from: &[u8], len: usize) -> String {
        (0..len)
            .map(|_| from[self.below(from.len())] as char)
            .collect()
    }

    /// A C identifier, `_` runs and trailing `_` included.
    fn ident(&mut self) -> String {
        const FIRST: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_";
        const REST: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789___";
        let len = self.below(40);
        let mut s = self.pick(FIRST, 1);
        s.push_str(&self.pick(REST, len));
        s
    }

    fn unique(&mut self) -> String {
        let len = 1 + self.below(24);
        self.pick(b"0123456789abcdefn", len)
    }
}

const CASES: usize = 200_000;

#[test]
fn entries_read_back() {
    let mut g = Gen(0x9e37_79b9_7f4a_7c15);
    for _ in 0..CASES {
        let kind = IdKind::ALL[g.below(4)];
        let (name, unique) = (g.ident(), g.unique());
        let sym = EntryName {
            kind,
            name: &name,
            unique: &unique,
        }
        .to_string();
        assert!(has_btf_id_prefix(sym.as_bytes()));
        assert_eq!(
            parse(sym.as_bytes()),
            Ok(Some(BtfIdName::Entry {
                kind,
                name: name.as_bytes()
            })),
            "{sym}"
        );
        // The head is the entry without its tail.
        assert_eq!(
            format!("{}__{unique}", EntryHead(kind, &name)),
            sym,
            "{sym}"
        );
    }
}

#[test]
fn sets_read_back() {
    let mut g = Gen(0x2545_f491_4f6c_dd1d);
    for _ in 0..CASES {
        let kind = [SetKind::Set, SetKind::Set8][g.below(2)];
        let name = g.ident();
        let c = SetName {
            kind,
            name: &name,
            unique: None,
        }
        .to_string();
        assert_eq!(
            parse(c.as_bytes()),
            Ok(Some(BtfIdName::Set {
                kind,
                name: name.as_bytes()
            })),
            "{c}"
        );
        // With a tail, resolve_btfids reads the tail as part of the name.
        let unique = g.unique();
        let ours = SetName {
            kind,
            name: &name,
            unique: Some(&unique),
        }
        .to_string();
        let want = format!("{name}__{unique}");
        assert_eq!(
            parse(ours.as_bytes()),
            Ok(Some(BtfIdName::Set {
                kind,
                name: want.as_bytes()
            })),
            "{ours}"
        );
    }
}

#[test]
fn any_bytes_parse_without_panic() {
    let mut g = Gen(7);
    for _ in 0..CASES {
        let mut sym = BTF_ID_PREFIX.as_bytes().to_vec();
        let len = g.below(24);
        sym.extend((0..len).map(|_| b"_sfuncttypedefsetu8x\0\xff"[g.below(22)]));
        if let Ok(Some(BtfIdName::Entry { name, .. } | BtfIdName::Set { name, .. })) = parse(&sym) {
            assert!(name.len() < sym.len());
        }
    }
}
