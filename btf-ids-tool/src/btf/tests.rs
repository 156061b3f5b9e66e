use super::*;

/// Builds a little-endian BTF blob from raw type words and strings.
pub(crate) fn blob(types: &[u32], strs: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(&[0x9f, 0xeb, 1, 0]);
    v.extend_from_slice(&24u32.to_le_bytes());
    v.extend_from_slice(&0u32.to_le_bytes());
    v.extend_from_slice(&((types.len() * 4) as u32).to_le_bytes());
    v.extend_from_slice(&((types.len() * 4) as u32).to_le_bytes());
    v.extend_from_slice(&(strs.len() as u32).to_le_bytes());
    for t in types {
        v.extend_from_slice(&t.to_le_bytes());
    }
    v.extend_from_slice(strs);
    v
}

fn info(k: u8, vlen: u32) -> u32 {
    ((k as u32) << 24) | vlen
}

#[test]
fn parses_small() {
    // 1: int "int"; 2: typedef "t" -> 1; 3: func_proto; 4: func "f" -> 3
    let t = [
        1,
        info(kind::INT, 0),
        4,
        32,
        5,
        info(kind::TYPEDEF, 0),
        1,
        0,
        info(kind::FUNC_PROTO, 0),
        1,
        7,
        info(kind::FUNC, 0),
        3,
    ];
    let data = blob(&t, b"\0int\0t\0f\0");
    let btf = Btf::parse(&data).unwrap();
    assert_eq!(btf.type_count(), 5);
    assert_eq!(btf.type_name(2), Some(&b"t"[..]));
    assert_eq!(btf.kind_of(4), Some(kind::FUNC));
    assert_eq!(btf.skip_mods_and_typedefs(2).unwrap(), 1);
}

#[test]
fn loops_parse_and_are_found() {
    // libbpf takes a loop; the kernel's loader does not.
    let t = [3, info(kind::TYPEDEF, 0), 2, 3, info(kind::CONST, 0), 1];
    let data = blob(&t, b"\0\0\0t\0");
    let btf = Btf::parse(&data).unwrap();
    let e = btf.first_loop().unwrap();
    assert!(e.msg.contains("loop"), "{e}");
    assert!(btf.skip_mods_and_typedefs(1).is_err());
}

#[test]
fn checks_forward_links() {
    let int = [1, info(kind::INT, 0), 4, 32];
    let parse = |rest: &[u32]| {
        let mut t = int.to_vec();
        t.extend_from_slice(rest);
        Btf::parse(&blob(&t, b"\0int\0")).map(|b| b.type_count())
    };
    // 2: func -> 3 (a func_proto defined after it): accepted.
    assert_eq!(
        parse(&[0, info(kind::FUNC, 0), 3, 0, info(kind::FUNC_PROTO, 0), 1]),
        Ok(4)
    );
    // 2: func -> 3, a ptr: refused, forward or backward.
    let fwd = parse(&[0, info(kind::FUNC, 0), 3, 0, info(kind::PTR, 0), 1]);
    assert!(fwd.unwrap_err().msg.contains("func_proto"));
    let back = parse(&[0, info(kind::PTR, 0), 1, 0, info(kind::FUNC, 0), 2]);
    assert!(back.unwrap_err().msg.contains("func_proto"));
    // A forward chain that ends: 2: ptr -> 3: const -> 4: ptr -> 1.
    let chain = [
        0,
        info(kind::PTR, 0),
        3,
        0,
        info(kind::CONST, 0),
        4,
        0,
        info(kind::PTR, 0),
        1,
    ];
    assert_eq!(parse(&chain), Ok(5));
    // A self link, and a loop through an array's element type:
    // 2: ptr -> 3: array of 4 -> 4: typedef -> 2: parsed, and found.
    let looped = |rest: &[u32]| {
        let mut t = int.to_vec();
        t.extend_from_slice(rest);
        let data = blob(&t, b"\0int\0");
        let b = Btf::parse(&data).unwrap();
        b.first_loop().map(|e| e.msg)
    };
    let own = looped(&[0, info(kind::PTR, 0), 2]);
    assert!(own.unwrap().contains("type loop"));
    let arr = [
        0,
        info(kind::PTR, 0),
        3,
        0,
        info(kind::ARRAY, 0),
        0,
        4,
        1,
        2,
        0,
        info(kind::TYPEDEF, 0),
        2,
    ];
    assert!(looped(&arr).unwrap().contains("type loop"));
    assert_eq!(looped(&chain), None);
    // A reference past the last id names its holder (not a struct whose
    // size happens to be the same number).
    let far = parse(&[
        0,
        info(kind::STRUCT, 0),
        9,
        0,
        info(kind::PTR, 0),
        1,
        0,
        info(kind::PTR, 0),
        9,
    ]);
    let e = far.unwrap_err();
    assert!(e.msg.contains("type id 4 refers to type id 9"), "{e}");
    assert_eq!(e.offset, 24 + 16 + 12 + 12 + 8);
    // A member's type is found at its place in the record.
    let member = parse(&[0, info(kind::STRUCT, 1), 4, 0, 7, 0]);
    let e = member.unwrap_err();
    assert!(e.msg.contains("type id 2 refers to type id 7"), "{e}");
    assert_eq!(e.offset, 24 + 16 + 12 + 4);
}

