//! BPF instructions, and the kfunc call instruction in particular.
//!
//! [`BpfInsn`] has the layout of the kernel's `struct bpf_insn`
//! (include/uapi/linux/bpf.h): 8 bytes, `code` at offset 0, the two 4-bit
//! register fields in byte 1, a signed 16-bit `off` at offset 2 and a signed
//! 32-bit `imm` at offset 4, all in host byte order. A slice of `BpfInsn` can
//! therefore be handed to `BPF_PROG_LOAD` as it is.
//!
//! A call to a kernel function (a kfunc) is `BPF_JMP | BPF_CALL | BPF_K`
//! (`0x85`) with `src_reg = BPF_PSEUDO_KFUNC_CALL` (2), `dst_reg = 0`,
//! `imm` = the BTF ID of the function's `BTF_KIND_FUNC` and `off` = an index
//! into the `fd_array` of `BPF_PROG_LOAD` (0 means vmlinux BTF; a positive
//! index names the slot holding a module BTF fd).
//!
//! ```
//! use btf_ids_runtime::insn::{BpfInsn, KfuncCall};
//!
//! let call = BpfInsn::kfunc_call(65913, 0);
//! let bytes: [u8; 8] = call.to_bytes();
//! assert_eq!(bytes, [0x85, 0x20, 0, 0, 0x79, 0x01, 0x01, 0x00]);
//! assert_eq!(BpfInsn::from_bytes(bytes), call);
//! assert_eq!(
//!     call.as_kfunc_call(),
//!     Some(KfuncCall { btf_id: 65913, fd_array_index: 0 })
//! );
//! ```

use core::fmt;

/// Instruction class: `BPF_LD` (non-standard loads, e.g. the 64-bit immediate).
pub const BPF_LD: u8 = 0x00;
/// Instruction class: `BPF_LDX` (load into a register).
pub const BPF_LDX: u8 = 0x01;
/// Instruction class: `BPF_ST` (store an immediate).
pub const BPF_ST: u8 = 0x02;
/// Instruction class: `BPF_STX` (store a register).
pub const BPF_STX: u8 = 0x03;
/// Instruction class: `BPF_ALU` (32-bit arithmetic).
pub const BPF_ALU: u8 = 0x04;
/// Instruction class: `BPF_JMP` (64-bit jumps, calls and exit).
pub const BPF_JMP: u8 = 0x05;
/// Instruction class: `BPF_JMP32` (32-bit jumps; never a call).
pub const BPF_JMP32: u8 = 0x06;
/// Instruction class: `BPF_ALU64` (64-bit arithmetic).
pub const BPF_ALU64: u8 = 0x07;

/// Source operand: the immediate `imm`.
pub const BPF_K: u8 = 0x00;
/// Source operand: the register `src_reg`.
pub const BPF_X: u8 = 0x08;

/// ALU operation: move.
pub const BPF_MOV: u8 = 0xb0;
/// ALU operation: add.
pub const BPF_ADD: u8 = 0x00;

/// Jump operation: unconditional jump.
pub const BPF_JA: u8 = 0x00;
/// Jump operation: call (a helper, a subprogram or a kfunc, by `src_reg`).
pub const BPF_CALL: u8 = 0x80;
/// Jump operation: return from the program or subprogram.
pub const BPF_EXIT: u8 = 0x90;

/// Load size: 64-bit double word (`BPF_LD | BPF_IMM | BPF_DW` is ld_imm64).
pub const BPF_DW: u8 = 0x18;
/// Load mode: immediate.
pub const BPF_IMM: u8 = 0x00;

