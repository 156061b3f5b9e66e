//! `inspect --json` follows docs/inspect-json.md.

mod common;

use common::*;
use serde_json::Value;
use std::process::Command;

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
    k.sort();
    k
}

fn sorted(v: &[&str]) -> Vec<String> {
    let mut k: Vec<String> = v.iter().map(|s| s.to_string()).collect();
    k.sort();
    k
}

#[test]
fn inspect_json_schema() {
    let dir = scratch("inspect-json");
    let src = r#"
struct task_struct { int pid; };
struct S { int a; };
typedef struct S S;
int kf_a(struct task_struct *t, S *s) { return t->pid + s->a; }
int kf_b(int x) { return x + 1; }
BTF_ID_LIST(lst)
BTF_ID(struct, task_struct)
BTF_ID_UNUSED
BTF_ID(typedef, S)
BTF_ID(func, no_such_func)
BTF_SET_START(st)
BTF_ID(func, kf_b)
BTF_ID(func, kf_a)
BTF_SET_END(st)
BTF_KFUNCS_START(kfs)
BTF_ID_FLAGS(func, kf_b, 0x1000 | 0x20)
BTF_ID_FLAGS(func, kf_a, 0x1 | 0x4 | 0x100000)
BTF_KFUNCS_END(kfs)
"#;
    let obj = compile_c(&dir, "j", src, true);
    pahole(&obj, None);
    let out = run(Command::new(ours()).arg("resolve").arg(&obj));
    assert!(out.status.success());
    let out = run(Command::new(ours())
        .args(["inspect", "--json", "--btf"])
        .arg(&obj)
        .arg(&obj));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(
        keys(&v),
        sorted(&[
            "schema",
            "file",
            "class",
            "endian",
            "section_offset",
            "section_address",
            "section_size",
            "btf",
            "groups",
            "summary"
        ])
    );
    assert_eq!(v["schema"], 1);
    assert_eq!(v["class"], 64);
    assert_eq!(v["endian"], "little");
    assert!(v["btf"].is_string());
    let groups = v["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 3);
    for g in groups {
        assert_eq!(
            keys(g),
            sorted(&[
                "kind",
                "name",
                "label",
                "label_global",
                "set_symbol",
                "offset",
                "size",
                "count",
                "expected_count",
                "flags",
                "overlaps",
                "flag_names",
                "names_from",
                "entries"
            ])
        );
        // No set here lies over another.
        assert!(g["overlaps"].is_null());
        for e in g["entries"].as_array().unwrap() {
            assert_eq!(
                keys(e),
                sorted(&[
                    "kind",
                    "name",
                    "symbol",
                    "offset",
                    "value",
                    "resolved",
                    "flags",
                    "flag_names",
                    "btf"
                ])
            );
            if let Some(b) = e["btf"].as_object() {
                assert_eq!(keys(&e["btf"]), sorted(&["ok", "kind", "name", "expected"]));
                assert!(b["ok"].as_bool().unwrap(), "{e}");
            }
        }
    }
    let lst = &groups[0];
    assert_eq!(lst["kind"], "list");
    assert_eq!(lst["name"], "lst");
    let kinds: Vec<&str> = lst["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["struct", "unused", "typedef", "func"]);
    assert_eq!(lst["entries"][3]["resolved"], false);
    assert_eq!(lst["entries"][3]["value"], 0);
    assert_eq!(lst["entries"][0]["btf"]["kind"], "struct");
    let st = &groups[1];
    assert_eq!(st["kind"], "set");
    assert_eq!(st["count"], 2);
    assert_eq!(st["expected_count"], 2);
    assert_eq!(st["names_from"], "btf");
    let kfs = &groups[2];
    assert_eq!(kfs["kind"], "set8");
    assert_eq!(kfs["flags"], 1);
    assert_eq!(kfs["flag_names"], serde_json::json!(["BTF_SET8_KFUNCS"]));
    let e = kfs["entries"].as_array().unwrap();
    let by_name = |n: &str| e.iter().find(|x| x["name"] == n).unwrap().clone();
    assert_eq!(
        by_name("kf_b")["flag_names"],
        serde_json::json!(["KF_SLEEPABLE", "KF_FASTCALL"])
    );
    assert_eq!(
        by_name("kf_a")["flag_names"],
        serde_json::json!(["KF_ACQUIRE", "KF_RET_NULL", "0x100000"])
    );
    // Sorted by id after resolving.
    let ids: Vec<u64> = e.iter().map(|x| x["value"].as_u64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] <= w[1]));
    let s = &v["summary"];
    assert_eq!(
        keys(s),
        sorted(&[
            "lists",
            "sets",
            "set8s",
            "ids",
            "unresolved",
            "unused",
            "btf_mismatches"
        ])
    );
    assert_eq!(s["lists"], 1);
    assert_eq!(s["sets"], 1);
    assert_eq!(s["set8s"], 1);
    assert_eq!(s["ids"], 7);
    assert_eq!(s["unresolved"], 1);
    assert_eq!(s["unused"], 1);
    assert_eq!(s["btf_mismatches"], 0);
}

#[test]
fn resolve_json_report() {
    let dir = scratch("resolve-json");
    let src = "struct a { int x; };\nint f(struct a *p) { return p->x; }\nBTF_ID_LIST(l)\nBTF_ID(struct, a)\nBTF_ID(func, nope)\n";
    let obj = compile_c(&dir, "r", src, true);
    pahole(&obj, None);
    let out = run(Command::new(ours()).args(["resolve", "--json"]).arg(&obj));
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(v["resolved"], 1);
    assert_eq!(v["unresolved"][0]["name"], "nope");
    assert_eq!(v["unresolved"][0]["kind"], "func");
    assert_eq!(v["changed"], true);
    // --strict turns the unresolved name into an error and leaves the file.
    let obj2 = compile_c(&dir, "r2", src, true);
    pahole(&obj2, None);
    let before = std::fs::read(&obj2).unwrap();
    let out = run(Command::new(ours())
        .args(["resolve", "--strict"])
        .arg(&obj2));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unresolved func nope"));
    assert_eq!(std::fs::read(&obj2).unwrap(), before);
}
