//! Helpers of the kfunc tests: read BTF through bpftool (split BTF too), and
//! cut a set out of `.BTF_ids` by its set symbol.

#![allow(dead_code)]

use btf_ids_tests::{read_btf_ids, run, strip_unique, tool};
use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

/// One BTF type as `bpftool btf dump ... format raw` prints it.
#[derive(Clone, Debug)]
pub struct BtfType {
    pub id: u32,
    pub kind: String,
    pub name: String,
    /// `key=value` words after the name (`type_id=12`, `linkage=static`).
    pub attrs: HashMap<String, String>,
    /// Member or parameter lines: `(name, type_id)`.
    pub members: Vec<(String, u32)>,
}

/// A whole BTF file, by ID, read by bpftool (an independent reader).
pub struct Btf {
    pub types: HashMap<u32, BtfType>,
    /// The highest ID.
    pub last_id: u32,
}

impl Btf {
    /// Dump `file`; with `base`, as split BTF over it.
    pub fn load(file: &Path, base: Option<&Path>) -> Btf {
        let mut cmd = Command::new(tool("bpftool", "bpftool"));
        if let Some(base) = base {
            cmd.arg("-B").arg(base);
        }
        let out = run(cmd
            .args(["btf", "dump", "file"])
            .arg(file)
            .args(["format", "raw"]));
        parse(&String::from_utf8_lossy(&out.stdout))
    }

    /// The IDs of every type of this kind and name, ascending.
    pub fn ids(&self, kind: &str, name: &str) -> Vec<u32> {
        let mut ids: Vec<u32> = self
            .types
            .values()
            .filter(|t| t.kind == kind && t.name == name)
            .map(|t| t.id)
            .collect();
        ids.sort_unstable();
        ids
    }

    /// The one FUNC of this name.
    pub fn func(&self, name: &str) -> &BtfType {
        let ids = self.ids("FUNC", name);
        assert_eq!(
            ids.len(),
            1,
            "exactly one FUNC '{name}' in BTF, found {ids:?}"
        );
        &self.types[&ids[0]]
    }

    /// Parameter names of a FUNC's FUNC_PROTO.
    pub fn param_names(&self, func: &str) -> Vec<String> {
        let f = self.func(func);
        let proto: u32 = f.attrs["type_id"].parse().unwrap();
        let p = &self.types[&proto];
        assert_eq!(p.kind, "FUNC_PROTO", "FUNC '{func}' points at a FUNC_PROTO");
        p.members.iter().map(|(n, _)| n.clone()).collect()
    }
}

fn parse(text: &str) -> Btf {
    let mut types = HashMap::new();
    let mut last: Option<BtfType> = None;
    let mut last_id = 0;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix('[') {
            if let Some(t) = last.take() {
                types.insert(t.id, t);
            }
            // [511] FUNC 'bpf_demo_buf_sum' type_id=510 linkage=static
            let (id, rest) = rest.split_once("] ").unwrap();
            let (kind, rest) = rest.split_once(' ').unwrap_or((rest, ""));
            let rest = rest.strip_prefix('\'').unwrap_or(rest);
            let (name, rest) = rest.split_once('\'').unwrap_or(("", rest));
            let attrs = rest
                .split_whitespace()
                .filter_map(|w| w.split_once('='))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
            let id: u32 = id.parse().unwrap();
            last_id = last_id.max(id);
            last = Some(BtfType {
                id,
                kind: kind.to_owned(),
                name: name.to_owned(),
                attrs,
                members: Vec::new(),
            });
        } else if let (Some(t), Some(rest)) = (last.as_mut(), line.strip_prefix('\t')) {
            // 'buf__sz' type_id=7   (members add bits_offset=...)
            let rest = rest.strip_prefix('\'').unwrap_or(rest);
            let (name, rest) = rest.split_once('\'').unwrap_or(("", rest));
            let type_id = rest
                .split_whitespace()
                .find_map(|w| w.strip_prefix("type_id="))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            t.members.push((name.to_owned(), type_id));
        }
    }
    if let Some(t) = last.take() {
        types.insert(t.id, t);
    }
    Btf { types, last_id }
}

/// A set8 as bytes and as words, cut from `.BTF_ids` at its set symbol
/// (`__BTF_ID__set8__<name>`, with or without a unique suffix) for the
/// symbol's size: the header and every pair.
pub struct Set8 {
    pub bytes: Vec<u8>,
}

impl Set8 {
    pub fn read(elf: &Path, name: &str) -> Set8 {
        let section =
            read_btf_ids(elf).unwrap_or_else(|| panic!("{}: no .BTF_ids section", elf.display()));
        let wanted = format!("__BTF_ID__set8__{name}");
        let syms: Vec<_> = section
            .symbols
            .iter()
            .filter(|s| strip_unique(&s.name) == wanted)
            .collect();
        assert_eq!(syms.len(), 1, "{}: one set symbol {wanted}", elf.display());
        let from = (syms[0].addr - section.addr) as usize;
        let to = from + syms[0].size as usize;
        Set8 {
            bytes: section.data[from..to].to_vec(),
        }
    }

    fn word(&self, i: usize) -> u32 {
        u32::from_le_bytes(self.bytes[4 * i..4 * i + 4].try_into().unwrap())
    }

    pub fn cnt(&self) -> u32 {
        self.word(0)
    }

    pub fn flags(&self) -> u32 {
        self.word(1)
    }

    /// The `(id, flags)` pairs the symbol's size covers.
    pub fn pairs(&self) -> Vec<(u32, u32)> {
        (1..self.bytes.len() / 8)
            .map(|i| (self.word(2 * i), self.word(2 * i + 1)))
            .collect()
    }
}

/// The kernel's resolve_btfids on `elf`, in place, taking BTF from the ELF
/// itself (`.BTF` that pahole added) or from `btf`, over an optional base.
/// Returns what it printed.
pub fn resolve(elf: &Path, btf: Option<&Path>, base: Option<&Path>) -> String {
    let mut cmd = Command::new(btf_ids_tests::resolve_btfids());
    if let Some(btf) = btf {
        cmd.arg("--btf").arg(btf);
    }
    if let Some(base) = base {
        cmd.arg("-b").arg(base);
    }
    let out = run(cmd.arg(elf));
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `pahole -J` on `elf`, in place, over an optional base BTF.
pub fn pahole(elf: &Path, base: Option<&Path>) {
    let mut cmd = Command::new(tool("pahole", "dwarves"));
    cmd.arg("-J");
    if let Some(base) = base {
        cmd.arg("--btf_base").arg(base);
    }
    run(cmd.arg(elf));
}
