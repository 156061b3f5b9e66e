//! `btf-ids check`: what a resolved file must satisfy, as failures, one
//! line each.

use super::btf_source::{with_btf, BtfBytes, BtfSource};
use super::inspect::{io_error, load_for_report, read_table, run_report};
use super::inspect::{GroupReport, InspectReport, ReportSink, Summary};
use crate::btf::own as own_btf;
use crate::btf::{Btf, NoVisitor};
use crate::symbols::layout::{EntryKind, GroupKind, Plan};
use crate::Error;
use std::path::Path;

/// The `check` result.
#[derive(Debug, Clone)]
pub struct CheckReport {
    /// The file.
    pub file: String,
    /// BTF used for kind checks (none: those checks were skipped).
    pub btf: Option<String>,
    /// Ids checked.
    pub ids: usize,
    /// Every failure, one line each.
    pub failures: Vec<String>,
}

json_fields!(CheckReport {
    file,
    btf,
    ids,
    failures
});

/// `btf-ids check`: no zero ids outside unused slots, set counts match
/// sizes, sets sorted, and (with BTF from `--btf` or the file's `.BTF`)
/// every id names a type of the declared kind and name. The file's own
/// `.BTF` must also be acceptable to kernel 6.12 ([`crate::btf::fix`]): made
/// over the base given (else an error), no type the kernel would refuse, no
/// module-local opaque type shadowing a base type (unless
/// `no_kernel_types`). A file without `.BTF_ids` gets only those checks.
/// `no_kernel_types` turns the kernel-types check off.
pub fn check_with(
    file: &Path,
    src: &BtfSource,
    no_kernel_types: bool,
) -> Result<CheckReport, Error> {
    let f = file.display().to_string();
    let loaded = load_for_report(file)?;
    let mut elf = loaded.elf().map_err(|e| e.file(&f))?;
    let have_btf = src.btf.is_some() || elf.btf.is_some();
    // Each BTF is read and parsed once: the base, then the BTF the ids are
    // checked against, which without --btf is the file's own (whose own
    // checks come first, with their own messages).
    let bytes = have_btf
        .then(|| BtfBytes::load(src, file, &elf))
        .transpose()?;
    let base = match &bytes {
        Some(b) => b.parse_base()?,
        None => None,
    };
    let base_name = bytes.as_ref().and_then(|b| b.base_name());
    let mut own_failures = Vec::new();
    let own = if src.btf.is_none() {
        let own = own_btf::parse_own(&f, &elf, base.as_ref(), base_name)?;
        if let Some(btf) = &own {
            own_failures =
                own_btf::check_own(&f, &elf, btf, base.as_ref(), base_name, !no_kernel_types)?;
        }
        own
    } else {
        None
    };
    if elf.btf_ids.is_none() && have_btf {
        let name = src
            .btf
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| f.clone());
        return Ok(CheckReport {
            file: f,
            btf: Some(name),
            ids: 0,
            failures: own_failures,
        });
    }
    let table = read_table(&mut elf).map_err(|e| e.file(&f))?;
    let plan = Plan::new(&elf, &table).map_err(|e| e.file(&f))?;
    let mut sink = CheckSink {
        failures: own_failures,
        ids: 0,
    };
    let btf_name = match &bytes {
        Some(b) => {
            let name = b.name().to_string();
            let mut report = |btf: &Btf<'_>| {
                run_report(
                    file,
                    &elf,
                    &plan,
                    Some(btf),
                    Some(name.clone()),
                    None,
                    &mut sink,
                )
                .map_err(io_error(file))
            };
            match (&own, &base) {
                (Some(own), _) => report(own)?,
                // --btf over -b: split over the base parsed above.
                (None, Some(base)) => match b.parse_rest_visiting(base, &mut NoVisitor)? {
                    Some(split) => report(&split)?,
                    None => report(base)?,
                },
                (None, None) => with_btf(b, report)?,
            }
            Some(name)
        }
        None => {
            run_report(file, &elf, &plan, None, None, None, &mut sink).map_err(io_error(file))?;
            None
        }
    };
    Ok(CheckReport {
        file: f,
        btf: btf_name,
        ids: sink.ids,
        failures: sink.failures,
    })
}

/// `check`'s failures, group by group.
struct CheckSink {
    failures: Vec<String>,
    ids: usize,
}

impl ReportSink for CheckSink {
    fn head(&mut self, _: &InspectReport) -> std::io::Result<()> {
        Ok(())
    }

    fn end(&mut self, m: &Summary) -> std::io::Result<()> {
        self.ids = m.ids;
        Ok(())
    }

    fn group(&mut self, g: GroupReport) -> std::io::Result<()> {
        let failures = &mut self.failures;
        if let (Some(c), Some(e)) = (g.group.count, g.group.expected_count) {
            if c as u64 != e {
                failures.push(format!(
                    "{} {}: count {} but its symbol size implies {}",
                    kind_str(g.group.kind),
                    g.group.name,
                    c,
                    e
                ));
            }
        }
        if let Some(o) = &g.group.overlaps {
            failures.push(format!(
                "{} {}: at {:#x}+{:#x}, overlaps set {o} (btf_ids.h never emits that; \
                 resolving sorts each set over the other's words)",
                kind_str(g.group.kind),
                g.group.name,
                g.group.offset,
                g.group.size
            ));
        }
        if matches!(g.group.kind, GroupKind::Set | GroupKind::Set8) {
            if let Some(w) = g
                .entries
                .windows(2)
                .find(|w| (w[0].value as i32) > (w[1].value as i32))
            {
                failures.push(format!(
                    "{} {}: not sorted ({} at {:#x} before {} at {:#x})",
                    kind_str(g.group.kind),
                    g.group.name,
                    w[0].value,
                    w[0].offset,
                    w[1].value,
                    w[1].offset
                ));
            }
        }
        for e in &g.entries {
            if e.kind == EntryKind::Unused {
                continue;
            }
            let kw = format!("{:?}", e.kind).to_lowercase();
            if e.value == 0 {
                failures.push(format!(
                    "{} {}: {} {} at {:#x} is 0 (unresolved)",
                    kind_str(g.group.kind),
                    g.group.name,
                    kw,
                    e.name,
                    e.offset
                ));
            } else if let Some(v) = &e.btf {
                if !v.ok {
                    failures.push(format!(
                        "{} {}: {} {} at {:#x} is {}, which is {} '{}'{}",
                        kind_str(g.group.kind),
                        g.group.name,
                        kw,
                        e.name,
                        e.offset,
                        e.value,
                        v.kind,
                        v.name,
                        match v.expected {
                            Some(x) if x != e.value => format!("; expected {x}"),
                            _ => String::new(),
                        }
                    ));
                }
            }
        }
        Ok(())
    }
}

fn kind_str(k: GroupKind) -> &'static str {
    match k {
        GroupKind::List => "list",
        GroupKind::Set => "set",
        GroupKind::Set8 => "set8",
        GroupKind::Orphan => "ids",
    }
}
