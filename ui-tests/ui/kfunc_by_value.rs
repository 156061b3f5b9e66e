// A kfunc takes and returns integers and thin pointers only. Linux 6.12
// refuses a struct or union by value (check_kfunc_args for any argument,
// btf_distill_func_proto for arguments over 16 bytes and for any return), and
// a Rust enum by value would be undefined behaviour for the values a BPF
// program passes. Written types are judged by the macro, named ones by the
// type system; an integer alias such as `size_t` passes (tests/tests/kfunc_checks.rs).
#![allow(non_camel_case_types, improper_ctypes_definitions, dead_code)]

use btf_ids_runtime::kfunc;

#[repr(C)]
pub struct pair {
    a: u32,
    b: u32,
}

#[repr(C)]
pub struct big {
    words: [u64; 3],
}

#[repr(C)]
pub union word {
    int: u32,
    bytes: [u8; 4],
}

#[repr(u32)]
pub enum mode {
    Read,
    Write,
}

pub type pair_t = pair;

#[kfunc]
pub extern "C" fn bpf_take_pair(p: pair) -> u32 {
    p.a
}

#[kfunc]
pub extern "C" fn bpf_take_big(b: big) {
    let _ = b;
}

#[kfunc]
pub extern "C" fn bpf_take_word(w: word) {
    let _ = w;
}

#[kfunc]
pub extern "C" fn bpf_take_mode(m: mode) {
    let _ = m;
}

#[kfunc]
pub extern "C" fn bpf_give_pair() -> pair_t {
    pair { a: 0, b: 0 }
}

#[kfunc]
pub extern "C" fn bpf_tuple(t: (u32, u32)) -> [u8; 4] {
    let _ = t;
    [0; 4]
}

fn main() {}