/// `src_reg` of a call: `imm` is a pc-relative subprogram offset.
pub const BPF_PSEUDO_CALL: u8 = 1;
/// `src_reg` of a call: `imm` is a kernel function's BTF ID, `off` an
/// `fd_array` index (0 for vmlinux).
pub const BPF_PSEUDO_KFUNC_CALL: u8 = 2;
/// `src_reg` of an ld_imm64: `imm` is a map fd.
pub const BPF_PSEUDO_MAP_FD: u8 = 1;
/// `src_reg` of an ld_imm64: `imm` is a BTF ID of a kernel variable or
/// function (typed ksym); the second half's `imm` holds a module BTF fd.
pub const BPF_PSEUDO_BTF_ID: u8 = 3;
/// `src_reg` of an ld_imm64: `imm` is a pc-relative subprogram offset.
pub const BPF_PSEUDO_FUNC: u8 = 4;

/// The opcode of every call: `BPF_JMP | BPF_CALL | BPF_K`.
pub const BPF_CALL_OPCODE: u8 = BPF_JMP | BPF_CALL | BPF_K;

/// The class bits of an opcode (`BPF_CLASS`).
pub const fn bpf_class(code: u8) -> u8 {
    code & 0x07
}

/// The operation bits of an ALU or jump opcode (`BPF_OP`).
pub const fn bpf_op(code: u8) -> u8 {
    code & 0xf0
}

/// The source bit of an ALU or jump opcode (`BPF_SRC`).
pub const fn bpf_src(code: u8) -> u8 {
    code & 0x08
}

/// The first register number that does not exist (`MAX_BPF_REG`, R0 to R10).
pub const MAX_BPF_REG: u8 = 11;

/// One BPF instruction, laid out exactly as the kernel's `struct bpf_insn`.
///
/// The register nibbles are packed as the C bitfields are on the target:
/// `dst_reg` in the low nibble on little endian, the high nibble on big
/// endian. [`to_bytes`](Self::to_bytes) and [`from_bytes`](Self::from_bytes)
/// always use the little-endian encoding, whatever the host.
///
/// ```
/// use btf_ids_runtime::insn::BpfInsn;
///
/// assert_eq!(core::mem::size_of::<BpfInsn>(), 8);
/// let insn = BpfInsn::mov64_imm(0, 7);
/// assert_eq!((insn.dst_reg(), insn.src_reg(), insn.imm), (0, 0, 7));
/// ```
#[repr(C)]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct BpfInsn {
    /// The opcode: class, size or operation, and source bits.
    pub code: u8,
    /// `dst_reg:4` and `src_reg:4`, packed in the host's bitfield order.
    regs: u8,
    /// Signed offset: a jump distance, a memory offset, or for a kfunc call
    /// the `fd_array` index.
    pub off: i16,
    /// Signed immediate: for a kfunc call the BTF ID.
    pub imm: i32,
}

const _: () = assert!(core::mem::size_of::<BpfInsn>() == 8);
const _: () = assert!(core::mem::align_of::<BpfInsn>() == 4);

/// Packs two register numbers in the host's bitfield order.
const fn pack_regs(dst: u8, src: u8) -> u8 {
    if cfg!(target_endian = "little") {
        (dst & 0x0f) | (src << 4)
    } else {
        (dst << 4) | (src & 0x0f)
    }
}

impl BpfInsn {
    /// An instruction from its five fields; register numbers are cut to 4
    /// bits, as the C bitfields would cut them.
    ///
    /// ```
    /// use btf_ids_runtime::insn::*;
    /// let exit = BpfInsn::new(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
    /// assert_eq!(exit, BpfInsn::exit());
    /// ```
    pub const fn new(code: u8, dst_reg: u8, src_reg: u8, off: i16, imm: i32) -> Self {
        BpfInsn {
            code,
            regs: pack_regs(dst_reg & 0x0f, src_reg & 0x0f),
            off,
            imm,
        }
    }

