//! Where a command's BTF comes from: `--btf`, `-b`, or the object's own
//! `.BTF`, read whole, mapped, or streamed past the resolver.

use crate::btf::{Btf, NoVisitor, TypeVisitor};
use crate::elf::ElfInfo;
use crate::error::LoadBtf;
use crate::input::{Contents, Sparse};
use crate::resolve::Collected;
use crate::{Error, ErrorKind};
use std::path::{Path, PathBuf};

/// Where a file's BTF is, as libbpf's `btf__parse` takes it: an ELF's
/// `.BTF` section, or the whole file (raw BTF). Returns the open file and
/// the range; with `read`, those bytes are read into it too (else only the
/// headers are).
fn locate_btf(path: &Path, read: bool) -> Result<(Sparse, u64, u64), Error> {
    let p = path.display().to_string();
    let cannot = |e: std::io::Error| Error::read(e).file(&p);
    let (mut parts, meta) = Sparse::open(path).map_err(cannot)?;
    parts.add(0, 4).map_err(cannot)?;
    if parts.get(0, 4) != Some(b"\x7fELF") {
        let len = parts.file_len();
        if read {
            parts.add(0, len).map_err(cannot)?;
        }
        return Ok((parts, 0, len));
    }
    let want = crate::elf::Want {
        btf_always: read,
        ..Default::default()
    };
    let loaded = crate::elf::load_parts(path, parts, meta, want)?;
    let sec = loaded.elf().map_err(|e| e.file(&p))?.btf;
    match sec {
        Some(s) => Ok((loaded.parts, s.file_offset, s.size)),
        None => Err(Error::new(ErrorKind::NoBtfSection {
            from: p.clone(),
            use_btf: false,
        })
        .file(&p)),
    }
}

/// Raw BTF bytes from a file: an ELF's `.BTF` section, or the file itself
/// (raw BTF such as /sys/kernel/btf/vmlinux, mapped), as libbpf's
/// `btf__parse`.
///
/// Of an ELF file only the headers and `.BTF` are read (as libbpf does,
/// through libelf); kernel BTF in sysfs is mapped, any other file read
/// whole.
pub fn btf_bytes_of(path: &Path) -> Result<Contents, Error> {
    if path.starts_with("/sys/kernel/btf/") {
        return crate::input::load(path)
            .map_err(|e| Error::read(e).file(&path.display().to_string()));
    }
    let (parts, start, len) = locate_btf(path, true)?;
    Ok(Contents::Part(parts, start, len))
}

/// BTF resolved against as it is read ([`crate::btf::scan`]): vmlinux's
/// own `.BTF` (Kbuild's `resolve_btfids vmlinux`) or a `--btf` file, when
/// there is no base and nothing else needs the BTF afterwards.
pub(crate) struct Streamed<'f> {
    pub(crate) file: StreamFile<'f>,
    pub(crate) start: u64,
    pub(crate) len: u64,
    pub(crate) name: String,
    /// `--btf FILE` (else the object's own `.BTF`).
    pub(crate) path: Option<PathBuf>,
}

pub(crate) enum StreamFile<'f> {
    /// The object, open already.
    Object(&'f std::fs::File),
    /// A `--btf` file.
    Own(Sparse),
}

impl Streamed<'_> {
    fn file(&self) -> &std::fs::File {
        match &self.file {
            StreamFile::Object(f) => f,
            StreamFile::Own(s) => s.file(),
        }
    }

    /// The `--btf` file `path` (raw BTF or an ELF's `.BTF`), with the
    /// errors [`btf_bytes_of`] gives.
    pub(crate) fn open(path: &Path) -> Result<Streamed<'static>, Error> {
        let (parts, start, len) = locate_btf(path, false)?;
        Ok(Streamed {
            file: StreamFile::Own(parts),
            start,
            len,
            name: path.display().to_string(),
            path: Some(path.to_path_buf()),
        })
    }

    /// Matches `col`'s names as the blob is read; on a blob the rules
    /// refuse, the whole-blob parse's error.
    pub(crate) fn resolve(&self, col: &mut Collected<'_>) -> Result<Vec<String>, Error> {
        let blob = crate::btf::scan::FileBlob {
            file: self.file(),
            start: self.start,
            len: self.len,
        };
        let cannot = |e: std::io::Error| Error::read(e).file(&self.name);
        let mut m = col.matcher();
        let scanned = crate::btf::scan::scan(&blob, &mut m).map_err(cannot)?;
        let found = m.finish();
        if let crate::btf::scan::Scanned::Valid(_) = scanned {
            return Ok(col.apply(found.sorted(), true));
        }
        // Refused: the whole parse says why (and, should it take the blob
        // after all, resolves with it).
        drop(found);
        let data = match &self.path {
            Some(p) => btf_bytes_of(p)?,
            None => {
                let mut v = vec![0u8; self.len as usize];
                use std::os::unix::fs::FileExt;
                self.file()
                    .read_exact_at(&mut v, self.start)
                    .map_err(cannot)?;
                Contents::Owned(v)
            }
        };
        let mut m = col.matcher();
        Btf::parse_visiting(&data, None, &mut m).map_err(|e| {
            Error::new(ErrorKind::LoadBtf(Box::new(LoadBtf {
                base: false,
                from: self.name.clone(),
                cause: e.to_string(),
                hint: String::new(),
            })))
            .file(&self.name)
        })?;
        let found = m.finish();
        Ok(col.apply(found, true))
    }
}

/// Where BTF comes from.
#[derive(Debug, Clone, Default)]
pub struct BtfSource {
    /// `--btf FILE` (default: the ELF's own `.BTF`).
    pub btf: Option<PathBuf>,
    /// `-b/--btf_base FILE`.
    pub base: Option<PathBuf>,
}

