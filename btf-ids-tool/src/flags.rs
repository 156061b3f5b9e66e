//! KF_* kfunc flag names and values (include/linux/btf.h, up to
//! KF_IMPLICIT_ARGS from 7.0; KF_TRUSTED_ARGS is kept for 6.12 objects) and
//! the set8 header flag.

/// Set8 header flag marking a kfunc set (`BTF_KFUNCS_START`, 6.9+).
pub const BTF_SET8_KFUNCS: u32 = 1;

/// `KF_FASTCALL`.
pub const KF_FASTCALL: u32 = 1 << 12;

/// Every known kfunc flag: name and value.
pub const KF_FLAGS: &[(&str, u32)] = &[
    ("KF_ACQUIRE", 1 << 0),
    ("KF_RELEASE", 1 << 1),
    ("KF_RET_NULL", 1 << 2),
    ("KF_TRUSTED_ARGS", 1 << 4),
    ("KF_SLEEPABLE", 1 << 5),
    ("KF_DESTRUCTIVE", 1 << 6),
    ("KF_RCU", 1 << 7),
    ("KF_ITER_NEW", 1 << 8),
    ("KF_ITER_NEXT", 1 << 9),
    ("KF_ITER_DESTROY", 1 << 10),
    ("KF_RCU_PROTECTED", 1 << 11),
    ("KF_FASTCALL", 1 << 12),
    ("KF_ARENA_RET", 1 << 13),
    ("KF_ARENA_ARG1", 1 << 14),
    ("KF_ARENA_ARG2", 1 << 15),
    ("KF_IMPLICIT_ARGS", 1 << 16),
];

/// Names of the flags set in `v`; unknown bits come out as `0x...`.
pub fn kf_names(v: u32) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = v;
    for &(n, b) in KF_FLAGS {
        if v & b != 0 {
            out.push(n.to_string());
            rest &= !b;
        }
    }
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
