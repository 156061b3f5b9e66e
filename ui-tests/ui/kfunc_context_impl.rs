// An associated function that neither takes `self` nor names `Self` looks
// like a free function to the macro; the type system tells, and the items a
// kfunc needs beside it (its hidden module) cannot stand in an `impl` either.
use btf_ids_runtime::kfunc;

pub struct Ctx;

impl Ctx {
    #[kfunc]
    pub extern "C" fn bpf_assoc(x: u32) -> u32 {
        x
    }
}

fn main() {}
