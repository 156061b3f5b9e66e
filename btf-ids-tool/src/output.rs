//! Writing a resolved file (../shared/DESIGN.md, "Writing a resolved
//! file"). Three ways, one per situation:
//!
//! - [`patch_in_place`]: resolving changes a few KB of a file that may be
//!   hundreds of MB, owned, linked, signed. Only the changed bytes are
//!   written, into the same inode (symlinks followed), after every check
//!   has passed: owner, group, mode, xattrs, hard links and the bytes
//!   around stay what they were, and no copy of the input is made.
//! - [`write_new`]: `-o` to a regular file goes through a 0600 temporary
//!   in the target's directory, renamed into place; a setuid or setgid bit
//!   is dropped when the new file's owner or group differs from the
//!   input's. `-o` to an existing device, FIFO or socket writes to it.
//! - [`replace`]: work that changes the file's size (`--kfunc-tags`) must
//!   rewrite it; the new file takes the old one's owner, group, mode and
//!   xattrs, and a file with several hard links is refused rather than
//!   split.

use crate::Error;
use std::fs::{self, File, Metadata, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

const S_ISUID: u32 = 0o4000;
const S_ISGID: u32 = 0o2000;

fn err(path: &Path, what: impl std::fmt::Display) -> Error {
    Error::new(crate::error::ErrorKind::Write(what.to_string())).file(&path.display().to_string())
}

/// Writes each `(offset, bytes)` of `patches` into `path` where it is: the
/// same inode, nothing else touched. `len` is the size the file had when
/// it was read; a file that changed size since is refused untouched. With
/// `durable`, the data is flushed before returning.
pub fn patch_in_place(
    path: &Path,
    patches: &[(u64, &[u8])],
    len: u64,
    durable: bool,
) -> Result<(), Error> {
    let f = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| err(path, format!("cannot open for writing: {e}")))?;
    let meta = f
        .metadata()
        .map_err(|e| err(path, format!("cannot stat: {e}")))?;
    if !meta.is_file() {
        return Err(err(path, "is not a regular file"));
    }
    if meta.len() != len {
        return Err(err(
            path,
            format!(
                "changed size while being resolved ({len} bytes read, {} now); nothing written",
                meta.len()
            ),
        ));
    }
    for (off, bytes) in patches {
        if off + bytes.len() as u64 > len {
            return Err(err(
                path,
                format!("internal: a patch at {off:#x} ends past the file"),
            ));
        }
    }
    for (off, bytes) in patches {
        f.write_all_at(bytes, *off)
            .map_err(|e| err(path, format!("cannot write at {off:#x}: {e}")))?;
    }
    if durable {
        f.sync_data()
            .map_err(|e| err(path, format!("cannot flush: {e}")))?;
    }
    Ok(())
}

/// The mode a new file made from a file with `input` metadata may have,
/// when the new file is owned by `uid`:`gid`: the input's permission bits,
/// without setuid when the owner differs and without setgid when the group
/// differs (a setuid file must never change hands).
pub fn safe_mode(input: &Metadata, uid: u32, gid: u32) -> u32 {
    let mut mode = input.mode() & 0o7777;
    if uid != input.uid() {
        mode &= !S_ISUID;
    }
    if gid != input.gid() {
        mode &= !S_ISGID;
    }
    mode
}

/// A short temporary name in `dir`, created 0600, never clobbering: short
/// so that any destination name up to NAME_MAX works beside it.
fn temporary(dir: &Path, dest: &Path) -> Result<(PathBuf, File), Error> {
    let pid = std::process::id();
    for n in 0..100u32 {
        let tmp = dir.join(format!(".btfids.{pid}.{n}"));
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
        {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(err(
                    dest,
                    format!("cannot create a temporary file in {}: {e}", dir.display()),
                ))
            }
        }
    }
    Err(err(dest, "cannot find a free temporary name"))
}