    /// A call to the kernel function with BTF ID `btf_id`
    /// (`BPF_PSEUDO_KFUNC_CALL`); `fd_array_index` is 0 for a vmlinux kfunc,
    /// or the `fd_array` slot of the module BTF that holds it.
    ///
    /// ```
    /// use btf_ids_runtime::insn::*;
    /// let call = BpfInsn::kfunc_call(1234, 0);
    /// assert_eq!(call.code, BPF_JMP | BPF_CALL | BPF_K);
    /// assert_eq!(call.src_reg(), BPF_PSEUDO_KFUNC_CALL);
    /// assert_eq!(call.imm, 1234);
    /// ```
    pub const fn kfunc_call(btf_id: u32, fd_array_index: i16) -> Self {
        Self::new(
            BPF_CALL_OPCODE,
            0,
            BPF_PSEUDO_KFUNC_CALL,
            fd_array_index,
            btf_id as i32,
        )
    }

    /// A call to BPF helper number `func_id` (`src_reg` 0).
    ///
    /// ```
    /// use btf_ids_runtime::insn::BpfInsn;
    /// // BPF_FUNC_ktime_get_ns is helper 5.
    /// assert_eq!(BpfInsn::helper_call(5).to_bytes(), [0x85, 0, 0, 0, 5, 0, 0, 0]);
    /// ```
    pub const fn helper_call(func_id: i32) -> Self {
        Self::new(BPF_CALL_OPCODE, 0, 0, 0, func_id)
    }

    /// A call to the subprogram `rel + 1` instructions further on
    /// (`BPF_PSEUDO_CALL`).
    pub const fn subprog_call(rel: i32) -> Self {
        Self::new(BPF_CALL_OPCODE, 0, BPF_PSEUDO_CALL, 0, rel)
    }

    /// `dst = imm` on 64 bits (`BPF_ALU64 | BPF_MOV | BPF_K`; the immediate
    /// is sign-extended).
    ///
    /// ```
    /// use btf_ids_runtime::insn::BpfInsn;
    /// assert_eq!(BpfInsn::mov64_imm(0, 0).to_bytes(), [0xb7, 0, 0, 0, 0, 0, 0, 0]);
    /// ```
    pub const fn mov64_imm(dst_reg: u8, imm: i32) -> Self {
        Self::new(BPF_ALU64 | BPF_MOV | BPF_K, dst_reg, 0, 0, imm)
    }

    /// `dst = src` on 64 bits (`BPF_ALU64 | BPF_MOV | BPF_X`).
    ///
    /// ```
    /// use btf_ids_runtime::insn::BpfInsn;
    /// assert_eq!(BpfInsn::mov64_reg(1, 10).to_bytes(), [0xbf, 0xa1, 0, 0, 0, 0, 0, 0]);
    /// ```
    pub const fn mov64_reg(dst_reg: u8, src_reg: u8) -> Self {
        Self::new(BPF_ALU64 | BPF_MOV | BPF_X, dst_reg, src_reg, 0, 0)
    }

