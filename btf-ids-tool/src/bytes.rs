//! Searching bytes for a byte (the NUL at the end of a name, mostly)
//! without asking the CPU what it has.
//!
//! `memchr::memchr` chooses between AVX2 and SSE2 on x86-64 at its first
//! call, and finds out with seven CPUID instructions. Under a hypervisor
//! each CPUID traps to it (5.5 µs apiece on the VMs we measure on), so the
//! choice alone cost about 40 µs, 7% of one of a kernel build's many
//! "nothing to do" runs. SSE2 is part of x86-64 itself, so its searcher
//! needs no probe, and for names of a few dozen bytes it is as fast as
//! AVX2. Elsewhere `memchr` decides at compile time already.

/// The index of the first `needle` in `haystack`.
pub(crate) fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    if let Some(one) = memchr::arch::x86_64::sse2::memchr::One::new(needle) {
        return one.find(haystack);
    }
    memchr::memchr(needle, haystack)
}

/// The index of the last `needle` in `haystack`.
pub(crate) fn memrchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    if let Some(one) = memchr::arch::x86_64::sse2::memchr::One::new(needle) {
        return one.rfind(haystack);
    }
    memchr::memrchr(needle, haystack)
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_what_memchr_finds() {
        let hay: Vec<u8> = (0..300u32).map(|i| (i * 7 % 13) as u8).collect();
        for start in [0, 1, 15, 16, 17, 31, 64, 299, 300] {
            for needle in 0..14u8 {
                let h = &hay[start..];
                assert_eq!(super::memchr(needle, h), memchr::memchr(needle, h));
                assert_eq!(super::memrchr(needle, h), memchr::memrchr(needle, h));
            }
        }
    }
}
