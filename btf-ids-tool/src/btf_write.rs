//! Adding `bpf_kfunc` / `bpf_fastcall` decl tags to the `.BTF` section.

use crate::cmd::BtfBytes;
use crate::Error;

/// Adds the kfunc decl tags to the ELF image `elf_data`. Returns the new
/// image (None when nothing was added) and the number of tags added.
pub fn add_kfunc_tags(_elf_data: &[u8], _btf: &BtfBytes<'_>, _col: &crate::resolve::Collected<'_>) -> Result<(Option<Vec<u8>>, usize), Error> {
    Err(Error::new("--kfunc-tags is not implemented yet"))
}
