//! A `newc` cpio writer (the initramfs format; `cpio -H newc`), so that the
//! initramfs, device node included, is made without root or `mknod`.
//!
//! Each entry is a 110-byte ASCII header (`070701` and 13 eight-digit hex
//! fields: ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor,
//! rdevmajor, rdevminor, namesize, check), the NUL-terminated name padded to
//! a multiple of 4 bytes (counting the header), and the data padded the same
//! way. The archive ends with an entry named `TRAILER!!!`.
//!
//! ```
//! use btf_ids_vm::cpio::Archive;
//! let mut a = Archive::new();
//! a.dir("dev", 0o755).char_dev("dev/console", 0o600, 5, 1).file("init", 0o755, b"#!");
//! let bytes = a.finish();
//! assert!(bytes.starts_with(b"070701"));
//! assert_eq!(bytes.len() % 4, 0);
//! ```

/// The file type bits of `mode`.
pub const S_IFMT: u32 = 0o170000;
/// A directory.
pub const S_IFDIR: u32 = 0o040000;
/// A regular file.
pub const S_IFREG: u32 = 0o100000;
/// A character device.
pub const S_IFCHR: u32 = 0o020000;

/// The name of the last entry.
const TRAILER: &str = "TRAILER!!!";

/// An archive being written in memory.
#[derive(Debug, Default)]
pub struct Archive {
    out: Vec<u8>,
    next_ino: u32,
}

impl Archive {
    /// An empty archive.
    pub fn new() -> Self {
        Archive {
            out: Vec::new(),
            next_ino: 1,
        }
    }

    fn entry(&mut self, name: &str, mode: u32, nlink: u32, rdev: (u32, u32), data: &[u8]) {
        assert!(
            !name.is_empty() && !name.contains('\0'),
            "bad cpio name {name:?}"
        );
        let ino = if name == TRAILER { 0 } else { self.next_ino };
        self.next_ino += 1;
        let fields = [
            ino,
            mode,
            0, // uid
            0, // gid
            nlink,
            0, // mtime: reproducible archives
            u32::try_from(data.len()).expect("a cpio newc file is at most 4 GiB"),
            0, // devmajor
            0, // devminor
            rdev.0,
            rdev.1,
            name.len() as u32 + 1,
            0, // check: only for the 070702 (crc) format
        ];
        self.out.extend_from_slice(b"070701");
        for f in fields {
            self.out.extend_from_slice(format!("{f:08X}").as_bytes());
        }
        self.out.extend_from_slice(name.as_bytes());
        self.out.push(0);
        self.pad();
        self.out.extend_from_slice(data);
        self.pad();
    }

    fn pad(&mut self) {
        while self.out.len() % 4 != 0 {
            self.out.push(0);
        }
    }

    /// Adds a directory (`perm` such as `0o755`). Parents must be added
    /// before their children.
    pub fn dir(&mut self, name: &str, perm: u32) -> &mut Self {
        self.entry(name, S_IFDIR | (perm & 0o7777), 2, (0, 0), &[]);
        self
    }

    /// Adds a regular file.
    pub fn file(&mut self, name: &str, perm: u32, data: &[u8]) -> &mut Self {
        self.entry(name, S_IFREG | (perm & 0o7777), 1, (0, 0), data);
        self
    }

    /// Adds a character device node `major:minor` (e.g. `/dev/console` is
    /// 5:1).
    pub fn char_dev(&mut self, name: &str, perm: u32, major: u32, minor: u32) -> &mut Self {
        self.entry(name, S_IFCHR | (perm & 0o7777), 1, (major, minor), &[]);
        self
    }

    /// Ends the archive with the trailer and returns its bytes.
    pub fn finish(mut self) -> Vec<u8> {
        self.entry(TRAILER, 0, 1, (0, 0), &[]);
        self.out
    }
}

