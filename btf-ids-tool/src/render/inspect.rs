//! `inspect`'s text, and its JSON written group by group.

use crate::commands::inspect::ReportSink;
use crate::commands::{GroupReport, InspectReport, Summary};
use crate::elf::BTF_IDS_SECTION;
use crate::symbols::layout::{EntryKind, GroupKind};

/// Writes the text of [`inspect_text`] as it comes.
pub(crate) struct TextOut<W: std::io::Write> {
    pub(crate) out: W,
    pub(crate) btf: bool,
}

impl<W: std::io::Write> ReportSink for TextOut<W> {
    fn head(&mut self, r: &InspectReport) -> std::io::Result<()> {
        self.btf = r.btf.is_some();
        self.out.write_all(text_head(r).as_bytes())
    }
    fn group(&mut self, g: GroupReport) -> std::io::Result<()> {
        self.out.write_all(text_group(&g).as_bytes())
    }
    fn end(&mut self, m: &Summary) -> std::io::Result<()> {
        self.out.write_all(text_end(m, self.btf).as_bytes())
    }
}

/// Writes what `serde_json::to_string_pretty` makes of the whole
/// [`InspectReport`], and a newline, as it comes.
pub(crate) struct JsonOut<W: std::io::Write> {
    pub(crate) out: W,
    pub(crate) groups: usize,
}

/// `s` with every line after the first indented by `n` spaces (and the
/// first too with `first`). JSON strings hold no raw newline.
fn indent(s: &[u8], n: usize, first: bool) -> Vec<u8> {
    let pad = b"        ";
    let mut v = Vec::with_capacity(s.len() + s.len() / 8);
    if first {
        v.extend_from_slice(&pad[..n]);
    }
    for &c in s {
        v.push(c);
        if c == b'\n' {
            v.extend_from_slice(&pad[..n]);
        }
    }
    v
}

impl<W: std::io::Write> ReportSink for JsonOut<W> {
    fn head(&mut self, r: &InspectReport) -> std::io::Result<()> {
        let mut s = serde_json::to_vec_pretty(r)?;
        // Cut at the groups: what follows is written as it comes.
        let key = b"\n  \"groups\": ";
        let at = s
            .windows(key.len())
            .rposition(|w| w == key)
            .ok_or_else(|| std::io::Error::other("inspect JSON: no groups field"))?;
        s.truncate(at + key.len());
        s.push(b'[');
        self.out.write_all(&s)
    }
    fn group(&mut self, g: GroupReport) -> std::io::Result<()> {
        self.out
            .write_all(if self.groups == 0 { b"\n" } else { b",\n" })?;
        self.groups += 1;
        self.out
            .write_all(&indent(&serde_json::to_vec_pretty(&g)?, 4, true))
    }
    fn end(&mut self, m: &Summary) -> std::io::Result<()> {
        if self.groups > 0 {
            self.out.write_all(b"\n  ")?;
        }
        self.out.write_all(b"],\n  \"summary\": ")?;
        self.out
            .write_all(&indent(&serde_json::to_vec_pretty(m)?, 2, false))?;
        self.out.write_all(b"\n}\n")
    }
}

fn text_head(r: &InspectReport) -> String {
    format!(
        "{}: ELF{} {}-endian, {BTF_IDS_SECTION} at file offset {:#x}, address {:#x}, {} bytes\n",
        r.file, r.class, r.endian, r.section_offset, r.section_address, r.section_size
    )
}

fn text_group(g: &GroupReport) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = write!(
        s,
        "{:<6} {} @{:#x} size {}",
        format!("{:?}", g.group.kind).to_lowercase(),
        g.group.name,
        g.group.offset,
        g.group.size
    );
    if let (Some(c), Some(e)) = (g.group.count, g.group.expected_count) {
        let _ = write!(s, " count {c} (size implies {e})");
    }
    if let Some(fl) = g.group.flags {
        let _ = write!(s, " flags {fl:#x} [{}]", g.flag_names.join("|"));
    }
    if let Some(l) = &g.group.label {
        if g.group.kind != GroupKind::List {
            let _ = write!(s, " label {l}");
        }
    }
    if let Some(o) = &g.group.overlaps {
        let _ = write!(s, " OVERLAPS set {o} (its slots are listed there)");
    }
    s.push('\n');
    for e in &g.entries {
        let kind = format!("{:?}", e.kind).to_lowercase();
        let _ = write!(
            s,
            "  @{:#06x} {:<8} {:<40} {:>8}",
            e.offset, kind, e.name, e.value
        );
        if let Some(fl) = e.flags {
            let _ = write!(s, " flags {fl:#x} [{}]", e.flag_names.join("|"));
        }
        if e.kind != EntryKind::Unused && e.value == 0 {
            s.push_str(" UNRESOLVED");
        }
        if let Some(v) = &e.btf {
            if v.ok {
                s.push_str(" ok");
            } else if e.value != 0 {
                let _ = write!(s, " WRONG (id {} is {} '{}'", e.value, v.kind, v.name);
                if let Some(x) = v.expected.filter(|&x| x != e.value) {
                    let _ = write!(s, "; expected {x}");
                }
                s.push(')');
            }
        }
        s.push('\n');
    }
    s
}

fn text_end(m: &Summary, btf: bool) -> String {
    format!(
        "{} lists, {} sets, {} set8s; {} ids, {} unresolved, {} unused slots{}\n",
        m.lists,
        m.sets,
        m.set8s,
        m.ids,
        m.unresolved,
        m.unused,
        if btf {
            format!(", {} wrong for the BTF", m.btf_mismatches)
        } else {
            String::new()
        }
    )
}

/// Human-readable inspect output.
pub fn inspect_text(r: &InspectReport) -> String {
    let mut s = text_head(r);
    for g in &r.groups {
        s.push_str(&text_group(g));
    }
    s.push_str(&text_end(&r.summary, r.btf.is_some()));
    s
}