    /// Return R0 to the caller (`BPF_JMP | BPF_EXIT`).
    ///
    /// ```
    /// use btf_ids_runtime::insn::BpfInsn;
    /// assert_eq!(BpfInsn::exit().to_bytes(), [0x95, 0, 0, 0, 0, 0, 0, 0]);
    /// ```
    pub const fn exit() -> Self {
        Self::new(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
    }

    /// The destination register (`dst_reg`, 0 to 15).
    pub const fn dst_reg(&self) -> u8 {
        if cfg!(target_endian = "little") {
            self.regs & 0x0f
        } else {
            self.regs >> 4
        }
    }

    /// The source register (`src_reg`, 0 to 15); for a call, the kind of
    /// call (`0` helper, [`BPF_PSEUDO_CALL`], [`BPF_PSEUDO_KFUNC_CALL`]).
    pub const fn src_reg(&self) -> u8 {
        if cfg!(target_endian = "little") {
            self.regs >> 4
        } else {
            self.regs & 0x0f
        }
    }

    /// Replaces `dst_reg` (cut to 4 bits).
    pub const fn set_dst_reg(&mut self, reg: u8) {
        self.regs = pack_regs(reg & 0x0f, self.src_reg());
    }

    /// Replaces `src_reg` (cut to 4 bits).
    pub const fn set_src_reg(&mut self, reg: u8) {
        self.regs = pack_regs(self.dst_reg(), reg & 0x0f);
    }

    /// The 8 bytes of the instruction as a little-endian kernel stores it:
    /// `code`, `src_reg << 4 | dst_reg`, `off` and `imm` little endian.
    pub const fn to_bytes(&self) -> [u8; 8] {
        let off = self.off.to_le_bytes();
        let imm = self.imm.to_le_bytes();
        [
            self.code,
            (self.dst_reg() & 0x0f) | (self.src_reg() << 4),
            off[0],
            off[1],
            imm[0],
            imm[1],
            imm[2],
            imm[3],
        ]
    }

    /// The instruction from its little-endian encoding (see
    /// [`to_bytes`](Self::to_bytes)).
    ///
    /// ```
    /// use btf_ids_runtime::insn::BpfInsn;
    /// let insn = BpfInsn::from_bytes([0x85, 0x20, 0, 0, 0x2a, 0, 0, 0]);
    /// assert_eq!(insn, BpfInsn::kfunc_call(42, 0));
    /// ```
    pub const fn from_bytes(bytes: [u8; 8]) -> Self {
        Self::new(
            bytes[0],
            bytes[1] & 0x0f,
            bytes[1] >> 4,
            i16::from_le_bytes([bytes[2], bytes[3]]),
            i32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]),
        )
    }

    /// The 8 bytes as a big-endian kernel stores them: `dst_reg` in the high
    /// nibble of byte 1, `off` and `imm` big endian.
    pub const fn to_be_bytes(&self) -> [u8; 8] {
        let off = self.off.to_be_bytes();
        let imm = self.imm.to_be_bytes();
        [
            self.code,
            (self.dst_reg() << 4) | (self.src_reg() & 0x0f),
            off[0],
            off[1],
            imm[0],
            imm[1],
            imm[2],
            imm[3],
        ]
    }

    /// The instruction from its big-endian encoding (see
    /// [`to_be_bytes`](Self::to_be_bytes)).
    pub const fn from_be_bytes(bytes: [u8; 8]) -> Self {
        Self::new(
            bytes[0],
            bytes[1] >> 4,
            bytes[1] & 0x0f,
            i16::from_be_bytes([bytes[2], bytes[3]]),
            i32::from_be_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]),
        )
    }

    /// Decodes a program from its little-endian bytes: 8 bytes an
    /// instruction; `None` when the length is not a multiple of 8.
    ///
    /// ```
    /// use btf_ids_runtime::insn::BpfInsn;
    /// let bytes = [0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0];
    /// let prog: Vec<BpfInsn> = BpfInsn::decode_all(&bytes).unwrap().collect();
    /// assert_eq!(prog, [BpfInsn::mov64_imm(0, 0), BpfInsn::exit()]);
    /// ```
    pub fn decode_all(bytes: &[u8]) -> Option<impl Iterator<Item = BpfInsn> + '_> {
        if bytes.len() % 8 != 0 {
            return None;
        }
        Some(bytes.chunks_exact(8).map(|c| {
            let mut b = [0u8; 8];
            b.copy_from_slice(c);
            BpfInsn::from_bytes(b)
        }))
    }

    /// True for `BPF_JMP | BPF_CALL` or `BPF_JMP32 | BPF_CALL` opcodes,
    /// whatever the source bit: what the verifier treats as a call before it
    /// checks the reserved fields.
    pub const fn is_call(&self) -> bool {
        let class = bpf_class(self.code);
        (class == BPF_JMP || class == BPF_JMP32) && bpf_op(self.code) == BPF_CALL
    }

    /// Decodes a call the way the verifier's instruction walk sanity-checks
    /// one: the opcode must be `BPF_JMP | BPF_CALL | BPF_K`, `dst_reg` 0,
    /// `src_reg` 0, 1 or 2, and `off` 0 unless `src_reg` is 2 (a kfunc call,
    /// whose `off` is an `fd_array` index that must not be negative).
    ///
    /// ```
    /// use btf_ids_runtime::insn::*;
    /// assert_eq!(BpfInsn::helper_call(5).decode_call(), Ok(BpfCall::Helper { func_id: 5 }));
    /// assert_eq!(BpfInsn::exit().decode_call(), Err(NotKfuncCall::NotACall));
    /// let mut bad = BpfInsn::kfunc_call(7, 0);
    /// bad.set_dst_reg(1);
    /// assert_eq!(bad.decode_call(), Err(NotKfuncCall::ReservedFields));
    /// ```
    pub const fn decode_call(&self) -> Result<BpfCall, NotKfuncCall> {
        if !self.is_call() {
            return Err(NotKfuncCall::NotACall);
        }
        if bpf_src(self.code) != BPF_K || bpf_class(self.code) == BPF_JMP32 || self.dst_reg() != 0 {
            return Err(NotKfuncCall::ReservedFields);
        }
        match self.src_reg() {
            0 if self.off == 0 => Ok(BpfCall::Helper { func_id: self.imm }),
            BPF_PSEUDO_CALL if self.off == 0 => Ok(BpfCall::Subprog { rel: self.imm }),
            BPF_PSEUDO_KFUNC_CALL if self.off < 0 => Err(NotKfuncCall::NegativeOffset),
            BPF_PSEUDO_KFUNC_CALL => Ok(BpfCall::Kfunc(KfuncCall {
                btf_id: self.imm as u32,
                fd_array_index: self.off,
            })),
            _ => Err(NotKfuncCall::ReservedFields),
        }
    }

    /// The kfunc call this instruction makes, if it is a well-formed one (see
    /// [`decode_call`](Self::decode_call)); `None` for anything else.
    ///
    /// ```
    /// use btf_ids_runtime::insn::*;
    /// let call = BpfInsn::kfunc_call(99, 2).as_kfunc_call().unwrap();
    /// assert_eq!((call.btf_id, call.fd_array_index), (99, 2));
    /// assert_eq!(BpfInsn::kfunc_call(99, -1).as_kfunc_call(), None);
    /// assert_eq!(BpfInsn::helper_call(99).as_kfunc_call(), None);
    /// ```
    pub const fn as_kfunc_call(&self) -> Option<KfuncCall> {
        match self.decode_call() {
            Ok(BpfCall::Kfunc(call)) => Some(call),
            _ => None,
        }
    }

    /// Like [`as_kfunc_call`](Self::as_kfunc_call), but says why an
    /// instruction is not a kfunc call.
    pub const fn kfunc_call_target(&self) -> Result<KfuncCall, NotKfuncCall> {
        match self.decode_call() {
            Ok(BpfCall::Kfunc(call)) => Ok(call),
            Ok(BpfCall::Helper { .. }) => Err(NotKfuncCall::HelperCall),
            Ok(BpfCall::Subprog { .. }) => Err(NotKfuncCall::SubprogCall),
            Err(e) => Err(e),
        }
    }
}

