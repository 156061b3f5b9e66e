//! Finding what a run needs on the host: the kernel image, QEMU, and a
//! check that the guest is a static executable.

use std::path::{Path, PathBuf};

/// A Debian 6.12 kernel version such as `6.12.117+deb12`, ordered by its
/// patch level.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DebVersion {
    /// The `117` of `6.12.117+deb12`.
    pub patch: u32,
    /// The whole version string, `6.12.117+deb12`.
    pub full: String,
}

impl DebVersion {
    /// Reads `6.12.<patch>+deb12` at the start of `s` (a package or file
    /// name's version part); `None` for anything else.
    ///
    /// ```
    /// use btf_ids_vm::locate::DebVersion;
    /// assert_eq!(DebVersion::parse("6.12.117+deb12").unwrap().patch, 117);
    /// assert!(DebVersion::parse("6.1.0-28").is_none());
    /// ```
    pub fn parse(s: &str) -> Option<DebVersion> {
        let rest = s.strip_prefix("6.12.")?;
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let patch = rest[..digits].parse().ok()?;
        let tail = &rest[digits..];
        if !tail.starts_with("+deb12") {
            return None;
        }
        // `+deb12` possibly followed by a Debian suffix such as `u1`.
        let end = tail[6..]
            .find(|c: char| !c.is_ascii_alphanumeric())
            .map_or(tail.len(), |i| 6 + i);
        Some(DebVersion {
            patch,
            full: format!("6.12.{patch}{}", &tail[..end]),
        })
    }
}

/// The versions of the `linux-kbuild-6.12.*` packages installed (by their
/// `/usr/lib/linux-kbuild-<version>` directories), newest first.
pub fn installed_kbuilds(usr_lib: &Path) -> Vec<DebVersion> {
    let mut out: Vec<DebVersion> = read_names(usr_lib)
        .iter()
        .filter_map(|n| DebVersion::parse(n.strip_prefix("linux-kbuild-")?))
        .collect();
    out.sort();
    out.reverse();
    out
}

/// The `vmlinuz-6.12.*+deb12-amd64` images in `boot`, newest first.
pub fn boot_kernels(boot: &Path) -> Vec<(DebVersion, PathBuf)> {
    let mut out: Vec<(DebVersion, PathBuf)> = read_names(boot)
        .iter()
        .filter_map(|n| {
            let v = n.strip_prefix("vmlinuz-")?.strip_suffix("-amd64")?;
            let parsed = DebVersion::parse(v)?;
            (parsed.full == v).then(|| (parsed, boot.join(n)))
        })
        .collect();
    out.sort();
    out.reverse();
    out
}

fn read_names(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok()?.file_name().into_string().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// The kernel to boot: the newest `/boot/vmlinuz-6.12.X+deb12-amd64` whose
/// version is that of an installed `linux-kbuild-6.12.X+deb12` (the kbuild
/// the modules are built with). Without any such kbuild, the newest image.
/// The error names the Debian package to install.
pub fn default_kernel(boot: &Path, usr_lib: &Path) -> Result<PathBuf, String> {
    let kernels = boot_kernels(boot);
    let kbuilds = installed_kbuilds(usr_lib);
    let Some(newest_kbuild) = kbuilds.first() else {
        return match kernels.into_iter().next() {
            Some((_, path)) => Ok(path),
            None => Err(format!(
                "no {}/vmlinuz-6.12.*+deb12-amd64: apt-get install \
                 linux-image-6.12.X+deb12-amd64-unsigned (the X of linux-kbuild-6.12.X+deb12)",
                boot.display()
            )),
        };
    };
    for kb in &kbuilds {
        if let Some((_, path)) = kernels.iter().find(|(v, _)| v == kb) {
            return Ok(path.clone());
        }
    }
    Err(format!(
        "no {}/vmlinuz-{v}-amd64 for the installed linux-kbuild-{v}: apt-get install \
         linux-image-{v}-amd64-unsigned (or pass --kernel)",
        boot.display(),
        v = newest_kbuild.full
    ))
}

/// Checks that the kernel image exists and can be read.
pub fn check_kernel(path: &Path) -> Result<(), String> {
    std::fs::File::open(path).map(|_| ()).map_err(|e| {
        format!(
            "cannot read the kernel image {} ({e}): apt-get install \
             linux-image-6.12.X+deb12-amd64-unsigned, or pass --kernel",
            path.display()
        )
    })
}

/// `qemu-system-x86_64` in `PATH`.
pub fn find_qemu() -> Result<PathBuf, String> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join("qemu-system-x86_64"))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            "qemu-system-x86_64 is not in PATH: apt-get install qemu-system-x86".to_string()
        })
}

