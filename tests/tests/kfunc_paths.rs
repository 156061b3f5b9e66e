//! Kfuncs reached by path: through modules, `use ... as` aliases and
//! `pub use` re-exports, beside a type of the same name, and under `#[cfg]`.
//! `btf_kfuncs!` writes each function's real name into `.BTF_ids` (BTF knows
//! no other), whatever path reached it; this test reads the symbols of its
//! own executable to see them.

#![allow(non_camel_case_types, clippy::missing_safety_doc)]

use btf_ids_runtime::flags::*;
use btf_ids_runtime::{btf_kfuncs, kfunc, kfunc_info};
use btf_ids_tests::{blocks, read_btf_ids, Block};

pub mod task {
    use btf_ids_runtime::{btf_kfuncs, kfunc};

    /// A type and a kfunc of the same name: legal Rust (and in C, where a
    /// struct tag and a function never collide).
    #[repr(C)]
    pub struct bpf_paths_task {
        pub pid: i32,
    }

    #[kfunc(acquire, ret_null)]
    pub unsafe extern "C" fn bpf_paths_task(p: *mut bpf_paths_task) -> *mut bpf_paths_task {
        p
    }

    #[kfunc(release)]
    pub extern "C" fn bpf_paths_put(_p: *mut bpf_paths_task) {}

    pub mod inner {
        #[btf_ids_runtime::kfunc(sleepable)]
        pub(crate) extern "C" fn bpf_paths_inner(x: u64) -> u64 {
            x
        }
    }

    // A private kfunc, listed in its own module.
    #[kfunc(rcu)]
    extern "C" fn bpf_paths_private(x: u32) -> u32 {
        x
    }

    btf_kfuncs! {
        pub static TASK_LOCAL_KFUNCS = [bpf_paths_private, inner::bpf_paths_inner];
    }
}

/// A re-export of a kfunc carries its twin along.
pub use task::bpf_paths_put;
/// So does an alias.
use task::bpf_paths_task as acquire;

#[cfg(not(test))]
#[kfunc]
pub extern "C" fn bpf_paths_gone() {}

#[cfg(test)]
#[kfunc(destructive)]
pub extern "C" fn bpf_paths_cfg() {}

btf_kfuncs! {
    static PATH_KFUNCS = [
        acquire,
        bpf_paths_put,
        crate::task::inner::bpf_paths_inner,
        self::bpf_paths_cfg,
    ];
}

/// The block of this executable's `.BTF_ids` declared as `name`.
fn own_block(name: &str) -> Block {
    let exe = std::env::current_exe().unwrap();
    let section = read_btf_ids(&exe).expect("the test executable has .BTF_ids");
    let mut found: Vec<Block> = blocks(&section)
        .into_iter()
        .filter(|b| b.name == name)
        .collect();
    assert_eq!(found.len(), 1, "one block {name}");
    found.pop().unwrap()
}

/// `(entry symbol as resolve_btfids reads it, flags word)` of a kfunc set.
fn entries(block: &Block) -> Vec<(String, u32)> {
    let words = block.words();
    block
        .entries
        .iter()
        .filter(|e| e.name.starts_with("__BTF_ID__func__"))
        .map(|e| (e.name.clone(), words[e.offset as usize / 4 + 1]))
        .collect()
}

#[test]
fn aliases_and_re_exports_put_the_real_name_in_btf_ids() {
    let set = own_block("PATH_KFUNCS");
    assert_eq!(
        entries(&set),
        [
            (
                "__BTF_ID__func__bpf_paths_task".to_owned(),
                KF_ACQUIRE | KF_RET_NULL
            ),
            ("__BTF_ID__func__bpf_paths_put".to_owned(), KF_RELEASE),
            ("__BTF_ID__func__bpf_paths_inner".to_owned(), KF_SLEEPABLE),
            ("__BTF_ID__func__bpf_paths_cfg".to_owned(), KF_DESTRUCTIVE),
        ]
    );
    assert!(
        !set.entries.iter().any(|e| e.name.contains("acquire")),
        "the alias's name is not in .BTF_ids: {:?}",
        set.entries
    );
    assert_eq!(set.words()[1], BTF_SET8_KFUNCS);
}

#[test]
fn private_and_relative_paths_in_the_kfuncs_module() {
    let set = own_block("TASK_LOCAL_KFUNCS");
    assert_eq!(
        entries(&set),
        [
            ("__BTF_ID__func__bpf_paths_private".to_owned(), KF_RCU),
            ("__BTF_ID__func__bpf_paths_inner".to_owned(), KF_SLEEPABLE),
        ]
    );
}

#[test]
fn kfunc_info_reads_through_any_path() {
    assert_eq!(kfunc_info!(acquire).name, "bpf_paths_task");
    assert_eq!(kfunc_info!(acquire).flags, KF_ACQUIRE | KF_RET_NULL);
    assert_eq!(kfunc_info!(task::bpf_paths_task).name, "bpf_paths_task");
    assert_eq!(kfunc_info!(bpf_paths_put).name, "bpf_paths_put");
    assert_eq!(
        kfunc_info!(crate::task::inner::bpf_paths_inner).flags,
        KF_SLEEPABLE
    );
    assert_eq!(kfunc_info!(bpf_paths_cfg).args, []);
    const INFO: btf_ids_runtime::kfunc::KfuncInfo = kfunc_info!(bpf_paths_put);
    assert_eq!(INFO.args[0].name, "_p");
}

#[test]
fn the_type_and_the_function_of_one_name_both_work() {
    let mut t = task::bpf_paths_task { pid: 7 };
    let p = unsafe { acquire(&mut t) };
    assert_eq!(unsafe { (*p).pid }, 7);
    bpf_paths_put(p);
    assert_eq!(PATH_KFUNCS.capacity(), 4);
}
