//! The instructions the cases need beyond [`BpfInsn`]'s own constructors:
//! conditional jumps, memory loads and stores, 64-bit immediates, ALU with
//! an immediate. Each is `BpfInsn::new` with the opcode spelt out.

use btf_ids_runtime::insn::*;

/// Memory mode of loads and stores (`BPF_MEM`).
pub const BPF_MEM: u8 = 0x60;
/// Size: 8 bits.
pub const BPF_B: u8 = 0x10;
/// Size: 16 bits.
pub const BPF_H: u8 = 0x08;
/// Size: 32 bits.
pub const BPF_W: u8 = 0x00;
/// Jump if equal.
pub const BPF_JEQ: u8 = 0x10;
/// Jump if not equal.
pub const BPF_JNE: u8 = 0x50;
/// ALU: subtract.
pub const BPF_SUB: u8 = 0x10;
/// ALU: bitwise and.
pub const BPF_AND: u8 = 0x50;
/// `src_reg` of a 64-bit immediate load: `imm` is a map fd, and the
/// register gets a pointer to the map's value at the offset in the second
/// instruction's `imm`.
pub const BPF_PSEUDO_MAP_VALUE: u8 = 2;
/// `bpf_get_prandom_u32()`: a helper every program type has, whose result
/// the verifier knows nothing about.
pub const BPF_FUNC_GET_PRANDOM_U32: i32 = 7;
/// `bpf_dynptr_from_mem(data, size, flags, ptr)`: a local dynptr over
/// program memory.
pub const BPF_FUNC_DYNPTR_FROM_MEM: i32 = 197;

/// The frame pointer, R10 (read only).
pub const FP: u8 = 10;

/// `if dst == imm goto +off`.
pub const fn jeq_imm(dst: u8, imm: i32, off: i16) -> BpfInsn {
    BpfInsn::new(BPF_JMP | BPF_JEQ | BPF_K, dst, 0, off, imm)
}

/// `if dst != imm goto +off`.
pub const fn jne_imm(dst: u8, imm: i32, off: i16) -> BpfInsn {
    BpfInsn::new(BPF_JMP | BPF_JNE | BPF_K, dst, 0, off, imm)
}

/// `goto +off`.
pub const fn ja(off: i16) -> BpfInsn {
    BpfInsn::new(BPF_JMP | BPF_JA, 0, 0, off, 0)
}

/// `dst = *(size *)(src + off)`, `size` one of [`BPF_B`], [`BPF_H`],
/// [`BPF_W`], [`BPF_DW`].
pub const fn ldx(size: u8, dst: u8, src: u8, off: i16) -> BpfInsn {
    BpfInsn::new(BPF_LDX | BPF_MEM | size, dst, src, off, 0)
}

/// `*(size *)(dst + off) = src`.
pub const fn stx(size: u8, dst: u8, src: u8, off: i16) -> BpfInsn {
    BpfInsn::new(BPF_STX | BPF_MEM | size, dst, src, off, 0)
}

/// `*(size *)(dst + off) = imm`.
pub const fn st(size: u8, dst: u8, off: i16, imm: i32) -> BpfInsn {
    BpfInsn::new(BPF_ST | BPF_MEM | size, dst, 0, off, imm)
}

/// `dst += imm` on 64 bits.
pub const fn add64_imm(dst: u8, imm: i32) -> BpfInsn {
    BpfInsn::new(BPF_ALU64 | BPF_ADD | BPF_K, dst, 0, 0, imm)
}

/// `dst += src` on 64 bits.
pub const fn add64_reg(dst: u8, src: u8) -> BpfInsn {
    BpfInsn::new(BPF_ALU64 | BPF_ADD | BPF_X, dst, src, 0, 0)
}

/// `dst &= imm` on 64 bits.
pub const fn and64_imm(dst: u8, imm: i32) -> BpfInsn {
    BpfInsn::new(BPF_ALU64 | BPF_AND | BPF_K, dst, 0, 0, imm)
}

