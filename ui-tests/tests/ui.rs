//! Every macro misuse is a compile error at the offending token; each case
//! is a `.rs` file with the exact `.stderr` it must produce.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/*.rs");
}
