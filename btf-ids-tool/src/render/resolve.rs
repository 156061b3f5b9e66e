//! What `resolve` prints: resolve_btfids' messages, in its order.

use crate::commands::ResolveReport;
use std::io::Write;

/// Writes the messages resolve_btfids would print on stderr for `r`, in
/// its order: duplicates found while walking the BTF, then unresolved
/// names while patching, then the rest of the `-v` lines.
pub fn resolve_messages(r: &ResolveReport, out: &mut impl Write) -> std::io::Result<()> {
    let early = |d: &&String| d.starts_with("adding") || d.starts_with("Cannot");
    let lines = r
        .debug
        .iter()
        .filter(early)
        .chain(&r.warnings)
        .chain(r.debug.iter().filter(|d| !early(d)));
    for l in lines {
        out.write_all(l.as_bytes())?;
        out.write_all(b"\n")?;
    }
    Ok(())
}
