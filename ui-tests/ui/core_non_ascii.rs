// Every name goes into an assembler symbol and is looked up in BTF: ASCII
// only, for entries and for the lists and sets themselves.
// (The flag names go unused: the entries that name them are refused.)
#![allow(non_upper_case_globals, unused_imports)]

use btf_ids_runtime::flags::*;
use btf_ids_runtime::{btf_id_list, btf_kfuncs, btf_set, btf_set8};

btf_id_list! { static TRACING_IDS = [struct café, unused, func naïve]; }
btf_set! { static ENSEMBLE_DÉJÀ = [struct task_struct]; }
btf_set8! { static TASK_SET8 = [func bpf_tâche(KF_ACQUIRE)]; }
btf_kfuncs! { static KFUNCS = [func bpf_ok, func bpf_señal(KF_RELEASE)]; }

fn main() {}
