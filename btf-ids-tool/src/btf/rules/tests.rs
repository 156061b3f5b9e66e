use super::*;

#[test]
fn identifiers() {
    for ok in [
        &b"task_struct"[..],
        b"_x",
        b".text",
        b"a.b",
        b"x9",
        b"\xc0x",
    ] {
        assert!(valid_identifier(ok), "{ok:?}");
    }
    for bad in [
        &b""[..],
        b"9x",
        b"BtfIdSet8<4>",
        b"&str",
        b"a b",
        b"{closure#0}",
        b"\xd7",
        b"\xc3\xa9",
    ] {
        assert!(!valid_identifier(bad), "{bad:?}");
    }
    assert!(valid_identifier(&[b'a'; KSYM_NAME_LEN]));
    assert!(!valid_identifier(&[b'a'; KSYM_NAME_LEN + 1]));
    assert!(valid_section(b".data..percpu"));
    assert!(valid_section(b"my sec<1>"));
    assert!(!valid_section(b""));
    assert!(!valid_section(b"a\x01"));
}

#[test]
fn rules() {
    assert_eq!(
        name_rule(kind::PTR, NameSite::Type, false),
        NameRule::Anonymous
    );
    assert_eq!(
        name_rule(kind::FUNC_PROTO, NameSite::Param(0), true),
        NameRule::Ident
    );
    assert!(NameRule::OptionalIdent.accepts(0, b""));
    assert!(!NameRule::Ident.accepts(0, b""));
    assert!(NameRule::Unchecked.accepts(5, b"long unsigned int"));
}
