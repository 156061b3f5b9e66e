//! Same-size edits of a BTF blob: the repairs [`crate::btf::fix::kernel_types`],
//! [`crate::btf::fix::names`] and [`crate::btf::fix::layout`] plan are lists of byte
//! writes at offsets of the blob, applied to a copy. Nothing here touches a
//! file; [`crate::output`] does that once every check has passed.

use crate::Error;

/// Byte writes into a BTF blob, in the order they were planned (a later
/// write to the same bytes wins).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Patch {
    edits: Vec<(usize, Vec<u8>)>,
}

impl Patch {
    /// No edits.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.edits.is_empty()
    }

    /// Writes `bytes` at `offset`.
    pub fn put(&mut self, offset: usize, bytes: &[u8]) {
        self.edits.push((offset, bytes.to_vec()));
    }

    /// Appends the edits of `other` (they apply after these).
    pub fn extend(&mut self, other: Patch) {
        self.edits.extend(other.edits);
    }

    /// Applies the edits to a copy of `blob`. An edit outside it is an
    /// error naming its offset (planned edits never are; this guards the
    /// planners).
    pub fn apply(&self, blob: &[u8]) -> Result<Vec<u8>, Error> {
        let mut out = blob.to_vec();
        for (off, bytes) in &self.edits {
            let dst = off
                .checked_add(bytes.len())
                .and_then(|end| out.get_mut(*off..end))
                .ok_or_else(|| {
                    Error::own_btf(format!(
                        "internal error: BTF edit of {} bytes past the end ({} bytes)",
                        bytes.len(),
                        blob.len()
                    ))
                    .at(*off as u64)
                })?;
            dst.copy_from_slice(bytes);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_in_order() {
        let mut p = Patch::new();
        assert!(p.is_empty());
        p.put(1, b"ab");
        p.put(2, b"c");
        assert_eq!(p.apply(b"wxyz").unwrap(), b"wacz");
        let mut bad = Patch::new();
        bad.put(3, b"ab");
        assert_eq!(bad.apply(b"wxyz").unwrap_err().offset, Some(3));
    }
}
