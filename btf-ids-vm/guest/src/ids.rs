//! The BTF IDs of kfuncs, found by name in the running kernel's BTF with the
//! project's own reader: vmlinux's from `/sys/kernel/btf/vmlinux`, a
//! module's from `/sys/kernel/btf/<module>` (split BTF over vmlinux).

use btf_ids_runtime::insn::{BpfInsn, KfuncCall};
use btf_ids_tool::internals::{kind, Btf};
use std::collections::HashMap;

/// The `fd_array` slot that holds the module's BTF fd: a module kfunc call
/// has `off = 1`, the program is loaded with `fd_array = [-1, module_fd]`.
pub const MODULE_FD_SLOT: i16 = 1;

/// The FUNC types of one BTF's own types (not its base's), by name.
pub fn own_funcs<'a>(btf: &Btf<'a>) -> HashMap<&'a [u8], u32> {
    let mut out = HashMap::new();
    for (i, &k) in btf.own_kinds().iter().enumerate() {
        if k == kind::FUNC {
            let id = btf.start_id() + i as u32;
            if let Some(name) = btf.type_name(id) {
                out.entry(name).or_insert(id);
            }
        }
    }
    out
}

/// vmlinux's BTF, parsed once for the whole run.
pub struct Vmlinux {
    /// The parsed BTF (its bytes live as long as the guest).
    pub btf: &'static Btf<'static>,
    /// Its FUNC types by name.
    pub funcs: HashMap<&'static [u8], u32>,
}

impl Vmlinux {
    /// Reads and parses `path` (normally `/sys/kernel/btf/vmlinux`).
    pub fn read(path: &str) -> Result<Vmlinux, String> {
        let data = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
        let data: &'static [u8] = Box::leak(data.into_boxed_slice());
        let btf = Btf::parse(data).map_err(|e| format!("{path}: {e}"))?;
        let btf: &'static Btf<'static> = Box::leak(Box::new(btf));
        Ok(Vmlinux {
            funcs: own_funcs(btf),
            btf,
        })
    }
}

/// Reads `/sys/kernel/btf/<module>` as split BTF over vmlinux and returns
/// the module's own FUNC types by name.
pub fn module_funcs(vmlinux: &Vmlinux, path: &str) -> Result<HashMap<String, u32>, String> {
    let data = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let btf = Btf::parse_split(&data, Some(vmlinux.btf)).map_err(|e| format!("{path}: {e}"))?;
    Ok(own_funcs(&btf)
        .into_iter()
        .map(|(n, id)| (String::from_utf8_lossy(n).into_owned(), id))
        .collect())
}

/// Whether `name` is a C identifier (what the kernel demands of the names
/// of structs, members, functions and most other kinds).
pub fn is_c_identifier(name: &[u8]) -> bool {
    match name.split_first() {
        Some((first, rest)) => {
            (first.is_ascii_alphabetic() || *first == b'_')
                && rest.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
        }
        None => false,
    }
}

/// Why the kernel may have dropped the BTF of the module file `ko`: its
/// `.BTF` section is missing, or holds type names that are not C
/// identifiers (Debian's kernel then loads the module without BTF). Returns
/// `None` when neither is the case.
pub fn btf_drop_reason(vmlinux: &Vmlinux, ko: &[u8]) -> Option<String> {
    let elf = match btf_ids_tool::internals::ElfInfo::parse(ko) {
        Ok(e) => e,
        Err(e) => return Some(format!("the .ko does not parse as ELF: {e}")),
    };
    let Some(sec) = elf.btf else {
        return Some("the .ko has no .BTF section".into());
    };
    let btf = match Btf::parse_split(elf.section_bytes(sec), Some(vmlinux.btf)) {
        Ok(b) => b,
        Err(e) => return Some(format!("the .ko's .BTF does not parse over vmlinux: {e}")),
    };
    let mut bad = Vec::new();
    for (i, &k) in btf.own_kinds().iter().enumerate() {
        if k == kind::DATASEC {
            continue; // section names such as `.data..ro_after_init`
        }
        let name = btf.type_name(btf.start_id() + i as u32).unwrap_or(b"");
        if !name.is_empty() && !is_c_identifier(name) {
            bad.push(String::from_utf8_lossy(name).into_owned());
        }
    }
    if bad.is_empty() {
        return None;
    }
    let n = bad.len();
    let shown: Vec<String> = bad
        .into_iter()
        .take(4)
        .map(|b| format!("'{}'", b.chars().take(60).collect::<String>()))
        .collect();
    Some(format!(
        "the .ko's .BTF has {n} type names that are not C identifiers, e.g. {}",
        shown.join(", ")
    ))
}

/// The byte offset of member `member` of vmlinux's `struct name`, from
/// its BTF (the layout of the running kernel, not of some header).
pub fn member_offset(btf: &Btf<'_>, name: &str, member: &str) -> Result<u32, String> {
    let mut found = None;
    btf.try_for_each_type(&mut |id, t| {
        if t.kind == kind::STRUCT && btf.type_name(id) == Some(name.as_bytes()) {
            found = Some((id, t));
            return false;
        }
        true
    });
    let (id, t) = found.ok_or_else(|| format!("no struct {name} in vmlinux's BTF"))?;
    for i in 0..t.vlen as usize {
        let at = 12 + 12 * i;
        let (Some(name_off), Some(offset)) = (btf.record_u32(id, at), btf.record_u32(id, at + 8))
        else {
            break;
        };
        if btf.name_bytes(name_off) == Some(member.as_bytes()) {
            // With kind_flag set, the low 24 bits are the bit offset.
            let bits = if t.kflag { offset & 0xff_ffff } else { offset };
            return Ok(bits / 8);
        }
    }
    Err(format!("struct {name} has no member {member}"))
}

