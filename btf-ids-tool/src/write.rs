//! Atomic output: write a temporary file in the destination's directory,
//! give it the mode of the file it replaces, and rename it over the
//! destination (with `durable`, fsync it first). A reader sees the old file
//! or the new one, never half.

use crate::Error;
use std::fs;
use std::io::Write;
use std::path::Path;

/// Atomically replaces `dest` with the concatenation of `parts`. `mode_from` (usually the input
/// file) provides the permissions. With `durable`, the data is flushed
/// (`fdatasync`) before the rename and the directory after it, so a crash
/// leaves the old file or the new one; without it the rename is still atomic
/// for other processes, but a crash may leave an empty or partial file.
pub fn write_atomic(
    dest: &Path,
    parts: &[&[u8]],
    mode_from: &Path,
    durable: bool,
) -> Result<(), Error> {
    let d = dest.display().to_string();
    let dir = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => Path::new(".").to_path_buf(),
    };
    let base = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let perms = fs::metadata(mode_from)
        .or_else(|_| fs::metadata(dest))
        .map(|m| m.permissions())
        .ok();
    let mut n = 0u32;
    let (tmp, mut f) = loop {
        let tmp = dir.join(format!(".{base}.btf-ids.{}.{n}.tmp", std::process::id()));
        match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(f) => break (tmp, f),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 100 => n += 1,
            Err(e) => {
                return Err(Error::new(format!(
                    "cannot create a temporary file in {}: {e}",
                    dir.display()
                ))
                .file(&d))
            }
        }
    };
    let res = (|| -> std::io::Result<()> {
        for p in parts {
            f.write_all(p)?;
        }
        if let Some(p) = &perms {
            f.set_permissions(p.clone())?;
        }
        if durable {
            f.sync_data()?;
        }
        drop(f);
        fs::rename(&tmp, dest)?;
        if durable {
            if let Ok(dirf) = fs::File::open(&dir) {
                let _ = dirf.sync_all();
            }
        }
        Ok(())
    })();
    if let Err(e) = res {
        let _ = fs::remove_file(&tmp);
        return Err(Error::new(format!("cannot write: {e}")).file(&d));
    }
    Ok(())
}
