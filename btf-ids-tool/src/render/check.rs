//! What `check` prints: each failure on stderr, and the verdict.

use crate::commands::CheckReport;
use std::io::Write;

/// Writes `r` as text: each failure, then the count of failures, to `err`;
/// or, with none, the one line that says what was checked, to `out`.
pub fn check_text(
    r: &CheckReport,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<()> {
    for f in &r.failures {
        writeln!(err, "{}: {f}", r.file)?;
    }
    if r.failures.is_empty() {
        let how = match &r.btf {
            Some(b) => format!("kinds checked against {b}"),
            None => "no BTF, kinds not checked".into(),
        };
        writeln!(out, "{}: {} ids ok ({how})", r.file, r.ids)
    } else {
        writeln!(err, "{}: {} failure(s)", r.file, r.failures.len())
    }
}
