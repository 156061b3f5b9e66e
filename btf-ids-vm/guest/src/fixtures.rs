//! What the rule programs need besides kfunc IDs, made once per boot: a
//! frozen read-only map holding a string (for `__str`), a writable array
//! map (for `__map`, and as the map `__str` refuses), and offsets in
//! vmlinux's structs.

use crate::ids::{member_offset, Env, Vmlinux, RODATA_STR};
use btf_ids_kernel::map;
use std::os::fd::{AsRawFd, OwnedFd};

/// The maps (kept open for the whole run) and the [`Env`] naming them.
pub struct Fixtures {
    _maps: Vec<OwnedFd>,
    /// What the builders see.
    pub env: Env,
    /// One line per fixture that could not be made: the cases needing it
    /// fail naming it.
    pub notes: Vec<String>,
}

impl Fixtures {
    /// Makes them all; what fails is left `None` in [`Fixtures::env`] and
    /// said in [`Fixtures::notes`].
    pub fn make(vmlinux: &Result<Vmlinux, String>) -> Fixtures {
        let mut maps = Vec::new();
        let mut notes = Vec::new();
        let mut env = Env::default();
        let mut value = [0u8; 16];
        value[..RODATA_STR.len()].copy_from_slice(RODATA_STR);
        match map::rodata(&value) {
            Ok(fd) => {
                env.rodata_map = Some(fd.as_raw_fd());
                maps.push(fd);
            }
            Err(e) => notes.push(format!("no read-only map: {e}")),
        }
        match map::create_array(16, 1, 0) {
            Ok(fd) => {
                env.array_map = Some(fd.as_raw_fd());
                maps.push(fd);
            }
            Err(e) => notes.push(format!("no array map: {e}")),
        }
        match vmlinux
            .as_ref()
            .map_err(Clone::clone)
            .and_then(|v| member_offset(v.btf, "task_struct", "real_parent"))
        {
            Ok(off) => env.task_real_parent = Some(off),
            Err(e) => notes.push(format!("no task_struct.real_parent offset: {e}")),
        }
        Fixtures {
            _maps: maps,
            env,
            notes,
        }
    }
}