impl fmt::Debug for BpfInsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BpfInsn")
            .field("code", &format_args!("{:#04x}", self.code))
            .field("dst_reg", &self.dst_reg())
            .field("src_reg", &self.src_reg())
            .field("off", &self.off)
            .field("imm", &self.imm)
            .finish()
    }
}

/// The target of a call instruction that passed the verifier's reserved
/// field checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BpfCall {
    /// A BPF helper, by number (`src_reg` 0).
    Helper {
        /// The helper's `enum bpf_func_id` value.
        func_id: i32,
    },
    /// A BPF-to-BPF call (`src_reg` 1).
    Subprog {
        /// The pc-relative offset of the callee minus one.
        rel: i32,
    },
    /// A kernel function (`src_reg` 2).
    Kfunc(KfuncCall),
}

/// The operands of a kfunc call instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KfuncCall {
    /// The BTF ID of the kernel function (`imm`).
    pub btf_id: u32,
    /// The `fd_array` index of the BTF that holds it (`off`); 0 is vmlinux.
    pub fd_array_index: i16,
}

impl KfuncCall {
    /// True when the ID is looked up in vmlinux BTF (`off == 0`).
    pub const fn is_vmlinux(&self) -> bool {
        self.fd_array_index == 0
    }

    /// The instruction that makes this call.
    pub const fn to_insn(&self) -> BpfInsn {
        BpfInsn::kfunc_call(self.btf_id, self.fd_array_index)
    }
}