/// BTF bytes: read or mapped from a file, or borrowed from the object.
pub enum BtfData<'d> {
    /// From a file.
    File(Contents),
    /// The object's own `.BTF` section.
    Borrowed(&'d [u8]),
}

impl std::ops::Deref for BtfData<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            BtfData::File(c) => c,
            BtfData::Borrowed(b) => b,
        }
    }
}

/// Loaded BTF bytes, parsed on demand by [`with_btf`].
pub struct BtfBytes<'d> {
    main: BtfData<'d>,
    main_name: String,
    base: Option<(Contents, String)>,
}

impl<'d> BtfBytes<'d> {
    /// Loads per `src`; `elf` is the object (for its own `.BTF`).
    pub fn load(src: &BtfSource, file: &Path, elf: &ElfInfo<'d>) -> Result<Self, Error> {
        let base = match &src.base {
            Some(b) => Some((
                btf_bytes_of(b).map_err(|e| {
                    Error::new(ErrorKind::LoadBtf(Box::new(LoadBtf {
                        base: true,
                        from: b.display().to_string(),
                        cause: e.message(),
                        hint: String::new(),
                    })))
                    .file(&b.display().to_string())
                })?,
                b.display().to_string(),
            )),
            None => None,
        };
        let (main, main_name) = match &src.btf {
            Some(p) => (BtfData::File(btf_bytes_of(p)?), p.display().to_string()),
            None => match elf.btf {
                Some(s) => (
                    BtfData::Borrowed(elf.section_bytes(s)),
                    file.display().to_string(),
                ),
                None => {
                    let f = file.display().to_string();
                    return Err(Error::new(ErrorKind::NoBtfSection {
                        from: f.clone(),
                        use_btf: true,
                    })
                    .file(&f));
                }
            },
        };
        Ok(BtfBytes {
            main,
            main_name,
            base,
        })
    }

    /// Name of the BTF source.
    pub fn name(&self) -> &str {
        &self.main_name
    }

    /// Whether a base was given.
    pub fn has_base(&self) -> bool {
        self.base.is_some()
    }

    /// The main BTF bytes (split BTF when there is a base).
    pub fn main_bytes(&self) -> &[u8] {
        &self.main
    }

    /// Parses the part that does not depend on anything else: the base if
    /// there is one, else the main BTF; [`BtfBytes::finish`] does the rest.
    pub fn parse_first(&self) -> Result<Btf<'_>, Error> {
        self.parse_first_visiting(&mut NoVisitor)
    }

    /// [`BtfBytes::parse_first`] with a visitor for each type (see
    /// [`Btf::parse_visiting`]).
    pub fn parse_first_visiting<'s>(
        &'s self,
        visitor: &mut impl TypeVisitor<'s>,
    ) -> Result<Btf<'s>, Error> {
        match &self.base {
            Some((data, name)) => Btf::parse_visiting(data, None, visitor).map_err(|e| {
                Error::new(ErrorKind::LoadBtf(Box::new(LoadBtf {
                    base: true,
                    from: name.clone(),
                    cause: e.to_string(),
                    hint: String::new(),
                })))
                .file(name)
            }),
            None => Btf::parse_visiting(&self.main, None, visitor).map_err(|e| self.main_err(e)),
        }
    }

    /// With a base, parses the split BTF over `first` (the base), showing
    /// its types to `visitor` as [`Btf::parse_visiting`] does; without one,
    /// nothing is left to parse (`None`).
    pub fn parse_rest_visiting<'s>(
        &'s self,
        first: &'s Btf<'s>,
        visitor: &mut impl TypeVisitor<'s>,
    ) -> Result<Option<Btf<'s>>, Error> {
        match self.base {
            Some(_) => Btf::parse_visiting(&self.main, Some(first), visitor)
                .map(Some)
                .map_err(|e| self.main_err(e)),
            None => Ok(None),
        }
    }

    /// Finishes what [`BtfBytes::parse_first`] started and runs `f`.
    pub fn finish<R>(
        &self,
        first: Btf<'_>,
        f: impl FnOnce(&Btf<'_>) -> Result<R, Error>,
    ) -> Result<R, Error> {
        match self.parse_rest_visiting(&first, &mut NoVisitor)? {
            Some(split) => f(&split),
            None => f(&first),
        }
    }

    /// Parses the base, if there is one.
    pub fn parse_base(&self) -> Result<Option<Btf<'_>>, Error> {
        match &self.base {
            Some(_) => self.parse_first().map(Some),
            None => Ok(None),
        }
    }

    /// The base's file name, if there is one.
    pub fn base_name(&self) -> Option<&str> {
        self.base.as_ref().map(|(_, n)| n.as_str())
    }

    fn main_err(&self, e: crate::btf::BtfError) -> Error {
        // Over a base, ids and offsets past the end mostly mean that the
        // split BTF was made over another base.
        let hint = match &self.base {
            Some((_, b)) => format!(" (was the split BTF made over another base than {b}?)"),
            None => String::new(),
        };
        Error::new(ErrorKind::LoadBtf(Box::new(LoadBtf {
            base: false,
            from: self.main_name.clone(),
            cause: e.to_string(),
            hint,
        })))
        .file(&self.main_name)
    }
}

/// Parses `b` (base first) and runs `f` on the result.
pub fn with_btf<R>(
    b: &BtfBytes<'_>,
    f: impl FnOnce(&Btf<'_>) -> Result<R, Error>,
) -> Result<R, Error> {
    let first = b.parse_first()?;
    b.finish(first, f)
}