/// What a program may need beyond kfunc IDs: maps the guest made, and
/// offsets in vmlinux's structs. `None` says it could not be had; the
/// builder then fails naming it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Env {
    /// A frozen `BPF_F_RDONLY_PROG` array map whose one value starts with
    /// the string [`RODATA_STR`].
    pub rodata_map: Option<i32>,
    /// A writable array map of one 16-byte value.
    pub array_map: Option<i32>,
    /// `offsetof(struct task_struct, real_parent)`, an `__rcu` pointer.
    pub task_real_parent: Option<u32>,
}

/// The NUL-terminated string in [`Env::rodata_map`]'s value.
pub const RODATA_STR: &[u8] = b"hello\0";

/// What a case's program builder may call: the module's kfuncs (looked up
/// first, called through [`MODULE_FD_SLOT`]) and vmlinux's (`off = 0`);
/// and the [`Env`] it may use.
pub struct Ids<'a> {
    module: Option<&'a HashMap<String, u32>>,
    vmlinux: &'a dyn Fn(&str) -> Option<u32>,
    env: Env,
}

impl<'a> Ids<'a> {
    /// Lookups in `module` (none when the module has no BTF) and through
    /// `vmlinux`.
    pub fn new(
        module: Option<&'a HashMap<String, u32>>,
        vmlinux: &'a dyn Fn(&str) -> Option<u32>,
    ) -> Self {
        Ids {
            module,
            vmlinux,
            env: Env::default(),
        }
    }

    /// The same, with `env`.
    pub fn with_env(mut self, env: Env) -> Self {
        self.env = env;
        self
    }

    /// The read-only map's fd.
    pub fn rodata_map(&self) -> Result<i32, String> {
        self.env
            .rodata_map
            .ok_or_else(|| "the guest has no read-only map (see the guest's notes)".into())
    }

    /// The writable map's fd.
    pub fn array_map(&self) -> Result<i32, String> {
        self.env
            .array_map
            .ok_or_else(|| "the guest has no array map (see the guest's notes)".into())
    }

    /// `offsetof(struct task_struct, real_parent)` as a load offset.
    pub fn task_real_parent(&self) -> Result<i16, String> {
        let off = self
            .env
            .task_real_parent
            .ok_or("vmlinux's struct task_struct has no real_parent (see the guest's notes)")?;
        i16::try_from(off).map_err(|_| format!("real_parent at {off} is past a load's reach"))
    }

    /// The kfunc called `name`: its BTF ID and `fd_array` slot.
    pub fn kfunc(&self, name: &str) -> Result<KfuncCall, String> {
        if let Some(&id) = self.module.and_then(|m| m.get(name)) {
            return Ok(KfuncCall {
                btf_id: id,
                fd_array_index: MODULE_FD_SLOT,
            });
        }
        if let Some(id) = (self.vmlinux)(name) {
            return Ok(KfuncCall {
                btf_id: id,
                fd_array_index: 0,
            });
        }
        Err(if self.module.is_some() {
            format!("no BTF FUNC named {name} in the module's BTF or vmlinux")
        } else {
            format!("no BTF FUNC named {name} in vmlinux, and the module has no BTF")
        })
    }

    /// The call instruction for the kfunc called `name`.
    pub fn call(&self, name: &str) -> Result<BpfInsn, String> {
        self.kfunc(name).map(|k| k.to_insn())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_first_then_vmlinux() {
        let module: HashMap<String, u32> = [("bpf_rs_add".to_string(), 70001)].into();
        let vmlinux = |n: &str| (n == "bpf_task_release" || n == "bpf_rs_add").then_some(5);
        let ids = Ids::new(Some(&module), &vmlinux);
        assert_eq!(
            ids.call("bpf_rs_add").unwrap(),
            BpfInsn::kfunc_call(70001, 1)
        );
        assert_eq!(
            ids.call("bpf_task_release").unwrap(),
            BpfInsn::kfunc_call(5, 0)
        );
        assert!(ids.call("nope").unwrap_err().contains("nope"));
        let no_module = Ids::new(None, &vmlinux);
        assert!(no_module
            .call("bpf_rs_memsum")
            .unwrap_err()
            .contains("no BTF"));
    }

    #[test]
    fn c_identifiers() {
        for ok in ["a", "_", "task_struct", "BtfIdSet8", "x9"] {
            assert!(is_c_identifier(ok.as_bytes()), "{ok}");
        }
        for bad in [
            "",
            "9x",
            "BtfIdSet8<7>",
            "{closure_env#0}",
            "&str",
            "a.b",
            "a b",
        ] {
            assert!(!is_c_identifier(bad.as_bytes()), "{bad}");
        }
    }

    /// On a host with BTF, the reader finds vmlinux kfuncs by name.
    #[test]
    fn finds_vmlinux_kfuncs_on_this_host() {
        let path = "/sys/kernel/btf/vmlinux";
        if !std::path::Path::new(path).exists() {
            eprintln!("no {path}: skipped");
            return;
        }
        let v = Vmlinux::read(path).unwrap();
        let off = member_offset(v.btf, "task_struct", "real_parent").unwrap();
        assert!(off > 0 && off % 8 == 0, "{off}");
        assert!(member_offset(v.btf, "task_struct", "no_such").is_err());
        let id = v.funcs[&b"bpf_task_from_pid"[..]];
        assert_eq!(v.btf.kind_of(id), Some(kind::FUNC));
        assert_eq!(v.btf.type_name(id), Some(&b"bpf_task_from_pid"[..]));
    }
}