/// `dst = map` (the `struct bpf_map *` of map fd `fd`).
pub const fn ld_map_fd(dst: u8, fd: i32) -> [BpfInsn; 2] {
    [
        BpfInsn::new(BPF_LD | BPF_IMM | BPF_DW, dst, BPF_PSEUDO_MAP_FD, 0, fd),
        BpfInsn::new(0, 0, 0, 0, 0),
    ]
}

/// `dst = &value_of(map fd)[off]`: a pointer into an array map's value.
pub const fn ld_map_value(dst: u8, fd: i32, off: i32) -> [BpfInsn; 2] {
    [
        BpfInsn::new(BPF_LD | BPF_IMM | BPF_DW, dst, BPF_PSEUDO_MAP_VALUE, 0, fd),
        BpfInsn::new(0, 0, 0, 0, off),
    ]
}

/// `dst = imm` with a full 64-bit immediate: the two-instruction
/// `BPF_LD | BPF_IMM | BPF_DW`.
pub const fn ld_imm64(dst: u8, imm: u64) -> [BpfInsn; 2] {
    [
        BpfInsn::new(BPF_LD | BPF_IMM | BPF_DW, dst, 0, 0, imm as u32 as i32),
        BpfInsn::new(0, 0, 0, 0, (imm >> 32) as u32 as i32),
    ]
}

/// `r1 = fp + off`: a pointer to the stack slot at `off` (negative) in R1
/// or another register.
pub const fn stack_ptr(dst: u8, off: i32) -> [BpfInsn; 2] {
    [BpfInsn::mov64_reg(dst, FP), add64_imm(dst, off)]
}

/// `r0 = imm; exit`.
pub const fn ret(imm: i32) -> [BpfInsn; 2] {
    [BpfInsn::mov64_imm(0, imm), BpfInsn::exit()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings() {
        // Checked against the opcodes in uapi/linux/bpf.h and bpftool's
        // disassembly of the same bytes.
        assert_eq!(jne_imm(0, 0, 2).to_bytes(), [0x55, 0x00, 2, 0, 0, 0, 0, 0]);
        assert_eq!(
            jeq_imm(1, 7, -1).to_bytes(),
            [0x15, 0x01, 0xff, 0xff, 7, 0, 0, 0]
        );
        assert_eq!(
            ldx(BPF_DW, 0, 0, 0).to_bytes(),
            [0x79, 0x00, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(
            stx(BPF_DW, FP, 1, -8).to_bytes(),
            [0x7b, 0x1a, 0xf8, 0xff, 0, 0, 0, 0]
        );
        assert_eq!(
            st(BPF_W, FP, -4, 9).to_bytes(),
            [0x62, 0x0a, 0xfc, 0xff, 9, 0, 0, 0]
        );
        assert_eq!(
            add64_imm(1, -8).to_bytes(),
            [0x07, 0x01, 0, 0, 0xf8, 0xff, 0xff, 0xff]
        );
        assert_eq!(ja(3).to_bytes(), [0x05, 0, 3, 0, 0, 0, 0, 0]);
        assert_eq!(add64_reg(6, 1).to_bytes(), [0x0f, 0x16, 0, 0, 0, 0, 0, 0]);
        assert_eq!(and64_imm(0, 7).to_bytes(), [0x57, 0x00, 0, 0, 7, 0, 0, 0]);
        let [lo, hi] = ld_map_fd(1, 5);
        assert_eq!(lo.to_bytes(), [0x18, 0x11, 0, 0, 5, 0, 0, 0]);
        assert_eq!(hi.to_bytes(), [0; 8]);
        let [lo, hi] = ld_map_value(1, 5, 8);
        assert_eq!(lo.to_bytes(), [0x18, 0x21, 0, 0, 5, 0, 0, 0]);
        assert_eq!(hi.to_bytes(), [0, 0, 0, 0, 8, 0, 0, 0]);
        let [lo, hi] = ld_imm64(1, 0x0807_0605_0403_0201);
        assert_eq!(lo.to_bytes(), [0x18, 0x01, 0, 0, 1, 2, 3, 4]);
        assert_eq!(hi.to_bytes(), [0, 0, 0, 0, 5, 6, 7, 8]);
    }
}
