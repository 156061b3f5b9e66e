//! The `btf-ids` command line: which command runs, with which options,
//! and what it prints.
//!
//! A kernel build runs the command once per module, mostly to find nothing
//! to do, so resolve_btfids' own command line is read without building the
//! clap parser (`fast_resolve_args`).

mod args;

use crate::commands::{self, ResolveOptions};
use crate::render::{self, JsonOut, TextOut};
use crate::{Error, ErrorKind};
use args::{parse, Cmd};
use std::io::Write;
use std::path::PathBuf;

/// Reports `e` as `btf-ids: error: ...` and gives exit status 1. A message
/// that cannot be written (stderr closed or full) is dropped: the status
/// still says it failed.
fn fail(e: impl std::fmt::Display) -> i32 {
    let _ = writeln!(std::io::stderr(), "btf-ids: error: {e}");
    1
}

/// Writes `report` on stdout as `serde_json::to_string_pretty` makes it,
/// and a newline. What cannot be written is dropped, as for [`fail`]'s
/// message: the report is the command's output, not its verdict.
fn print_json(report: &impl serde::Serialize) {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let _ = serde_json::to_writer_pretty(&mut out, report)
        .map_err(std::io::Error::from)
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush());
}

/// `btf-ids resolve`, printing as resolve_btfids does.
fn resolve(file: &std::path::Path, opts: &ResolveOptions, json: bool) -> i32 {
    match commands::resolve(file, opts) {
        Ok(r) => {
            let stderr = std::io::stderr();
            let mut err = std::io::BufWriter::with_capacity(1 << 16, stderr.lock());
            let _ = render::resolve_messages(&r, &mut err);
            let _ = err.flush();
            drop(err);
            if json {
                print_json(&r);
            }
            0
        }
        Err(e) => fail(e),
    }
}

/// `btf-ids resolve` options when the arguments (after `resolve`) are only
/// resolve_btfids' own: `-v`/`--verbose`, `--btf FILE`, `-b`/`--btf_base`/
/// `--btf-base FILE` and the file, each option at most once (`-v` any
/// number of times), no value starting with `-` or empty. Anything else
/// (`--help`, `--opt=value`, `-vv`, other options) is clap's, which gives
/// the same result for these and the messages for the rest.
fn fast_resolve_args(rest: &[std::ffi::OsString]) -> Option<(PathBuf, ResolveOptions)> {
    let mut opts = ResolveOptions::default();
    let mut file: Option<PathBuf> = None;
    let mut it = rest.iter();
    let plain = |v: &std::ffi::OsString| {
        let b = v.as_encoded_bytes();
        !b.is_empty() && b[0] != b'-'
    };
    while let Some(a) = it.next() {
        match a.as_encoded_bytes() {
            b"-v" | b"--verbose" => opts.verbose = opts.verbose.checked_add(1)?,
            b"--btf" => {
                let v = it.next().filter(|v| plain(v))?;
                if opts.src.btf.replace(v.into()).is_some() {
                    return None;
                }
            }
            b"-b" | b"--btf_base" | b"--btf-base" => {
                let v = it.next().filter(|v| plain(v))?;
                if opts.src.base.replace(v.into()).is_some() {
                    return None;
                }
            }
            _ if plain(a) => {
                if file.replace(a.into()).is_some() {
                    return None;
                }
            }
            _ => return None,
        }
    }
    Some((file?, opts))
}

/// Runs the command line `args` (the program's name first, as in `argv`)
/// and returns the exit status: 0 on success, 1 on any error (reported on
/// stderr as one line), clap's 2 on a bad command line.
///
/// The caller passes the arguments because `std::env::args_os` is empty
/// under a C `main` on musl (std captures them from glibc's init_array
/// only), and the `kbuild` build is linked against musl.
pub fn run(mut args: Vec<std::ffi::OsString>) -> i32 {
    // Installed as `resolve_btfids`, behave like it.
    let is_resolve_btfids = args
        .first()
        .and_then(|a| {
            std::path::Path::new(a)
                .file_name()
                .map(|n| n == "resolve_btfids")
        })
        .unwrap_or(false);
    // Kbuild calls `$(RESOLVE_BTFIDS) -b vmlinux m.ko` and
    // `$(RESOLVE_BTFIDS) vmlinux`: with RESOLVE_BTFIDS=btf-ids, a first
    // argument that is no subcommand (and not --help or --version) is
    // resolve_btfids' command line.
    let takes_resolve_btfids_args = args.get(1).is_some_and(|a| {
        let a = a.to_string_lossy();
        let ours = ["inspect", "resolve", "check", "help"];
        !ours.contains(&a.as_ref()) && !["-h", "--help", "-V", "--version"].contains(&a.as_ref())
    });
    if is_resolve_btfids || takes_resolve_btfids_args {
        args.insert(1, "resolve".into());
    }
    if args.get(1).is_some_and(|a| a == "resolve") {
        if let Some((file, opts)) = fast_resolve_args(&args[2..]) {
            return resolve(&file, &opts, false);
        }
    }
    match parse(args) {
        Cmd::Inspect { file, src, json } => {
            // Printed as it is made: a section with many groups needs no
            // more memory than its largest group.
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
            let res = if json {
                commands::inspect::inspect_to(
                    &file,
                    &src,
                    &mut JsonOut {
                        out: &mut out,
                        groups: 0,
                    },
                )
            } else {
                commands::inspect::inspect_to(
                    &file,
                    &src,
                    &mut TextOut {
                        out: &mut out,
                        btf: false,
                    },
                )
            };
            let flushed = std::io::Write::flush(&mut out);
            match (res, flushed) {
                (Err(e), _) => fail(e),
                (Ok(()), Err(e)) => fail(Error::new(ErrorKind::Report(e.to_string()))),
                (Ok(()), Ok(())) => 0,
            }
        }
        Cmd::Resolve { file, opts, json } => {
            if json && opts.output.as_deref().is_some_and(crate::output::is_stdout) {
                return fail("--json and -o to standard output would mix on stdout; pick one");
            }
            resolve(&file, &opts, json)
        }
        Cmd::Check {
            file,
            src,
            no_kernel_types,
            json,
        } => match commands::check_with(&file, &src, no_kernel_types) {
            Ok(r) => {
                if json {
                    print_json(&r);
                } else {
                    let stderr = std::io::stderr();
                    let mut err = std::io::BufWriter::with_capacity(1 << 16, stderr.lock());
                    let stdout = std::io::stdout();
                    let _ = render::check_text(&r, &mut stdout.lock(), &mut err);
                    let _ = err.flush();
                }
                if r.failures.is_empty() {
                    0
                } else {
                    1
                }
            }
            Err(e) => fail(e),
        },
    }
}