/// Checks that `elf` is an x86-64 ELF executable with no `PT_INTERP`: the
/// initramfs has no dynamic loader, so a dynamic `/init` would make the
/// kernel panic with "No working init found".
///
/// ```
/// assert!(btf_ids_vm::locate::check_static_elf(b"#!/bin/sh\n").is_err());
/// ```
pub fn check_static_elf(elf: &[u8]) -> Result<(), String> {
    let u16_at = |o: usize| elf.get(o..o + 2).map(|b| u16::from_le_bytes([b[0], b[1]]));
    let u32_at = |o: usize| {
        elf.get(o..o + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let u64_at = |o: usize| {
        elf.get(o..o + 8)
            .map(|b| u64::from_le_bytes(b.try_into().unwrap()))
    };
    if elf.get(..4) != Some(b"\x7fELF") || elf.get(4) != Some(&2) || elf.get(5) != Some(&1) {
        return Err("not a little-endian 64-bit ELF file".into());
    }
    if u16_at(18) != Some(62) {
        return Err("not an x86-64 ELF file".into());
    }
    let (Some(phoff), Some(phentsize), Some(phnum)) = (u64_at(32), u16_at(54), u16_at(56)) else {
        return Err("truncated ELF header".into());
    };
    for i in 0..phnum as usize {
        let at = phoff as usize + i * phentsize as usize;
        match u32_at(at) {
            Some(3) => {
                return Err("dynamically linked (it has PT_INTERP): build it with \
                 CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS='-C target-feature=+crt-static' \
                 and --target x86_64-unknown-linux-gnu"
                    .into())
            }
            Some(_) => {}
            None => return Err("truncated program headers".into()),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[&str]) -> PathBuf {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let root = std::env::temp_dir().join(format!(
            "btf-ids-vm-locate-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        for f in files {
            let p = root.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            if f.ends_with('/') {
                std::fs::create_dir_all(&p).unwrap();
            } else {
                std::fs::write(&p, b"x").unwrap();
            }
        }
        std::fs::create_dir_all(root.join("boot")).unwrap();
        std::fs::create_dir_all(root.join("lib")).unwrap();
        root
    }

    #[test]
    fn versions() {
        let v = DebVersion::parse("6.12.9+deb12u1-amd64").unwrap();
        assert_eq!((v.patch, v.full.as_str()), (9, "6.12.9+deb12u1"));
        assert!(DebVersion::parse("6.12.x+deb12").is_none());
        assert!(DebVersion::parse("6.12.5+deb13").is_none());
        assert!(DebVersion::parse("6.12.5").is_none());
        assert!(
            DebVersion::parse("6.12.100+deb12").unwrap()
                > DebVersion::parse("6.12.99+deb12").unwrap()
        );
    }

    #[test]
    fn picks_the_newest_kernel_with_a_kbuild() {
        let r = tree(&[
            "boot/vmlinuz-6.12.117+deb12-amd64",
            "boot/vmlinuz-6.12.120+deb12-amd64",
            "boot/vmlinuz-6.12.90+deb12-amd64",
            "boot/vmlinuz-6.12.90+deb12-cloud-amd64",
            "boot/vmlinuz-6.1.0-28-amd64",
            "lib/linux-kbuild-6.12.117+deb12/",
            "lib/linux-kbuild-6.12.90+deb12/",
            "lib/linux-kbuild-6.1/",
        ]);
        let k = default_kernel(&r.join("boot"), &r.join("lib")).unwrap();
        assert!(k.ends_with("vmlinuz-6.12.117+deb12-amd64"), "{k:?}");
        std::fs::remove_dir_all(&r).unwrap();
    }

    #[test]
    fn names_the_package_when_the_image_is_missing() {
        let r = tree(&[
            "boot/vmlinuz-6.12.90+deb12-amd64",
            "lib/linux-kbuild-6.12.117+deb12/",
        ]);
        let e = default_kernel(&r.join("boot"), &r.join("lib")).unwrap_err();
        assert!(
            e.contains("apt-get install linux-image-6.12.117+deb12-amd64-unsigned"),
            "{e}"
        );
        let r2 = tree(&[]);
        let e = default_kernel(&r2.join("boot"), &r2.join("lib")).unwrap_err();
        assert!(e.contains("linux-image-6.12.X+deb12-amd64-unsigned"), "{e}");
        // No kbuild at all: the newest image.
        let r3 = tree(&[
            "boot/vmlinuz-6.12.90+deb12-amd64",
            "boot/vmlinuz-6.12.91+deb12-amd64",
        ]);
        let k = default_kernel(&r3.join("boot"), &r3.join("lib")).unwrap();
        assert!(k.ends_with("vmlinuz-6.12.91+deb12-amd64"));
        for d in [r, r2, r3] {
            std::fs::remove_dir_all(d).unwrap();
        }
    }

    #[test]
    fn static_check_reads_program_headers() {
        // The test binary itself is dynamic (unless built with crt-static).
        let me = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        let dynamic = me.windows(11).any(|w| w == b"ld-linux-x8");
        assert_eq!(check_static_elf(&me).is_err(), dynamic);
        // A minimal header with no program headers is static.
        let mut elf = vec![0u8; 64];
        elf[..6].copy_from_slice(b"\x7fELF\x02\x01");
        elf[18] = 62;
        assert_eq!(check_static_elf(&elf), Ok(()));
        // One PT_INTERP header.
        elf[32] = 64;
        elf[54] = 56;
        elf[56] = 1;
        elf.extend_from_slice(&[3, 0, 0, 0]);
        elf.resize(64 + 56, 0);
        assert!(check_static_elf(&elf).unwrap_err().contains("PT_INTERP"));
        elf[18] = 183;
        assert!(check_static_elf(&elf).unwrap_err().contains("x86-64"));
    }
}
