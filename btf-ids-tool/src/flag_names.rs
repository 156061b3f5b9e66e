//! KF_* kfunc flag names for reports: the values are btf-ids-abi's
//! (include/linux/btf.h, up to KF_IMPLICIT_ARGS from 7.0; KF_TRUSTED_ARGS is
//! kept for 6.12 objects), plus the set8 header flag.

pub use btf_ids_abi::flags::{BTF_SET8_KFUNCS, KF_FASTCALL};

/// Names of the flags set in `v`; unknown bits come out as `0x...`.
pub fn kf_names(v: u32) -> Vec<String> {
    let mut out: Vec<String> = btf_ids_abi::flags::flag_names(v)
        .map(str::to_owned)
        .collect();
    let rest = btf_ids_abi::flags::unknown_bits(v);
    if rest != 0 {
        out.push(format!("{rest:#x}"));
    }
    out
}

/// Names of set8 header flags.
pub fn set_flag_names(v: u32) -> Vec<String> {
    let mut out = Vec::new();
    if v & BTF_SET8_KFUNCS != 0 {
        out.push("BTF_SET8_KFUNCS".to_string());
    }
    let rest = v & !BTF_SET8_KFUNCS;
    if rest != 0 {
        out.push(format!("{rest:#x}"));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn names() {
        assert_eq!(
            super::kf_names(0x1005),
            ["KF_ACQUIRE", "KF_RET_NULL", "KF_FASTCALL"]
        );
        assert_eq!(super::kf_names(1 << 20), ["0x100000"]);
        assert_eq!(super::set_flag_names(1), ["BTF_SET8_KFUNCS"]);
    }
}