fn dir_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Writes `parts` to a temporary beside `dest`, lets `finish` set what the
/// file must keep, and renames it over `dest`. On any failure the temporary
/// is removed and `dest` is untouched.
fn via_temporary(
    dest: &Path,
    parts: &[&[u8]],
    durable: bool,
    finish: impl FnOnce(&File) -> Result<(), Error>,
) -> Result<(), Error> {
    let dir = dir_of(dest);
    let (tmp, mut f) = temporary(&dir, dest)?;
    let res = (|| -> Result<(), Error> {
        for p in parts {
            f.write_all(p)
                .map_err(|e| err(dest, format!("cannot write: {e}")))?;
        }
        finish(&f)?;
        if durable {
            f.sync_data()
                .map_err(|e| err(dest, format!("cannot flush: {e}")))?;
        }
        fs::rename(&tmp, dest).map_err(|e| err(dest, format!("cannot rename into place: {e}")))?;
        if durable {
            if let Ok(d) = File::open(&dir) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    })();
    if res.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    res
}

/// Whether `-o` names standard output: `-`, or one of the names Linux
/// gives fd 1. Those are written through the descriptor, whatever it is:
/// replacing the name would replace `/dev/stdout` itself when the shell
/// redirected it to a regular file.
pub fn is_stdout(dest: &Path) -> bool {
    ["-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"]
        .iter()
        .any(|n| dest == Path::new(n))
}

/// Where a new file named `dest` goes: `dest`, or, when it is a symlink,
/// the file it ends at (which need not exist yet), so that the link stays.
fn through_links(dest: &Path) -> Result<PathBuf, Error> {
    let mut at = dest.to_path_buf();
    // As the kernel does: 40 links at most.
    for _ in 0..40 {
        match fs::symlink_metadata(&at) {
            Ok(m) if m.file_type().is_symlink() => {
                let to = fs::read_link(&at)
                    .map_err(|e| err(dest, format!("cannot read the symlink: {e}")))?;
                at = dir_of(&at).join(to);
            }
            _ => return Ok(at),
        }
    }
    Err(err(dest, "too many levels of symbolic links"))
}

/// `-o dest`: the concatenation of `parts`. Standard output, and an
/// existing device, FIFO or socket, are written to as they are; anything
/// else becomes a new regular file (a 0600 temporary renamed into place,
/// beside the file a symlink ends at) with `input`'s permission bits made
/// safe by [`safe_mode`].
pub fn write_new(
    dest: &Path,
    parts: &[&[u8]],
    input: &Metadata,
    durable: bool,
) -> Result<(), Error> {
    if is_stdout(dest) {
        let mut out = std::io::stdout().lock();
        for p in parts {
            out.write_all(p)
                .map_err(|e| err(dest, format!("cannot write: {e}")))?;
        }
        return out
            .flush()
            .map_err(|e| err(dest, format!("cannot write: {e}")));
    }
    let real = through_links(dest)?;
    let dest = real.as_path();
    if let Ok(m) = fs::metadata(dest) {
        if m.is_dir() {
            return Err(err(dest, "is a directory"));
        }
        if !m.is_file() {
            let mut f = OpenOptions::new()
                .write(true)
                .open(dest)
                .map_err(|e| err(dest, format!("cannot open for writing: {e}")))?;
            for p in parts {
                f.write_all(p)
                    .map_err(|e| err(dest, format!("cannot write: {e}")))?;
            }
            return Ok(());
        }
    }
    via_temporary(dest, parts, durable, |f| {
        let own = f
            .metadata()
            .map_err(|e| err(dest, format!("cannot stat the temporary: {e}")))?;
        let mode = safe_mode(input, own.uid(), own.gid());
        f.set_permissions(fs::Permissions::from_mode(mode))
            .map_err(|e| err(dest, format!("cannot set the mode: {e}")))
    })
}

/// Rewrites the regular file `path` (symlinks followed) with `parts`,
/// which may differ in size from it. The new file keeps the old one's
/// owner and group (as far as this process may give them), mode (made
/// safe by [`safe_mode`] for whatever owner it ends up with) and xattrs. A
/// file with several hard links is refused: replacing it would split them.
pub fn replace(path: &Path, parts: &[&[u8]], durable: bool) -> Result<(), Error> {
    let real = fs::canonicalize(path).map_err(|e| err(path, format!("cannot resolve: {e}")))?;
    let old = fs::metadata(&real).map_err(|e| err(path, format!("cannot stat: {e}")))?;
    if !old.is_file() {
        return Err(err(path, "is not a regular file"));
    }
    if old.nlink() > 1 {
        return Err(err(
            path,
            format!(
                "has {} hard links, and this change grows the file, so it must be replaced, \
                 which would split them; write a copy with -o instead",
                old.nlink()
            ),
        ));
    }
    let attrs = xattrs_of(&real)?;
    via_temporary(&real, parts, durable, |f| {
        // Owner first: chown clears setuid/setgid, and the mode is set for
        // the owner the file really has.
        let _ = std::os::unix::fs::fchown(f, Some(old.uid()), Some(old.gid()));
        let _ = std::os::unix::fs::fchown(f, None, Some(old.gid()));
        let now = f
            .metadata()
            .map_err(|e| err(path, format!("cannot stat the temporary: {e}")))?;
        let mode = safe_mode(&old, now.uid(), now.gid());
        f.set_permissions(fs::Permissions::from_mode(mode))
            .map_err(|e| err(path, format!("cannot set the mode: {e}")))?;
        for (name, value) in &attrs {
            xattr::FileExt::set_xattr(f, name, value).map_err(|e| {
                err(
                    path,
                    format!(
                        "cannot copy the xattr {} to the new file: {e}",
                        name.to_string_lossy()
                    ),
                )
            })?;
        }
        Ok(())
    })
}

type Xattrs = Vec<(std::ffi::OsString, Vec<u8>)>;

fn xattrs_of(path: &Path) -> Result<Xattrs, Error> {
    let names = match xattr::list(path) {
        Ok(n) => n,
        // A file system without xattrs has none to keep.
        Err(e) if e.raw_os_error() == Some(95) => return Ok(Vec::new()),
        Err(e) => return Err(err(path, format!("cannot list xattrs: {e}"))),
    };
    let mut out = Vec::new();
    for name in names {
        if let Some(v) = xattr::get(path, &name).map_err(|e| {
            err(
                path,
                format!("cannot read xattr {}: {e}", name.to_string_lossy()),
            )
        })? {
            out.push((name, v));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("btfids-write-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn in_place_keeps_the_inode_and_links() {
        let d = scratch("inplace");
        let a = d.join("a");
        fs::write(&a, b"0123456789").unwrap();
        fs::hard_link(&a, d.join("b")).unwrap();
        std::os::unix::fs::symlink(&a, d.join("s")).unwrap();
        let ino = fs::metadata(&a).unwrap().ino();
        patch_in_place(&d.join("s"), &[(2, b"xy"), (8, b"Z")], 10, false).unwrap();
        assert_eq!(fs::read(&a).unwrap(), b"01xy4567Z9");
        assert_eq!(fs::read(d.join("b")).unwrap(), b"01xy4567Z9");
        assert_eq!(fs::metadata(&a).unwrap().ino(), ino);
        assert!(fs::symlink_metadata(d.join("s"))
            .unwrap()
            .file_type()
            .is_symlink());
        // A file that changed size since it was read is left alone.
        let e = patch_in_place(&a, &[(0, b"!")], 11, false).unwrap_err();
        assert!(e.to_string().contains("changed size"), "{e}");
        assert_eq!(fs::read(&a).unwrap(), b"01xy4567Z9");
    }

    #[test]
    fn setuid_never_changes_hands() {
        let d = scratch("mode");
        let a = d.join("a");
        fs::write(&a, b"x").unwrap();
        fs::set_permissions(&a, fs::Permissions::from_mode(0o6755)).unwrap();
        let m = fs::metadata(&a).unwrap();
        assert_eq!(safe_mode(&m, m.uid(), m.gid()), 0o6755);
        assert_eq!(safe_mode(&m, m.uid() + 1, m.gid()), 0o2755);
        assert_eq!(safe_mode(&m, m.uid(), m.gid() + 1), 0o4755);
        assert_eq!(safe_mode(&m, m.uid() + 1, m.gid() + 1), 0o755);
    }

    #[test]
    fn new_files_go_through_a_private_temporary() {
        let d = scratch("new");
        let a = d.join("a");
        fs::write(&a, b"in").unwrap();
        fs::set_permissions(&a, fs::Permissions::from_mode(0o640)).unwrap();
        let m = fs::metadata(&a).unwrap();
        // A name of NAME_MAX bytes still works: the temporary's is short.
        let out = d.join("o".repeat(255));
        write_new(&out, &[b"ab", b"cd"], &m, true).unwrap();
        assert_eq!(fs::read(&out).unwrap(), b"abcd");
        assert_eq!(fs::metadata(&out).unwrap().mode() & 0o7777, 0o640);
        assert_eq!(fs::read_dir(&d).unwrap().count(), 2, "no temporary left");
        // An existing device is written to, not replaced.
        write_new(Path::new("/dev/null"), &[b"x"], &m, false).unwrap();
        assert!(fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device_like());
    }

    #[test]
    fn the_temporary_is_private_from_the_start() {
        let d = scratch("private");
        let dest = d.join("out");
        let (tmp, f) = temporary(&d, &dest).unwrap();
        // Before any mode is set: nobody else may read what is written.
        assert_eq!(f.metadata().unwrap().mode() & 0o777, 0o600);
        assert_eq!(tmp.parent(), Some(d.as_path()), "beside the target");
        assert!(tmp.file_name().unwrap().len() < 32, "a short name");
        // A second one never reuses the first's name.
        let (tmp2, _f2) = temporary(&d, &dest).unwrap();
        assert_ne!(tmp, tmp2);
    }

    #[test]
    fn a_symlinked_output_keeps_its_link() {
        let d = scratch("link");
        let input = d.join("in");
        fs::write(&input, b"in").unwrap();
        let m = fs::metadata(&input).unwrap();
        fs::create_dir(d.join("real")).unwrap();
        fs::write(d.join("real/out"), b"old").unwrap();
        std::os::unix::fs::symlink("real/out", d.join("out")).unwrap();
        write_new(&d.join("out"), &[b"new"], &m, false).unwrap();
        assert!(fs::symlink_metadata(d.join("out"))
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read(d.join("real/out")).unwrap(), b"new");
        // A link to nothing yet: the file is made where it points.
        std::os::unix::fs::symlink("real/later", d.join("dangling")).unwrap();
        write_new(&d.join("dangling"), &[b"x"], &m, false).unwrap();
        assert_eq!(fs::read(d.join("real/later")).unwrap(), b"x");
        // A loop is an error, not a hang.
        std::os::unix::fs::symlink("loop", d.join("loop")).unwrap();
        let e = write_new(&d.join("loop"), &[b"x"], &m, false).unwrap_err();
        assert!(e.to_string().contains("symbolic links"), "{e}");
    }

    trait CharDevice {
        fn is_char_device_like(&self) -> bool;
    }
    impl CharDevice for fs::FileType {
        fn is_char_device_like(&self) -> bool {
            std::os::unix::fs::FileTypeExt::is_char_device(self)
        }
    }

    #[test]
    fn replacing_keeps_mode_and_xattrs_and_refuses_links() {
        let d = scratch("replace");
        let a = d.join("a");
        fs::write(&a, b"old").unwrap();
        fs::set_permissions(&a, fs::Permissions::from_mode(0o604)).unwrap();
        let with_xattr = xattr::set(&a, "user.btfids", b"kept").is_ok();
        std::os::unix::fs::symlink(&a, d.join("s")).unwrap();
        replace(&d.join("s"), &[b"longer"], false).unwrap();
        assert_eq!(fs::read(&a).unwrap(), b"longer");
        assert!(fs::symlink_metadata(d.join("s"))
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::metadata(&a).unwrap().mode() & 0o7777, 0o604);
        if with_xattr {
            assert_eq!(
                xattr::get(&a, "user.btfids").unwrap().as_deref(),
                Some(&b"kept"[..])
            );
        }
        fs::hard_link(&a, d.join("b")).unwrap();
        let e = replace(&a, &[b"x"], false).unwrap_err();
        assert!(e.to_string().contains("2 hard links"), "{e}");
        assert_eq!(fs::read(&a).unwrap(), b"longer");
    }
}