/// The initramfs of a run: `/dev` with the console node (5:1) that the
/// kernel opens before `/init` runs, `/proc`, `/sys`, `/init` (mode 0755)
/// holding `init`, and `/modules/<name>` for each module.
pub fn initramfs(init: &[u8], modules: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut a = Archive::new();
    a.dir("dev", 0o755)
        .char_dev("dev/console", 0o600, 5, 1)
        .dir("proc", 0o555)
        .dir("sys", 0o555)
        .dir("tmp", 0o1777)
        .dir("modules", 0o755)
        .file("init", 0o755, init);
    for (name, data) in modules {
        a.file(&format!("modules/{name}"), 0o644, data);
    }
    a.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::process::{Command, Stdio};

    /// The entries of the test archive, in the order they are written.
    const LISTED: [&str; 8] = [
        "dev",
        "dev/console",
        "proc",
        "sys",
        "tmp",
        "modules",
        "init",
        "modules/rsk.ko",
    ];

    /// Parses our own output back (the format, independent of the tool).
    fn entries(mut b: &[u8]) -> Vec<(String, u32, u32, u32, Vec<u8>)> {
        let mut out = Vec::new();
        let mut pos = 0usize;
        loop {
            assert_eq!(&b[..6], b"070701");
            let field = |i: usize| {
                let s = std::str::from_utf8(&b[6 + 8 * i..14 + 8 * i]).unwrap();
                u32::from_str_radix(s, 16).unwrap() as usize
            };
            let (mode, size, rmaj, rmin, namesize) =
                (field(1), field(6), field(9), field(10), field(11));
            let name = std::str::from_utf8(&b[110..110 + namesize - 1])
                .unwrap()
                .to_string();
            assert_eq!(b[110 + namesize - 1], 0);
            let data_at = (110 + namesize).div_ceil(4) * 4;
            let data = b[data_at..data_at + size].to_vec();
            let next = (data_at + size).div_ceil(4) * 4;
            assert_eq!((pos + data_at) % 4, 0);
            pos += next;
            b = &b[next..];
            if name == TRAILER {
                assert!(b.is_empty());
                return out;
            }
            out.push((name, mode as u32, rmaj as u32, rmin as u32, data));
        }
    }

    #[test]
    fn layout_and_padding() {
        let bytes = initramfs(b"ELF!x", &[("rsk.ko".into(), vec![7; 13])]);
        let e = entries(&bytes);
        let names: Vec<&str> = e.iter().map(|e| e.0.as_str()).collect();
        assert_eq!(names, LISTED);
        assert_eq!(e[1].1, S_IFCHR | 0o600);
        assert_eq!((e[1].2, e[1].3), (5, 1));
        assert_eq!(e[6].1, S_IFREG | 0o755);
        assert_eq!(e[6].4, b"ELF!x");
        assert_eq!(e[7].4, vec![7; 13]);
        assert_eq!(e[0].1 & S_IFMT, S_IFDIR);
    }

    fn cpio_tool(args: &[&str], input: &[u8], dir: Option<&std::path::Path>) -> (String, String) {
        let mut cmd = Command::new("cpio");
        cmd.args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(d) = dir {
            cmd.current_dir(d);
        }
        let mut child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => panic!("cannot run cpio ({e}): apt-get install cpio"),
        };
        child.stdin.take().unwrap().write_all(input).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "cpio {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// GNU cpio reads the archive back: names, types, modes, the device
    /// number, and (extracting without the device, which needs root) the
    /// contents.
    #[test]
    fn gnu_cpio_reads_it_back() {
        let module = (0..1000u32).map(|i| i as u8).collect::<Vec<u8>>();
        let bytes = initramfs(b"\x7fELF static init", &[("rsk.ko".into(), module.clone())]);

        let (names, _) = cpio_tool(&["-t", "--quiet"], &bytes, None);
        assert_eq!(names.lines().collect::<Vec<_>>(), LISTED);

        let (long, _) = cpio_tool(&["-tv", "--quiet"], &bytes, None);
        let line = |name: &str| {
            long.lines()
                .find(|l| l.ends_with(&format!(" {name}")))
                .unwrap_or_else(|| panic!("{name} not in\n{long}"))
                .to_string()
        };
        assert!(line("dev/console").starts_with("crw-------"), "{long}");
        assert!(line("dev/console").contains(" 5,   1 "), "{long}");
        assert!(line("init").starts_with("-rwxr-xr-x"), "{long}");
        assert!(line("modules/rsk.ko").starts_with("-rw-r--r--"), "{long}");
        assert!(line("modules/rsk.ko").contains(" 1000 "), "{long}");
        assert!(line("tmp").starts_with("drwxrwxrwt"), "{long}");

        let dir = std::env::temp_dir().join(format!("btf-ids-vm-cpio-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        cpio_tool(
            &[
                "-id",
                "--quiet",
                "--no-absolute-filenames",
                "init",
                "modules/*",
            ],
            &bytes,
            Some(&dir),
        );
        assert_eq!(
            std::fs::read(dir.join("init")).unwrap(),
            b"\x7fELF static init"
        );
        assert_eq!(std::fs::read(dir.join("modules/rsk.ko")).unwrap(), module);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("init"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o755);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn empty_name_is_refused() {
        let r = std::panic::catch_unwind(|| {
            Archive::new().file("", 0o644, b"");
        });
        assert!(r.is_err());
    }
}