#[test]
fn libbpf_rules() {
    let int = [1, info(kind::INT, 0), 4, 32];
    let with = |rest: &[u32]| {
        let mut t = int.to_vec();
        t.extend_from_slice(rest);
        blob(&t, b"\0int\0")
    };
    // Taken: any version and flags, a longer header of anything, a
    // func_proto returning a type past the end.
    let mut d = with(&[]);
    d[2] = 7;
    d[3] = 1;
    assert!(Btf::parse(&d).is_ok());
    let mut long = d[..4].to_vec();
    long.extend_from_slice(&32u32.to_le_bytes());
    long.extend_from_slice(&d[8..24]);
    long.extend_from_slice(b"anything");
    long.extend_from_slice(&d[24..]);
    assert_eq!(Btf::parse(&long).unwrap().type_count(), 2);
    assert!(Btf::parse(&with(&[0, info(kind::FUNC_PROTO, 0), 99])).is_ok());
    // Refused, naming the offset: member, parameter and value names
    // past the strings.
    let cases: [(&[u32], &str, usize); 3] = [
        (
            &[0, info(kind::STRUCT, 1), 4, 0x1000, 1, 0],
            "member #0 name offset 0x1000",
            12,
        ),
        (
            &[0, info(kind::FUNC_PROTO, 1), 1, 0x1000, 1],
            "parameter #1 name offset 0x1000",
            12,
        ),
        (
            &[0, info(kind::ENUM, 1), 4, 0x1000, 7],
            "value #0 name offset 0x1000",
            12,
        ),
    ];
    for (rest, msg, at) in cases {
        let e = Btf::parse(&with(rest)).unwrap_err();
        assert!(e.msg.contains(msg), "{e}");
        assert_eq!(e.offset, 24 + 16 + at, "{e}");
    }
    // Strings before types, an unknown kind (0 included).
    let mut v = Vec::new();
    v.extend_from_slice(&[0x9f, 0xeb, 1, 0]);
    for w in [24u32, 8, 16, 0, 5] {
        v.extend_from_slice(&w.to_le_bytes());
    }
    v.extend_from_slice(b"\0int\0\0\0\0");
    for w in int {
        v.extend_from_slice(&w.to_le_bytes());
    }
    assert!(Btf::parse(&v)
        .unwrap_err()
        .msg
        .contains("types must come first"));
    assert!(Btf::parse(&with(&[0, info(0, 0), 0]))
        .unwrap_err()
        .msg
        .contains("unknown kind 0"));
}

#[test]
fn rejects_garbage() {
    for n in 0..40 {
        let data = vec![0xffu8; n];
        assert!(Btf::parse(&data).is_err());
    }
    let mut data = blob(&[1, info(kind::INT, 0), 4, 32], b"\0int\0");
    data[4] = 200;
    assert!(Btf::parse(&data).unwrap_err().msg.contains("header length"));
}