/// Why an instruction is not a (well-formed) kfunc call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NotKfuncCall {
    /// The opcode is not a call.
    NotACall,
    /// A call opcode with a reserved field set: `BPF_X`, `BPF_JMP32`, a
    /// non-zero `dst_reg`, an unknown `src_reg`, or a non-zero `off` on a
    /// helper or subprogram call. The verifier says "BPF_CALL uses reserved
    /// fields".
    ReservedFields,
    /// A kfunc call with a negative `off`; the verifier refuses it as a
    /// "negative offset" for a module function call.
    NegativeOffset,
    /// A well-formed call to a BPF helper.
    HelperCall,
    /// A well-formed BPF-to-BPF call.
    SubprogCall,
}

impl fmt::Display for NotKfuncCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NotKfuncCall::NotACall => "the instruction is not a call",
            NotKfuncCall::ReservedFields => "the call sets reserved fields",
            NotKfuncCall::NegativeOffset => "the kfunc call has a negative fd_array offset",
            NotKfuncCall::HelperCall => "the call is a BPF helper call",
            NotKfuncCall::SubprogCall => "the call is a BPF-to-BPF call",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_matches_struct_bpf_insn() {
        let insn = BpfInsn::new(0x85, 1, 2, -3, -4);
        // SAFETY: BpfInsn is repr(C), 8 bytes, no padding.
        let raw: [u8; 8] = unsafe { core::mem::transmute(insn) };
        if cfg!(target_endian = "little") {
            assert_eq!(raw, insn.to_bytes());
            assert_eq!(raw[1], 0x21);
        } else {
            assert_eq!(raw, insn.to_be_bytes());
            assert_eq!(raw[1], 0x12);
        }
    }

    #[test]
    fn round_trips() {
        for insn in [
            BpfInsn::kfunc_call(u32::MAX, i16::MAX),
            BpfInsn::mov64_reg(15, 10),
            BpfInsn::new(0xff, 15, 15, i16::MIN, i32::MIN),
        ] {
            assert_eq!(BpfInsn::from_bytes(insn.to_bytes()), insn);
            assert_eq!(BpfInsn::from_be_bytes(insn.to_be_bytes()), insn);
        }
    }

    #[test]
    fn call_sanity_rules() {
        use NotKfuncCall::*;
        let k = |code, dst, src, off| BpfInsn::new(code, dst, src, off, 1).kfunc_call_target();
        assert!(k(0x85, 0, 2, 0).is_ok());
        assert!(k(0x85, 0, 2, 5).is_ok());
        assert_eq!(k(0x85, 0, 2, -1), Err(NegativeOffset));
        assert_eq!(k(0x8d, 0, 2, 0), Err(ReservedFields)); // BPF_X
        assert_eq!(k(0x86, 0, 2, 0), Err(ReservedFields)); // BPF_JMP32
        assert_eq!(k(0x85, 1, 2, 0), Err(ReservedFields));
        assert_eq!(k(0x85, 0, 3, 0), Err(ReservedFields));
        assert_eq!(k(0x85, 0, 0, 1), Err(ReservedFields));
        assert_eq!(k(0x85, 0, 1, 1), Err(ReservedFields));
        assert_eq!(k(0x85, 0, 0, 0), Err(HelperCall));
        assert_eq!(k(0x85, 0, 1, 0), Err(SubprogCall));
        assert_eq!(k(0x95, 0, 2, 0), Err(NotACall));
        assert_eq!(k(0xb7, 0, 2, 0), Err(NotACall));
    }
}
