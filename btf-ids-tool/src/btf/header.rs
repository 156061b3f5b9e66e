//! `struct btf_header`, checked as libbpf's `btf_parse_hdr` checks it.

use super::{err, BtfError, HEADER_LEN, MAX_STR_OFFSET};

/// A BTF header that passed libbpf's `btf_parse_hdr` (see the module
/// docs); offsets relative to the blob's start except where named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// The blob is big-endian.
    pub big_endian: bool,
    /// `hdr_len`.
    pub hdr_len: usize,
    /// `type_off` (after the header).
    pub type_off: usize,
    /// `type_len`.
    pub type_len: usize,
    /// `str_off` (after the header).
    pub str_off: usize,
    /// `str_len`.
    pub str_len: usize,
}

impl Header {
    /// Checks the header at the start of `head` (at least its first 24
    /// bytes) of a blob of `len` bytes.
    pub fn check(head: &[u8], len: usize) -> Result<Header, BtfError> {
        if len < HEADER_LEN || head.len() < HEADER_LEN {
            return err(
                0,
                format!("too short for a BTF header ({len} bytes, {HEADER_LEN} needed)"),
            );
        }
        let big_endian = match [head[0], head[1]] {
            [0x9f, 0xeb] => false,
            [0xeb, 0x9f] => true,
            m => return err(0, format!("bad magic {:#06x}", u16::from_le_bytes(m))),
        };
        let rd = |off: usize| -> u32 {
            let b = [head[off], head[off + 1], head[off + 2], head[off + 3]];
            if big_endian {
                u32::from_be_bytes(b)
            } else {
                u32::from_le_bytes(b)
            }
        };
        let hdr_len = rd(4) as usize;
        if big_endian != cfg!(target_endian = "big") && hdr_len != HEADER_LEN {
            return err(
                4,
                format!(
                    "header length {hdr_len}: BTF in the other byte order than this machine's \
                     must have a {HEADER_LEN}-byte header (libbpf)"
                ),
            );
        }
        if hdr_len > len {
            return err(
                4,
                format!("header length {hdr_len} past the end ({len} bytes)"),
            );
        }
        let type_off = rd(8) as usize;
        let type_len = rd(12) as usize;
        let str_off = rd(16) as usize;
        let str_len = rd(20) as usize;
        let body = len - hdr_len;
        if str_off as u64 + str_len as u64 > body as u64 {
            return err(
                16,
                format!(
                    "string section {str_off:#x}+{str_len:#x} past the end of the data ({body:#x})"
                ),
            );
        }
        if type_off as u64 + type_len as u64 > str_off as u64 {
            return err(
                8,
                format!(
                    "type section {type_off:#x}+{type_len:#x} past the end of the data or the start \
                     of the string section ({str_off:#x}): types must come first"
                ),
            );
        }
        if type_off % 4 != 0 {
            return err(
                8,
                format!("type section offset {type_off:#x} is not 4-byte aligned"),
            );
        }
        Ok(Header {
            big_endian,
            hdr_len,
            type_off,
            type_len,
            str_off,
            str_len,
        })
    }

    /// libbpf's `btf_parse_str_sec`, from the string section's first and
    /// last bytes (`None` when it is empty).
    pub fn check_strings(
        &self,
        first: Option<u8>,
        last: Option<u8>,
        split: bool,
    ) -> Result<(), BtfError> {
        let strs_start = self.hdr_len + self.str_off;
        if split && self.str_len == 0 {
            return Ok(());
        }
        if self.str_len == 0 {
            return err(strs_start, "string section is empty");
        }
        if self.str_len - 1 > MAX_STR_OFFSET as usize {
            return err(
                20,
                format!(
                    "string section of {:#x} bytes, over libbpf's {:#x}",
                    self.str_len,
                    MAX_STR_OFFSET as u64 + 1
                ),
            );
        }
        if !split && first != Some(0) {
            return err(strs_start, "string section must start with an empty string");
        }
        if last != Some(0) {
            return err(
                strs_start + self.str_len,
                "string section is not NUL-terminated",
            );
        }
        Ok(())
    }
}
