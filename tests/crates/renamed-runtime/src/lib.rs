//! Every macro, told where the runtime is with `crate = kernel`: this crate
//! has no `btf_ids_runtime` in scope, so it builds only if no expansion
//! names that path.
#![cfg_attr(not(test), no_std)]

use kernel::flags::*;
use kernel::{btf_id_list, btf_kfuncs, btf_set, btf_set8, kfunc};

btf_id_list! {
    #[btf_ids(crate = kernel)]
    pub static IDS = [struct task_struct, unused, func bpf_rn_add];
}

btf_set! {
    #[btf_ids(crate = kernel)]
    pub static SET = [func bpf_rn_add, struct task_struct];
}

btf_set8! {
    #[btf_ids(crate = kernel)]
    pub static SET8 = [func bpf_rn_add(KF_SLEEPABLE)];
}

/// A kfunc whose checks (an integer size, a pointer) name the runtime's
/// helpers through `crate = kernel`.
///
/// # Safety
///
/// `buf` points to `buf__sz` readable bytes.
#[kfunc(sleepable, crate = kernel)]
pub unsafe extern "C" fn bpf_rn_add(buf: *const u8, buf__sz: u32) -> u32 {
    let bytes = unsafe { core::slice::from_raw_parts(buf, buf__sz as usize) };
    bytes.iter().map(|&b| u32::from(b)).sum()
}

btf_kfuncs! {
    #[btf_ids(crate = kernel)]
    pub static KFUNCS = [bpf_rn_add];
}

#[cfg(test)]
mod tests {
    use super::*;
    use kernel::kfunc::ArgAnnotation;

    #[test]
    fn every_macro_expanded_against_the_renamed_runtime() {
        assert_eq!(IDS.len(), 3);
        assert_eq!(IDS.get(1), Some(0));
        assert_eq!(SET.capacity(), 2);
        assert_eq!(SET8.capacity(), 1);
        assert_eq!(KFUNCS.capacity(), 1);
        assert_eq!(KFUNCS.flags(), BTF_SET8_KFUNCS);
        let info = kernel::kfunc_info!(bpf_rn_add);
        assert_eq!(info.flags, KF_SLEEPABLE);
        assert_eq!(info.args[1].name, "buf__sz");
        assert_eq!(info.args[1].annotation, ArgAnnotation::Size);
        assert_eq!(unsafe { bpf_rn_add([1u8, 2, 3].as_ptr(), 3) }, 6);
    }
}
