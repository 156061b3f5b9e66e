// implicit_args (7.0+): trailing `struct bpf_prog_aux *` parameters that the
// verifier fills in; without one the flag means nothing, and they come last.
#![allow(non_camel_case_types)]

use btf_ids_runtime::kfunc;

#[repr(C)]
pub struct bpf_prog_aux {
    id: u32,
}

#[kfunc(implicit_args)]
pub extern "C" fn bpf_no_aux(x: u32) -> u32 {
    x
}

#[kfunc(implicit_args)]
pub extern "C" fn bpf_aux_first(aux: *mut bpf_prog_aux, x: u32) -> u32 {
    let _ = aux;
    x
}

// Six arguments a program passes are too many even with implicit ones.
#[kfunc(implicit_args)]
pub extern "C" fn bpf_aux_six(a: u8, b: u8, c: u8, d: u8, e: u8, f: u8, aux: *mut bpf_prog_aux) {
    let _ = (a, b, c, d, e, f, aux);
}

fn main() {}
