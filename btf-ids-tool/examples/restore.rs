//! Writes what the kernel's resolve_btfids was given for a resolved object
//! (Debian's shipped vmlinux or module): `.BTF_ids` with every id, count
//! and set body zeroed and each set8's flags words put back where the
//! assembler wrote them. The benchmark inputs of `scripts/bench-real.sh`.
//!
//! ```text
//! cargo run --release -p btf-ids-tool --example restore -- IN OUT [BASE]
//! ```
//!
//! `BASE`: the vmlinux (an ELF with `.BTF`) a module's split `.BTF` was
//! made over; none for vmlinux itself. The rules are those of
//! `tests/real_output/restore.rs` (that file is compiled in here).

#[path = "../tests/real_output/restore.rs"]
mod restore;

use btf_ids_tool::internals::ElfInfo;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (input, output) = match (args.first(), args.get(1)) {
        (Some(i), Some(o)) if args.len() <= 3 => (i, o),
        _ => {
            eprintln!("usage: restore IN OUT [BASE]");
            std::process::exit(2);
        }
    };
    let data = std::fs::read(input).unwrap_or_else(|e| panic!("{input}: {e}"));
    let base = args.get(2).map(|b| {
        let d = std::fs::read(b).unwrap_or_else(|e| panic!("{b}: {e}"));
        let elf = ElfInfo::parse(&d).unwrap_or_else(|e| panic!("{b}: {e}"));
        elf.section_bytes(elf.btf.unwrap_or_else(|| panic!("{b}: no .BTF")))
            .to_vec()
    });
    let r = restore::restore(&data, base.as_deref()).unwrap_or_else(|e| panic!("{input}: {e}"));
    std::fs::write(output, &r.data).unwrap_or_else(|e| panic!("{output}: {e}"));
    eprintln!(
        "{input}: {} id symbols, {} sets, {} set8s, {} set8 flags words put back",
        r.id_symbols, r.sets, r.set8s, r.moved_flags
    );
}
